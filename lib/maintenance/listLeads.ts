import type { Db } from '../db/createDb';
import { LEAD_STATE_COLUMNS, toLeadState, type LeadState, type RoutingStatus } from '../store/leads';

export interface LeadListFilter {
  status?: RoutingStatus;
  /** Only leads `routing` whose lock is older than this many seconds (stuck: a crashed or lost owner). */
  staleSeconds?: number;
  sourceWorkspaceId?: string;
  limit: number;
  /** Only leads after this point in the listing's order: (created_at, id) below these (keyset paging). */
  before?: { createdAt: string; id: string };
}

export interface LeadPage {
  leads: LeadState[];
  /** Where the next page starts (the last lead's position), or null when no lead is left. */
  next: { createdAt: string; id: string } | null;
}

/**
 * Leads for operators, newest first by (created_at, id) (no payload: no PII), one page of at most `limit`.
 * Keyset paging (`before`): a page is the same whatever was inserted since the first one (new leads sort
 * first), and each costs an index range scan, however deep. Indexes: unfiltered or by source,
 * leads_created_at (created_at, walked backwards; id breaks ties in the few rows of one microsecond);
 * status=failed, leads_failed_created (migration 0020: failed leads are few in a large table, and walking
 * leads_created_at would read every routed one to find them); status=pending/routing, the small undecided
 * sets of leads_expiry / leads_locked_at, sorted; `staleSeconds`, leads_locked_at, the set the stale-lock
 * sweeper releases.
 */
export async function listLeads(db: Db, filter: LeadListFilter): Promise<LeadPage> {
  const q = db('leads')
    .select([...LEAD_STATE_COLUMNS, db.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_us`)])
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(filter.limit + 1); // one more: whether a next page exists
  if (filter.staleSeconds !== undefined) {
    q.where('routing_status', 'routing').where('routing_locked_at', '<', db.raw('now() - make_interval(secs => ?)', [filter.staleSeconds]));
  }
  if (filter.status) q.where('routing_status', filter.status);
  if (filter.sourceWorkspaceId) q.where('source_workspace_id', filter.sourceWorkspaceId);
  if (filter.before) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [filter.before.createdAt, filter.before.id]);
  const rows = (await q) as Array<Record<string, unknown>>;
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    leads: page.map(toLeadState),
    next: rows.length > filter.limit && last ? { createdAt: last.created_at_us as string, id: last.id as string } : null,
  };
}
