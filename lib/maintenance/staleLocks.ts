import { DEFAULT_REDRIVE_CONCURRENCY } from './concurrency';
import { redriveMany, type RedriveDeps } from './redrive';

export interface StaleLockReport {
  /** Leads whose stale lock was released (routing -> pending). */
  released: number;
  /** Of those, leads for which a new workflow run was started. */
  redriven: number;
  /** Of those, leads whose workflow is still running: it re-acquires the lock on its next step. */
  running: number;
  /** Re-drives that threw (Temporal unreachable): the lead is pending; the retry-queue processor finds it. */
  errors: number;
}

// One statement. The CTE picks leads `routing` whose lock is older than the threshold over the partial
// index leads_locked_at (routing_locked_at WHERE routing_status = 'routing'), oldest first, and locks them
// with SKIP LOCKED: a lead whose row is locked right now is being worked on (acquire_routing_lock,
// a decision, complete_routing) and is never waited for. The UPDATE re-states the condition.
const RELEASE_SQL = `
  WITH stale AS (
    SELECT id FROM leads
     WHERE routing_status = 'routing'
       AND routing_locked_at < now() - make_interval(secs => ?)
     ORDER BY routing_locked_at
     LIMIT ?
     FOR UPDATE SKIP LOCKED)
  UPDATE leads l
     SET routing_status = 'pending', routing_lock_owner = NULL, routing_locked_at = NULL, last_error = 'stale_lock_released'
    FROM stale
   WHERE l.id = stale.id
     AND l.routing_status = 'routing'
     AND l.routing_locked_at < now() - make_interval(secs => ?)
  RETURNING l.id, l.source_workspace_id`;

/**
 * The stale-lock sweeper: releases routing locks older than `staleSeconds` (the owner crashed, was
 * terminated, or lost its worker) and re-drives each released lead. A workflow that is in fact still
 * running simply takes the lock again on its next acquire; one that is gone is replaced by a new run.
 */
export async function sweepStaleLocks(
  deps: RedriveDeps,
  { staleSeconds, limit, concurrency = DEFAULT_REDRIVE_CONCURRENCY, onError }: { staleSeconds: number; limit: number; concurrency?: number; onError?: (leadId: string, err: unknown) => void },
): Promise<StaleLockReport> {
  const { rows } = await deps.db.raw<{ rows: Array<{ id: string; source_workspace_id: string }> }>(RELEASE_SQL, [staleSeconds, limit, staleSeconds]);
  const report: StaleLockReport = { released: rows.length, redriven: 0, running: 0, errors: 0 };
  const leads = rows.map((r) => ({ id: r.id, sourceWorkspaceId: r.source_workspace_id, status: 'pending' as const }));
  const outcomes = await redriveMany(deps, leads, { concurrency, onError });
  for (const o of outcomes) {
    if (o === 'started') report.redriven += 1;
    else if (o === 'running') report.running += 1;
    else if (o === 'error') report.errors += 1;
  }
  return report;
}
