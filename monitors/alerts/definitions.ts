/**
 * THE alert definitions (issue 9 §2, DESIGN §9): one entry per alert, pure data. Two consumers read them:
 *  - the Datadog monitor generator in monitors/ (helper code outside this file) turns each into monitor JSON;
 *  - the project's own evaluator (lib/alerting/) computes each threshold alert's `signal` from Postgres over
 *    `windowSeconds`, compares it with `threshold`, and notifies Slack / PagerDuty,
 * so alerting works with or without Datadog, on the same numbers.
 *
 * The definitions live per area (routingAlerts, retryQueueAlerts, lockAlerts, expirationAlerts,
 * availabilityBurnAlerts; their shapes in alertTypes); this file is their index and the one ordered list.
 *
 * No I/O and no side-effect imports: the worker, the API and the monitor scripts all import these files.
 *
 * Severity routing: critical = page (PagerDuty + Slack), warning = Slack, info = Slack digest.
 *
 * Where these differ from the monitoring spec's text (and why):
 *  - Count metrics are summed over the window (`sum(last_Xm):… .as_count()`): the spec's `avg(last_5m)` of
 *    a count averages per-interval counts (a rate), which does not mean "more than 10 in 5 minutes".
 *  - `routing.retry_queue.depth` is sent as a total series (no workspace_id tag) and one series per
 *    workspace; total alerts read `{!workspace_id:*}` so the per-workspace series are not added twice.
 *  - Gauges of the SLO report (depth, stale locks) are one system-wide number computed from the database by
 *    whichever worker ran the activity that minute: `max:` across hosts, never the spec's `sum:`, which adds
 *    the series of two workers taking turns (Datadog interpolates each gauge series between its points).
 *  - Success rate counts success + duplicate as good (DESIGN §9), not the spec's raw success / total.
 *  - Ratios of counts are written so a count series with no point in the window (none of that result sent)
 *    cannot empty the expression: Datadog's arithmetic on a missing series has no value, so a numerator of
 *    sparse series is avoided (100 − bad share) and a sparse denominator term is wrapped in default_zero()
 *    (test/unit/alertDatadogSparse.test.ts evaluates each query that way against the local signal).
 *  - Windows the spec leaves open (key metrics' thresholds) are chosen here and documented per alert.
 */
import type { AlertDefinition, BurnRateAlert, ThresholdAlert } from './alertTypes';
import { AVAILABILITY_BURN_PAGE_FAST, AVAILABILITY_BURN_PAGE_SLOW, AVAILABILITY_BURN_TICKET_SLOW } from './availabilityBurnAlerts';
import { LEAD_EXPIRATION_DIGEST, LEAD_EXPIRATIONS_HIGH } from './expirationAlerts';
import { LOCK_SUCCESS_RATE_LOW, LOCK_TIMEOUT_SPIKE, STALE_LOCKS } from './lockAlerts';
import { RETRY_INSERTS_ELEVATED, RETRY_QUEUE_BACKLOG_CRITICAL, RETRY_QUEUE_DEPTH_HIGH, RETRY_QUEUE_WORKSPACE_DEPTH_HIGH } from './retryQueueAlerts';
import { DUPLICATE_RATE_HIGH, ROUTING_FAILURE_SPIKE, ROUTING_LATENCY_P95_HIGH, ROUTING_SUCCESS_RATE_LOW } from './routingAlerts';

export type { AlertDefinition, AlertSeverityLevel, AlertSignalId, BurnRateAlert, DigestAlert, ThresholdAlert } from './alertTypes';
export {
  AVAILABILITY_BURN_PAGE_FAST,
  AVAILABILITY_BURN_PAGE_SLOW,
  AVAILABILITY_BURN_TICKET_SLOW,
  DUPLICATE_RATE_HIGH,
  LEAD_EXPIRATION_DIGEST,
  LEAD_EXPIRATIONS_HIGH,
  LOCK_SUCCESS_RATE_LOW,
  LOCK_TIMEOUT_SPIKE,
  RETRY_INSERTS_ELEVATED,
  RETRY_QUEUE_BACKLOG_CRITICAL,
  RETRY_QUEUE_DEPTH_HIGH,
  RETRY_QUEUE_WORKSPACE_DEPTH_HIGH,
  ROUTING_FAILURE_SPIKE,
  ROUTING_LATENCY_P95_HIGH,
  ROUTING_SUCCESS_RATE_LOW,
  STALE_LOCKS,
};

/** Every alert, in the order messages and the API list them. Ids are unique (a test checks). */
export const ALERTS: readonly AlertDefinition[] = [
  // The spec's seven configured alerts (Alert Configurations): 3 CRITICAL, 3 WARNING, 1 INFO.
  ROUTING_FAILURE_SPIKE,
  RETRY_QUEUE_BACKLOG_CRITICAL,
  LOCK_TIMEOUT_SPIKE,
  RETRY_INSERTS_ELEVATED,
  STALE_LOCKS,
  DUPLICATE_RATE_HIGH,
  LEAD_EXPIRATION_DIGEST,
  // Key metrics' "Alert Threshold" lines not already covered above (all WARNING, Slack).
  ROUTING_SUCCESS_RATE_LOW,
  RETRY_QUEUE_DEPTH_HIGH,
  RETRY_QUEUE_WORKSPACE_DEPTH_HIGH,
  LOCK_SUCCESS_RATE_LOW,
  ROUTING_LATENCY_P95_HIGH,
  LEAD_EXPIRATIONS_HIGH,
  // Multi-window multi-burn-rate alerts on the availability SLO (SRE workbook table, lib/slo ALERT_TIERS).
  AVAILABILITY_BURN_PAGE_FAST,
  AVAILABILITY_BURN_PAGE_SLOW,
  AVAILABILITY_BURN_TICKET_SLOW,
];

export const THRESHOLD_ALERTS: readonly ThresholdAlert[] = ALERTS.filter((a): a is ThresholdAlert => a.kind === 'threshold');
export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = ALERTS.filter((a): a is BurnRateAlert => a.kind === 'burn_rate');
