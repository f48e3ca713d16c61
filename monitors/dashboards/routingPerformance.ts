/** "Routing Performance" (latency): end to end and per step, deliveries to buyers, the latency SLO. */
import { LATENCY_P95 } from '../../lib/slo';
import { alertMarker, DASHBOARD_ALERTS as A } from './thresholds';
import { dashboard, queryValue, sloWidget, timeseries, toplist, type DashboardJson } from './widgets';

export const routingPerformance: DashboardJson = dashboard(
  'Routing Performance',
  'Latency of lead routing end to end and per step (lock, rules, completion, delivery). managed-by:lead-router (monitors/dashboards).',
  [
    sloWidget('Latency SLO (p95 created -> routed)', LATENCY_P95.name),
    queryValue('p95 created -> routed, ms', ['p95:routing.latency{*}'], {
      aggregator: 'percentile',
      conditional_formats: [
        { comparator: '>=', value: LATENCY_P95.below, palette: 'white_on_red' },
        { comparator: '<', value: LATENCY_P95.below, palette: 'white_on_green' },
      ],
    }),
    timeseries('Routing Latency (p50, p95, p99), ms', ['p50:routing.latency{*}', 'p95:routing.latency{*}', 'p99:routing.latency{*}'], {
      formulas: [{ formula: 'q1', alias: 'p50' }, { formula: 'q2', alias: 'p95' }, { formula: 'q3', alias: 'p99' }],
      markers: [{ value: `y = ${LATENCY_P95.below}`, display_type: 'error dashed', label: 'SLO: p95 limit' }, alertMarker(A.latencyP95, 'alert: p95 over 1 h')],
    }),
    timeseries('p95 per step, ms', ['p95:routing.lock.latency{*}', 'p95:routing.rules.latency{*}', 'p95:routing.complete.latency{*}'], {
      formulas: [{ formula: 'q1', alias: 'lock' }, { formula: 'q2', alias: 'rules' }, { formula: 'q3', alias: 'complete' }],
    }),
    timeseries('p95 rule evaluation by decision, ms', ['p95:routing.rules.latency{*} by {decision}']),
    toplist('p95 delivery latency by buyer, ms', ['p95:routing.delivery.latency{*} by {destination_workspace_id}'], { aggregator: 'percentile' }),
    timeseries('Delivery errors by status class', ['sum:routing.delivery.errors{*} by {status_class}.as_count()'], { display: 'bars' }),
    toplist('Slowest workspaces (p95 created -> routed, ms)', ['p95:routing.latency{*} by {workspace_id}'], { aggregator: 'percentile' }),
  ],
);
