import type { Db } from '../db/createDb';
import type { Logger } from '../logger';
import { coerceError } from '../errors';

/** A failed lock acquisition: `timeout` (a database timeout) or `held` (another owner holds it). */
export type LockEventKind = 'timeout' | 'held';

/**
 * Appends one routing_lock_events row (migration 0010) for a failed lock acquisition, so the local alert
 * evaluator can count lock timeouts and lock contention without Datadog. Best effort and never awaited by
 * the caller's outcome: the returned promise always resolves; a failed insert is logged (event
 * `alerting.lock_event_failed`, the SQLSTATE-bearing error, no lead data) and the activity goes on. Called
 * only on the failure paths, so a normal acquisition costs nothing. The workspace is read from the lead in
 * the same statement (null if the lead is gone).
 */
export async function recordLockEvent(db: Db, log: Logger, kind: LockEventKind, leadId: string): Promise<void> {
  try {
    await db.raw(
      `INSERT INTO routing_lock_events (kind, lead_id, workspace_id)
       SELECT ?, ?::uuid, (SELECT source_workspace_id FROM leads WHERE id = ?::uuid)`,
      [kind, leadId, leadId],
    );
  } catch (err) {
    log.warn({ event: 'alerting.lock_event_failed', kind, leadId, err: coerceError(err) }, 'could not record a routing lock event');
  }
}

/** Deletes lock events older than `days` days (the SLO report prunes with the snapshots' 35 days). */
export async function pruneLockEvents(db: Db, days: number): Promise<number> {
  return db('routing_lock_events').where('occurred_at', '<', db.raw('now() - make_interval(days => ?)', [days])).delete();
}
