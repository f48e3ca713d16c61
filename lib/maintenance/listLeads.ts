import type { Db } from '../db/createDb';
import { LEAD_STATE_COLUMNS, toLeadState, type LeadState, type RoutingStatus } from '../store/leads';

export interface LeadListFilter {
  status?: RoutingStatus;
  /** Only leads `routing` whose lock is older than this many seconds (stuck: a crashed or lost owner). */
  staleSeconds?: number;
  sourceWorkspaceId?: string;
  limit: number;
}

/**
 * Leads for operators, newest first (no payload: no PII). `staleSeconds` narrows to routing leads with a
 * lock older than that, the same set the stale-lock sweeper releases (index leads_locked_at).
 */
export async function listLeads(db: Db, filter: LeadListFilter): Promise<LeadState[]> {
  const q = db('leads').select(LEAD_STATE_COLUMNS).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
  if (filter.staleSeconds !== undefined) {
    q.where('routing_status', 'routing').where('routing_locked_at', '<', db.raw('now() - make_interval(secs => ?)', [filter.staleSeconds]));
  }
  if (filter.status) q.where('routing_status', filter.status);
  if (filter.sourceWorkspaceId) q.where('source_workspace_id', filter.sourceWorkspaceId);
  return (await q).map(toLeadState);
}
