// Routing outcome alerts: failure spike, success rate, duplicate rate, created -> routed latency.
import { RUNBOOKS } from '../runbooks';
import type { ThresholdAlert } from './alertTypes';
import { HOUR, MIN } from './windowUnits';

export const ROUTING_FAILURE_SPIKE: ThresholdAlert = {
  kind: 'threshold',
  id: 'routing_failure_spike',
  title: 'Lead routing failure rate above 10%',
  severity: 'critical',
  runbook: RUNBOOKS.routingFailures,
  signal: 'failure_rate_percent',
  windowSeconds: 15 * MIN,
  comparator: '>',
  threshold: 10,
  unit: 'percent',
  datadog: { type: 'query alert', query: 'sum(last_15m):sum:routing.logs.failed{*}.as_count() / sum:routing.logs.total{*}.as_count() * 100 > 10' },
  description: [
    'Impact: leads are not being routed to partners; revenue at risk. Expected: < 5% failed.',
    'Check recent failed decisions (lead_routing_logs routing_result = failed) and their errors, buyer delivery errors (routing.delivery.errors) and the database.',
  ],
};

export const DUPLICATE_RATE_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'duplicate_rate_high',
  title: 'Cross-partner duplicate rate above 20%',
  severity: 'warning',
  runbook: RUNBOOKS.duplicateRate,
  signal: 'duplicate_rate_percent',
  windowSeconds: HOUR,
  comparator: '>',
  threshold: 20,
  unit: 'percent',
  datadog: { type: 'query alert', query: 'sum(last_1h):sum:routing.duplicates_caught{*}.as_count() / sum:routing.leads_routed{*}.as_count() * 100 > 20' },
  description: [
    'Expected: < 10%. Possible causes: data quality issues from a source, partner overlap in targeting, a dedupe hash collision (very rare).',
    'Review the last hour\'s duplicate decisions per source workspace.',
  ],
};

/** Key metric 1. 15 minutes as the spec says; good = success + duplicate (DESIGN §9). */
export const ROUTING_SUCCESS_RATE_LOW: ThresholdAlert = {
  kind: 'threshold',
  id: 'routing_success_rate_low',
  title: 'Lead routing success rate below 95%',
  severity: 'warning',
  runbook: RUNBOOKS.routingFailures,
  signal: 'success_rate_percent',
  windowSeconds: 15 * MIN,
  comparator: '<',
  threshold: 95,
  unit: 'percent',
  datadog: {
    type: 'query alert',
    // 100 − failed share, not (success + duplicate) / all: a count series with no point in the window (no
    // duplicate, or no success at all) makes Datadog's arithmetic empty and the monitor would never fire on
    // the very windows it is for. `failed` missing means no failure: no value, no alert, as it should be.
    query: 'sum(last_15m):100 - sum:routing.leads_routed{result:failed}.as_count() / sum:routing.leads_routed{*}.as_count() * 100 < 95',
  },
  description: [
    'Fewer than 95% of final decisions were success or duplicate over 15 minutes (the critical page is at 10% failed).',
    'Check recent failed decisions and buyer delivery errors before it becomes a spike.',
  ],
};

/** Key metric 6. Over 1 h, like the latency SLO (whose own limit, 2 s, is the SLO's, not an alert). */
export const ROUTING_LATENCY_P95_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'routing_latency_p95_high',
  title: 'Routing latency p95 above 5 s',
  severity: 'warning',
  runbook: RUNBOOKS.routingLatency,
  signal: 'latency_p95_ms',
  windowSeconds: HOUR,
  comparator: '>',
  threshold: 5000,
  unit: 'ms',
  datadog: { type: 'query alert', query: 'percentile(last_1h):p95:routing.latency{*} > 5000' },
  description: [
    'The 95th percentile of lead created -> routed over the last hour is above 5 s (the SLO is 2 s).',
    'Check lock, rules and delivery latencies (routing.lock.latency, routing.rules.latency, routing.delivery.latency) and worker slots.',
  ],
};
