/** "Lead Routing Health" (overview): the monitoring spec's six widgets, plus outcomes by result and the SLOs. */
import { AVAILABILITY, LATENCY_P95 } from '../../lib/slo';
import { alertFormats, DASHBOARD_ALERTS as A, firing } from './thresholds';
import { dashboard, queryValue, sloWidget, timeseries, toplist, type DashboardJson } from './widgets';

export const leadRoutingHealth: DashboardJson = dashboard(
  'Lead Routing Health',
  'Overview of lead routing: availability, retry queue, locks, latency, duplicates. managed-by:lead-router (monitors/dashboards).',
  [
    sloWidget('Availability SLO (success + duplicate / all decisions)', AVAILABILITY.name),
    timeseries('Routing Success Rate (30-day availability, %)', ['avg:routing.success_rate{*}'], {
      yaxis: { min: '90', max: '100', label: 'Success Rate %' },
      markers: [{ value: `y = ${AVAILABILITY.objective * 100}`, display_type: 'error dashed', label: 'SLO objective' }],
    }),
    timeseries('Leads by final decision', ['sum:routing.leads_routed{*} by {result}.as_count()'], { display: 'bars' }),
    queryValue('Retry Queue Depth', ['max:routing.retry_queue.depth{!workspace_id:*}'], {
      aggregator: 'last',
      // Red while the critical backlog alert fires, yellow while the warning one does.
      conditional_formats: [firing(A.retryQueueCritical), firing(A.retryQueueTotal, 'white_on_yellow'), alertFormats(A.retryQueueTotal)[1]!],
    }),
    queryValue('Lock Acquisition Rate (%)', ['sum:routing.lock.acquired{*}.as_count()', 'sum:routing.lock.failed{*}.as_count()'], {
      aggregator: 'sum',
      // default_zero: with no contention routing.lock.failed sends nothing, and q1 / (q1 + q2) would show
      // "no data" on a healthy system (and, with every lock held, on the worst one). As the alert's query.
      formula: '100 - default_zero(q2) / (default_zero(q1) + default_zero(q2)) * 100',
      precision: 2,
      custom_unit: '%',
      conditional_formats: alertFormats(A.lockSuccessRate),
    }),
    timeseries('Routing Latency (p50, p95, p99), created -> routed, ms',
      ['p50:routing.latency{*}', 'p95:routing.latency{*}', 'p99:routing.latency{*}'], {
        formulas: [{ formula: 'q1', alias: 'p50' }, { formula: 'q2', alias: 'p95' }, { formula: 'q3', alias: 'p99' }],
        markers: [{ value: `y = ${LATENCY_P95.below}`, display_type: 'error dashed', label: 'SLO: p95 limit' }],
      }),
    toplist('Duplicate Leads by Workspace', ['sum:routing.duplicates_caught{*} by {workspace_id}.as_count()'], { aggregator: 'sum' }),
    queryValue('Stale Locks (Needs Cleanup)', ['max:routing.stale_locks{*}'], {
      aggregator: 'last',
      conditional_formats: alertFormats(A.staleLocks),
    }),
  ],
);
