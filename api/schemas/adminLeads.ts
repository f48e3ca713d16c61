/** JSON schemas of the admin lead endpoints (stuck-lead visibility, retry, retry-queue processing). */
import type { RoutingStatus } from '../../lib/store/leads';

export const LEAD_STATUSES = ['pending', 'routing', 'routed', 'failed', 'expired'] as const satisfies readonly RoutingStatus[];
export const ADMIN_LEADS_DEFAULT_LIMIT = 50;
export const ADMIN_LEADS_MAX_LIMIT = 500;

export interface AdminLeadsQuery {
  status?: RoutingStatus;
  stale?: boolean;
  sourceWorkspaceId?: string;
  limit: number;
  cursor?: string;
}

export const adminLeadsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...LEAD_STATUSES] },
    stale: { type: 'boolean' },
    sourceWorkspaceId: { type: 'string', format: 'uuid' },
    limit: { type: 'integer', minimum: 1, maximum: ADMIN_LEADS_MAX_LIMIT, default: ADMIN_LEADS_DEFAULT_LIMIT },
    // base64url of a small JSON (lib/maintenance/leadsCursor.ts); 1,000 is far above any cursor this API issues.
    cursor: { type: 'string', minLength: 1, maxLength: 1000, description: 'nextCursor of the previous page: continues the same listing (same filters)' },
  },
} as const;

/**
 * GET /api/admin/leads's 200: one page of leads and where the next starts. Used by the route in place of
 * opsResponses.ts's listLeads 200 (which predates paging).
 */
export const adminLeadsPageSchema = {
  description: 'One page of leads, newest first, each with its Temporal Web UI link',
  type: 'object',
  required: ['leads', 'nextCursor'],
  additionalProperties: false,
  properties: {
    leads: { type: 'array', items: { $ref: 'Lead#' } },
    nextCursor: { type: ['string', 'null'], description: 'pass as `?cursor=` for the next page; null: this was the last page' },
  },
} as const;

