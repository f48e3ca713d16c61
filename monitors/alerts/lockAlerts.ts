// Database routing lock alerts: lock timeouts, stale locks, lock acquisition rate.
import { RUNBOOKS } from '../runbooks';
import type { ThresholdAlert } from './alertTypes';
import { MIN } from './windowUnits';

export const LOCK_TIMEOUT_SPIKE: ThresholdAlert = {
  kind: 'threshold',
  id: 'lock_timeout_spike',
  title: 'Database lock timeouts above 10 in 5 minutes',
  severity: 'critical',
  runbook: RUNBOOKS.dbLockTimeouts,
  signal: 'lock_timeouts',
  windowSeconds: 5 * MIN,
  comparator: '>',
  threshold: 10,
  unit: 'errors',
  datadog: { type: 'query alert', query: 'sum(last_5m):sum:routing.lock.timeout_errors{*}.as_count() > 10' },
  description: [
    'Impact: routing operations failing on lock acquisition; possible deadlock or saturated pool. Expected: 0.',
    'Check connection pool utilisation (routing.db.pool.utilization) and long-running queries in pg_stat_activity.',
  ],
};

export const STALE_LOCKS: ThresholdAlert = {
  kind: 'threshold',
  id: 'stale_locks',
  title: 'Stale routing locks above 10',
  severity: 'warning',
  runbook: RUNBOOKS.staleLocks,
  signal: 'stale_locks_avg',
  windowSeconds: 5 * MIN,
  comparator: '>',
  threshold: 10,
  unit: 'locks',
  datadog: { type: 'query alert', query: 'avg(last_5m):max:routing.stale_locks{*} > 10' },
  description: [
    'Stale locks mean workers crashed mid-routing, activities timed out, or database connections dropped. Expected: 0.',
    'The staleLockSweeper schedule releases them every minute; investigate if the count stays high.',
  ],
};

/** Key metric 3. The spec gives no window: 15 minutes. */
export const LOCK_SUCCESS_RATE_LOW: ThresholdAlert = {
  kind: 'threshold',
  id: 'lock_success_rate_low',
  title: 'Routing lock acquisition rate below 90%',
  severity: 'warning',
  runbook: RUNBOOKS.dbLockTimeouts,
  signal: 'lock_success_rate_percent',
  windowSeconds: 15 * MIN,
  comparator: '<',
  threshold: 90,
  unit: 'percent',
  datadog: {
    type: 'query alert',
    // default_zero: when every lead found its lock held there is no routing.lock.acquired point at all, and
    // without it the sum would be empty and the worst case would never alert. `failed` missing = no contention.
    query: 'sum(last_15m):100 - sum:routing.lock.failed{*}.as_count() / (default_zero(sum:routing.lock.acquired{*}.as_count()) + sum:routing.lock.failed{*}.as_count()) * 100 < 90',
  },
  description: [
    'More than 10% of leads found their routing lock held by another worker: high concurrency on the same leads, or deadlocks.',
    'Check for the same lead being driven twice (re-drives, duplicate submissions) and for long-held locks.',
  ],
};
