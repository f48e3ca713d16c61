// The shapes of an alert definition (threshold, burn rate, digest) and the signals the local evaluator measures.
import type { AlertTier } from '../../lib/slo/windows';
import type { RunbookName } from '../runbooks';

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
