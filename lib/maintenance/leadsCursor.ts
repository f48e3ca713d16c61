import type { RoutingStatus } from '../store/leads';

/**
 * The opaque `cursor` of GET /api/admin/leads: where a page ended in (created_at, id) descending order, and
 * the filters it was listed with, so that `?cursor=` alone continues the same listing. base64url of JSON;
 * `createdAt` is ISO 8601 with Postgres' microseconds (a JS Date keeps only milliseconds, and two leads
 * created in the same millisecond would otherwise be skipped or repeated across pages).
 */
export interface LeadsCursor {
  createdAt: string;
  id: string;
  filters: LeadsCursorFilters;
}

/** The listing's filters as a cursor keeps them (absent = not filtered). */
export interface LeadsCursorFilters {
  status?: RoutingStatus;
  stale?: boolean;
  sourceWorkspaceId?: string;
}

const MICROSECOND_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES: readonly string[] = ['pending', 'routing', 'routed', 'failed', 'expired'];

export function encodeLeadsCursor(cursor: LeadsCursor): string {
  const { status, stale, sourceWorkspaceId } = cursor.filters;
  // Fixed keys, undefined dropped: the same filters always give the same cursor text.
  return Buffer.from(JSON.stringify({ c: cursor.createdAt, i: cursor.id, s: status, t: stale, w: sourceWorkspaceId })).toString('base64url');
}

/** The cursor in `text`, or a message saying why it is not one (the route answers 400 naming `cursor`). */
export function decodeLeadsCursor(text: string): LeadsCursor | { problem: string } {
  const bad = { problem: 'is not a cursor this API issued (pass nextCursor from an earlier answer, unchanged)' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return bad;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad;
  const { c, i, s, t, w } = raw as Record<string, unknown>;
  if (typeof c !== 'string' || !MICROSECOND_ISO.test(c) || Number.isNaN(Date.parse(c))) return bad;
  if (typeof i !== 'string' || !UUID.test(i)) return bad;
  if (s !== undefined && (typeof s !== 'string' || !STATUSES.includes(s))) return bad;
  if (t !== undefined && typeof t !== 'boolean') return bad;
  if (w !== undefined && (typeof w !== 'string' || !UUID.test(w))) return bad;
  const filters: LeadsCursorFilters = {};
  if (s !== undefined) filters.status = s as RoutingStatus;
  if (t !== undefined) filters.stale = t;
  if (w !== undefined) filters.sourceWorkspaceId = w;
  return { createdAt: c, id: i, filters };
}
