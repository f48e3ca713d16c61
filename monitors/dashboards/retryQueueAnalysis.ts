/** "Retry Queue Analysis" (backlog trends): depth total and per workspace, why rows are queued, expirations. */
import { RETRY_QUEUE_DEPTH } from '../../lib/slo';
import { alertMarker, DASHBOARD_ALERTS as A, firing } from './thresholds';
import { dashboard, sloWidget, timeseries, toplist, type DashboardJson } from './widgets';

export const retryQueueAnalysis: DashboardJson = dashboard(
  'Retry Queue Analysis',
  'Backlog trends of lead_routing_queue: depth, inserts by reason, expirations, worker capacity. managed-by:lead-router (monitors/dashboards).',
  [
    sloWidget('Retry Queue SLO (depth below limit)', RETRY_QUEUE_DEPTH.name),
    timeseries('Retry queue depth (total, due rows)', ['max:routing.retry_queue.depth{!workspace_id:*}'], {
      markers: [{ value: `y = ${RETRY_QUEUE_DEPTH.below}`, display_type: 'error dashed', label: 'SLO limit' }],
    }),
    toplist('Retry queue depth by workspace', ['max:routing.retry_queue.depth{workspace_id:*} by {workspace_id}'], {
      aggregator: 'last',
      conditional_formats: [firing(A.retryQueuePerWorkspace)],
    }),
    timeseries('Retry ledger inserts by reason', ['sum:routing.retry_queue.inserts{*} by {reason}.as_count()'], { display: 'bars' }),
    timeseries('Retry ledger inserts: counted as attempt or wait', ['sum:routing.retry_queue.inserts{*} by {counts_as_attempt}.as_count()'], { display: 'bars' }),
    timeseries('Retryable delivery errors by status class', ['sum:routing.delivery.errors{!status_class:4xx} by {status_class}.as_count()'], { display: 'bars' }),
    timeseries('Expired leads per day', ['sum:routing.leads_expired{*}.as_count().rollup(sum, 86400)'], {
      display: 'bars',
      markers: [alertMarker(A.expiredPerDay, 'alert: investigate')],
    }),
    timeseries('Activity schedule-to-start p95 (workers short of slots?)', ['p95:temporal_sdk.temporal_activity_schedule_to_start_latency{*}']),
  ],
);
