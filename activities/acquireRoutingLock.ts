import { ApplicationFailure, Context } from '@temporalio/activity';
import * as routing from '../lib/store/routing';
import { NonRetryable, type AcquireLockOutput } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { elapsedMs } from '../lib/telemetry/metrics';
import { currentLockOwner } from './lockOwner';
import type { Db } from '../lib/db/createDb';
import { recordLockEvent } from '../lib/store/lockEvents';

/**
 * Which kind of timeout a failed lock acquisition was, or undefined: Postgres lock_not_available (55P03,
 * a lock_timeout) and query_canceled (57014, a statement_timeout), or knex's pool acquire timeout.
 */
export function lockTimeoutCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (e && (e.code === '55P03' || e.code === '57014')) return e.code;
  if (e && e.name === 'KnexTimeoutError') return 'pool';
  return undefined;
}

/** The lock activity of runs started before the one-workflow-task shape (routeAttempt.ts is the current one). */
export function makeAcquireRoutingLock(deps: ActivityDeps) {
  return async function acquireRoutingLock({ leadId }: { leadId: string }): Promise<AcquireLockOutput> {
    const lock = await takeRoutingLock(deps, deps.db, leadId, currentLockOwner());
    recordLockTaken(deps, leadId, lock);
    return lock;
  };
}

/**
 * Takes (or re-enters) the lead's routing lock for `owner` on `db` (the pool, or a transaction the caller
 * commits) and marks a waiting retry as started. Answers `not_routable` for a decided lead; throws as
 * lockOutcome() does, and the database error for a lock timeout (55P03 after acquire_routing_lock's 5 s
 * lock_timeout). Sends the failure-side metrics itself (sent once: nothing is rolled back behind them); the
 * caller sends the acquisition's with recordLockTaken() once what it took is committed.
 */
export async function takeRoutingLock(deps: ActivityDeps, db: Db, leadId: string, owner: string): Promise<AcquireLockOutput> {
  const startedAt = performance.now();
  let lock;
  try {
    lock = await routing.acquireRoutingLock(db, leadId, owner, deps.config.ROUTING_LOCK_STALE_SECONDS);
  } catch (err) {
    recordLockError(deps, leadId, err);
    throw err;
  } finally {
    deps.metrics.distribution('routing.lock.latency', elapsedMs(startedAt));
  }
  const taken = lockOutcome(deps, leadId, lock);
  if (taken.outcome !== 'not_routable') await routing.markRetryStarted(db, leadId); // a retry that was waiting in the ledger starts now
  return taken;
}

/** A lock call that failed: a lock timeout (55P03 / 57014 / the pool's) is counted and recorded for the alert evaluator. */
export function recordLockError({ log, metrics, db: pool }: ActivityDeps, leadId: string, err: unknown): void {
  const timeout = lockTimeoutCode(err);
  if (!timeout) return;
  metrics.increment('routing.lock.timeout_errors', { code: timeout });
  void recordLockEvent(pool, log, 'timeout', leadId); // for the local alert evaluator; on the pool, not an aborted transaction
}

/**
 * What the activity makes of the lock's answer: the lock taken (acquired, reentered, taken_over_stale) or
 * `not_routable` (a decided lead) are returned; `held_by_other` throws a retryable `LockHeld` (the retry policy
 * waits until the holder's lock frees or goes stale), `not_found` a non-retryable `LeadNotFound`, `lock_lost`
 * (the owner check of a later call failed) a non-retryable `LockLost`.
 */
export function lockOutcome({ log, metrics, db: pool }: ActivityDeps, leadId: string, lock: Pick<routing.LockRow, 'outcome' | 'status' | 'attempts'>): AcquireLockOutput {
  switch (lock.outcome) {
    case 'acquired':
    case 'reentered':
    case 'taken_over_stale':
    case 'not_routable':
      return { outcome: lock.outcome, status: lock.status, attempts: lock.attempts ?? 0 };
    case 'held_by_other':
      // Once per contended lead: the activity retries with backoff until the holder's lock frees or goes stale.
      if (Context.current().info.attempt === 1) metrics.increment('routing.lock.failed');
      if (Context.current().info.attempt === 1) void recordLockEvent(pool, log, 'held', leadId);
      log.info({ event: 'routing.lock.failed', leadId }, 'routing lock held by another owner');
      throw ApplicationFailure.retryable(`routing lock of lead ${leadId} is held by another owner`, 'LockHeld');
    case 'not_found':
      throw ApplicationFailure.nonRetryable(`lead ${leadId} does not exist`, NonRetryable.LeadNotFound);
    case 'lock_lost':
      throw ApplicationFailure.nonRetryable(`lead ${leadId} is no longer locked by this run`, NonRetryable.LockLost);
  }
}

/** The acquisition's metric and log, once the lock is committed. */
export function recordLockTaken({ log, metrics }: Pick<ActivityDeps, 'log' | 'metrics'>, leadId: string, lock: AcquireLockOutput): void {
  // Per lead, not per call: a re-entry is the owner taking its own lock again (a retry, the next buyer).
  if (lock.outcome === 'acquired' || lock.outcome === 'taken_over_stale') metrics.increment('routing.lock.acquired', { outcome: lock.outcome });
  if (lock.outcome === 'taken_over_stale') log.warn({ event: 'routing.lock.taken_over', leadId }, 'took over a stale routing lock');
}
