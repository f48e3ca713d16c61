/**
 * THE alert definitions (issue 9 §2, DESIGN §9): one entry per alert, pure data. Two consumers read them:
 *  - the Datadog monitor generator in monitors/ (helper code outside this file) turns each into monitor JSON;
 *  - the project's own evaluator (lib/alerting/) computes each threshold alert's `signal` from Postgres over
 *    `windowSeconds`, compares it with `threshold`, and notifies Slack / PagerDuty,
 * so alerting works with or without Datadog, on the same numbers.
 *
 * No I/O and no side-effect imports: the worker, the API and the monitor scripts all import this file.
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
import { RUNBOOKS, type RunbookName } from '../runbooks';
import type { AlertTier } from '../../lib/slo/windows';

export type AlertSeverityLevel = 'critical' | 'warning' | 'info';

/**
 * What the local evaluator measures (lib/alerting/signals.ts computes each from Postgres over the alert's
 * window; the comment says which table and how, so it means the same as the Datadog query).
 */
export type AlertSignalId =
  /** failed / all final decisions × 100, lead_routing_logs; null without decisions. */
  | 'failure_rate_percent'
  /** (success + duplicate) / all final decisions × 100, lead_routing_logs; null without decisions. */
  | 'success_rate_percent'
  /** duplicate / all final decisions × 100, lead_routing_logs; null without decisions. */
  | 'duplicate_rate_percent'
  /** Average of the per-minute total retry-queue depth samples (slo_snapshots) in the window. */
  | 'retry_queue_depth_avg'
  /** Per workspace: average of its depth samples (slo_snapshots report) in the window where it had due rows. */
  | 'retry_queue_depth_by_workspace_avg'
  /** Rows written to lead_routing_queue in the window (routing.retry_queue.inserts). */
  | 'retry_queue_inserts'
  /** Average of the per-minute stale-lock samples (slo_snapshots) in the window. */
  | 'stale_locks_avg'
  /** Lock timeouts (routing_lock_events kind 'timeout') in the window. */
  | 'lock_timeouts'
  /**
   * decisions / (decisions + lock-held events) × 100 in the window: an approximation of acquired /
   * (acquired + failed) — every lead that took its lock reaches one final decision; null without either.
   */
  | 'lock_success_rate_percent'
  /** p95 of routed_at − created_at (ms) of leads routed in the window; null without routed leads. */
  | 'latency_p95_ms'
  /** Leads that became expired in the window (leads.updated_at, routing_status 'expired'). */
  | 'expired_leads';

interface AlertBase {
  /** snake_case, stable: PagerDuty dedup_key (with the group), Datadog monitor name, alert_states key. */
  id: string;
  title: string;
  severity: AlertSeverityLevel;
  runbook: RunbookName;
  /** Message body lines: impact and what to check. No @mentions (routing is by severity), no template vars. */
  description: readonly string[];
}

/** Fires while `signal comparator threshold` holds over the last `windowSeconds`. */
export interface ThresholdAlert extends AlertBase {
  kind: 'threshold';
  signal: AlertSignalId;
  windowSeconds: number;
  comparator: '>' | '<';
  threshold: number;
  /** Unit of the signal and threshold, for messages: 'percent', 'rows', 'errors', 'locks', 'ms', 'leads'. */
  unit: string;
  /** One alert instance per workspace (the group is part of the alert key). */
  groupBy?: 'workspace_id';
  /** The Datadog monitor: the full query, ending in `<comparator> <threshold>` (same number as `threshold`). */
  datadog: { type: 'query alert'; query: string };
}

/**
 * A multi-window multi-burn-rate alert on an SLO (lib/slo/windows.ts ALERT_TIERS). The local evaluator uses
 * the exact tier (report.availability.tiers); Datadog gets lib/slo/datadogBurnRate.ts's nearest form.
 */
export interface BurnRateAlert extends AlertBase {
  kind: 'burn_rate';
  slo: 'availability';
  tier: AlertTier['id'];
}

