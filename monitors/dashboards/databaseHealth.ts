/**
 * "Database Health" (connections, locks): the Agent's Postgres integration (postgresql.*) next to the
 * project's own gauges and lock metrics, and the runbook's "workers short or Postgres slow?" comparison.
 */
import { alertFormats, DASHBOARD_ALERTS as A } from './thresholds';
import { dashboard, queryValue, timeseries, type DashboardJson } from './widgets';

export const databaseHealth: DashboardJson = dashboard(
  'Database Health',
  'Postgres connections and locks, the service pools, routing lock contention and timeouts. managed-by:lead-router (monitors/dashboards).',
  [
    timeseries('Service pool utilization by process (%)', ['max:routing.db.pool.utilization{*} by {process}'], {
      yaxis: { min: '0', max: '100' },
    }),
    timeseries('Postgres connections by database', ['sum:postgresql.connections{*} by {db}']),
    queryValue('Postgres connections used (% of max_connections)', ['max:postgresql.percent_usage_connections{*}'], {
      formula: 'q1 * 100', precision: 1, custom_unit: '%', aggregator: 'last',
    }),
    timeseries('Postgres locks by mode', ['sum:postgresql.locks{*} by {lock_mode}'], { display: 'area' }),
    timeseries('Postgres deadlocks', ['sum:postgresql.deadlocks{*}'], { display: 'bars' }),
    timeseries('Routing lock timeouts by code (55P03, 57014, pool)', ['sum:routing.lock.timeout_errors{*} by {code}.as_count()'], { display: 'bars' }),
    timeseries('Routing locks: acquired vs held by another owner',
      ['sum:routing.lock.acquired{*} by {outcome}.as_count()', 'sum:routing.lock.failed{*}.as_count()'], { display: 'bars' }),
    queryValue('Stale routing locks', ['max:routing.stale_locks{*}'], {
      aggregator: 'last',
      conditional_formats: alertFormats(A.staleLocks),
    }),
    timeseries('Workers short or Postgres slow? (p95, ms vs s)',
      ['p95:routing.lock.latency{*}', 'p95:temporal_sdk.temporal_activity_schedule_to_start_latency{*}'], {
        formulas: [{ formula: 'q1', alias: 'lock latency (ms)' }, { formula: 'q2', alias: 'activity schedule-to-start' }],
      }),
  ],
);
