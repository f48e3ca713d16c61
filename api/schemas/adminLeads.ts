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
}

export const adminLeadsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...LEAD_STATUSES] },
    stale: { type: 'boolean' },
    sourceWorkspaceId: { type: 'string', format: 'uuid' },
    limit: { type: 'integer', minimum: 1, maximum: ADMIN_LEADS_MAX_LIMIT, default: ADMIN_LEADS_DEFAULT_LIMIT },
  },
} as const;