/** A scheduled report, not a condition: sent once per day by the expirationDigest schedule. No Datadog monitor. */
export interface DigestAlert extends AlertBase {
  kind: 'digest';
  /** Local time (MAINTENANCE_TIMEZONE) the schedule sends it, HH:MM. */
  at: string;
  windowSeconds: number;
}

export type AlertDefinition = ThresholdAlert | BurnRateAlert | DigestAlert;

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------------------
// The spec's seven configured alerts (Alert Configurations): 3 CRITICAL, 3 WARNING, 1 INFO.
// ---------------------------------------------------------------------------------------------------------

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

export const RETRY_QUEUE_BACKLOG_CRITICAL: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_queue_backlog_critical',
  title: 'Retry queue backlog above 500 items',
  severity: 'critical',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_depth_avg',
  windowSeconds: 10 * MIN,
  comparator: '>',
  threshold: 500,
  unit: 'rows',
  datadog: { type: 'query alert', query: 'avg(last_10m):max:routing.retry_queue.depth{!workspace_id:*} > 500' },
  description: [
    'Impact: leads stuck in the retry loop; routing delayed. Expected: < 100.',
    'Check the retryQueueProcessor schedule runs, trigger it by hand if needed, and look for a recurring error in the failed attempts.',
  ],
};

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

export const RETRY_INSERTS_ELEVATED: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_inserts_elevated',
  title: 'Retry queue insertions above 50 in 30 minutes',
  severity: 'warning',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_inserts',
  windowSeconds: 30 * MIN,
  comparator: '>',
  threshold: 50,
  unit: 'rows',
  datadog: { type: 'query alert', query: 'sum(last_30m):sum:routing.retry_queue.inserts{*}.as_count() > 50' },
  description: [
    'Routing is succeeding but needing several attempts. Expected: < 20 per 30 minutes.',
    'Check partner API latency and errors (routing.delivery.*), network connectivity, and rule-matching edge cases.',
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

/** INFO: the daily expiration digest, sent at 09:00 by the expirationDigest schedule through Slack. */
export const LEAD_EXPIRATION_DIGEST: DigestAlert = {
  kind: 'digest',
  id: 'lead_expiration_digest',
  title: 'Daily lead expiration report',
  severity: 'info',
  runbook: RUNBOOKS.leadExpirations,
  at: '09:00',
  windowSeconds: DAY,
  description: ['Leads expired in the last 24 h (90-day TTL enforced), per source workspace. Review if unusually high (> 100).'],
};

// ---------------------------------------------------------------------------------------------------------
// Key metrics' "Alert Threshold" lines not already covered above (all WARNING, Slack).
// ---------------------------------------------------------------------------------------------------------

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

/** Key metric 2, total. The spec gives no window: 5 minutes of per-minute samples. */
export const RETRY_QUEUE_DEPTH_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_queue_depth_high',
  title: 'Retry queue depth above 100 items',
  severity: 'warning',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_depth_avg',
  windowSeconds: 5 * MIN,
  comparator: '>',
  threshold: 100,
  unit: 'rows',
  datadog: { type: 'query alert', query: 'avg(last_5m):max:routing.retry_queue.depth{!workspace_id:*} > 100' },
  description: [
    'The retry queue SLO (depth < 100) is breached; the critical page is at 500.',
    'Check which workspaces hold the due rows and whether the retryQueueProcessor schedule keeps up.',
  ],
};

/** Key metric 2, per workspace: one alert instance per source workspace. */
export const RETRY_QUEUE_WORKSPACE_DEPTH_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_queue_workspace_depth_high',
  title: 'Retry queue depth above 50 items for one workspace',
  severity: 'warning',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_depth_by_workspace_avg',
  windowSeconds: 5 * MIN,
  comparator: '>',
  threshold: 50,
  unit: 'rows',
  groupBy: 'workspace_id',
  datadog: { type: 'query alert', query: 'avg(last_5m):max:routing.retry_queue.depth{workspace_id:*} by {workspace_id} > 50' },
  description: [
    'One source workspace has more than 50 due retries: its buyers or rules are likely failing.',
    'Check that workspace\'s failed attempts and its buyers\' delivery errors.',
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

/** Key metric 7. */
export const LEAD_EXPIRATIONS_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'lead_expirations_high',
  title: 'More than 100 leads expired in 24 hours',
  severity: 'warning',
  runbook: RUNBOOKS.leadExpirations,
  signal: 'expired_leads',
  windowSeconds: DAY,
  comparator: '>',
  threshold: 100,
  unit: 'leads',
  datadog: { type: 'query alert', query: 'sum(last_1d):sum:routing.leads_expired{*}.as_count() > 100' },
  description: [
    'Leads reached their TTL without being routed: investigate why they were not routed (no matching rule, caps, buyers down).',
  ],
};

// ---------------------------------------------------------------------------------------------------------
// Multi-window multi-burn-rate alerts on the availability SLO (SRE workbook table, lib/slo ALERT_TIERS).
// ---------------------------------------------------------------------------------------------------------

export const AVAILABILITY_BURN_PAGE_FAST: BurnRateAlert = {
  kind: 'burn_rate',
  id: 'availability_burn_page_fast',
  title: 'Availability SLO burning error budget 14.4x (1 h and 5 m)',
  severity: 'critical',
  runbook: RUNBOOKS.routingFailures,
  slo: 'availability',
  tier: 'page_fast',
  description: ['2% of the 30-day error budget spent within an hour, and still burning: the budget runs out in about 2 days at this rate.'],
};

export const AVAILABILITY_BURN_PAGE_SLOW: BurnRateAlert = {
  kind: 'burn_rate',
  id: 'availability_burn_page_slow',
  title: 'Availability SLO burning error budget 6x (6 h and 30 m)',
  severity: 'critical',
  runbook: RUNBOOKS.routingFailures,
  slo: 'availability',
  tier: 'page_slow',
  description: ['5% of the 30-day error budget spent within 6 hours, and still burning: the budget runs out in 5 days at this rate.'],
};

export const AVAILABILITY_BURN_TICKET_SLOW: BurnRateAlert = {
  kind: 'burn_rate',
  id: 'availability_burn_ticket_slow',
  title: 'Availability SLO burning error budget 1x (3 d and 6 h)',
  severity: 'warning',
  runbook: RUNBOOKS.routingFailures,
  slo: 'availability',
  tier: 'ticket_slow',
  description: [
    '10% of the 30-day error budget spent within 3 days: on course to miss the SLO. Datadog evaluates the nearest form it allows (1.5x over 48 h and 4 h, lib/slo/datadogBurnRate.ts).',
  ],
};

/** Every alert, in the order messages and the API list them. Ids are unique (a test checks). */
export const ALERTS: readonly AlertDefinition[] = [
  ROUTING_FAILURE_SPIKE,
  RETRY_QUEUE_BACKLOG_CRITICAL,
  LOCK_TIMEOUT_SPIKE,
  RETRY_INSERTS_ELEVATED,
  STALE_LOCKS,
  DUPLICATE_RATE_HIGH,
  LEAD_EXPIRATION_DIGEST,
  ROUTING_SUCCESS_RATE_LOW,
  RETRY_QUEUE_DEPTH_HIGH,
  RETRY_QUEUE_WORKSPACE_DEPTH_HIGH,
  LOCK_SUCCESS_RATE_LOW,
  ROUTING_LATENCY_P95_HIGH,
  LEAD_EXPIRATIONS_HIGH,
  AVAILABILITY_BURN_PAGE_FAST,
  AVAILABILITY_BURN_PAGE_SLOW,
  AVAILABILITY_BURN_TICKET_SLOW,
];

export const THRESHOLD_ALERTS: readonly ThresholdAlert[] = ALERTS.filter((a): a is ThresholdAlert => a.kind === 'threshold');
export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = ALERTS.filter((a): a is BurnRateAlert => a.kind === 'burn_rate');
