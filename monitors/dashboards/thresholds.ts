/**
 * Where dashboard colours and markers come from: the alert definitions (monitors/alerts/definitions.ts), so
 * a widget turns red exactly when its alert fires (same comparator, same number), and lib/slo for SLO limits.
 * monitors:validate checks that every red or yellow conditional format is one of these (alertColourRules).
 */
import {
  LEAD_EXPIRATIONS_HIGH, LOCK_SUCCESS_RATE_LOW, RETRY_QUEUE_BACKLOG_CRITICAL, RETRY_QUEUE_DEPTH_HIGH,
  RETRY_QUEUE_WORKSPACE_DEPTH_HIGH, ROUTING_LATENCY_P95_HIGH, STALE_LOCKS, THRESHOLD_ALERTS, type ThresholdAlert,
} from '../alerts/definitions';
import { SLOS } from '../../lib/slo';
import type { ConditionalFormat } from './widgets';

/** The alerts the dashboards colour or mark, by what they watch. */
export const DASHBOARD_ALERTS = {
  staleLocks: STALE_LOCKS,
  retryQueueTotal: RETRY_QUEUE_DEPTH_HIGH,
  retryQueueCritical: RETRY_QUEUE_BACKLOG_CRITICAL,
  retryQueuePerWorkspace: RETRY_QUEUE_WORKSPACE_DEPTH_HIGH,
  lockSuccessRate: LOCK_SUCCESS_RATE_LOW,
  expiredPerDay: LEAD_EXPIRATIONS_HIGH,
  latencyP95: ROUTING_LATENCY_P95_HIGH,
} as const;

const COMPLEMENT = { '>': '<=', '<': '>=' } as const;

/** The format that colours a value while `alert` fires (its comparator and threshold). */
export function firing(alert: ThresholdAlert, palette: 'white_on_red' | 'white_on_yellow' = 'white_on_red'): ConditionalFormat {
  return { comparator: alert.comparator, value: alert.threshold, palette };
}

/** Red while `alert` fires, green otherwise. */
export function alertFormats(alert: ThresholdAlert): ConditionalFormat[] {
  return [firing(alert), { comparator: COMPLEMENT[alert.comparator], value: alert.threshold, palette: 'white_on_green' }];
}

/** A horizontal marker at an alert's threshold: `y = 5000`, labelled with what fires there. */
export function alertMarker(alert: ThresholdAlert, label: string): { value: string; display_type: string; label: string } {
  return { value: `y = ${alert.threshold}`, display_type: alert.severity === 'critical' ? 'error dashed' : 'warning dashed', label };
}

/**
 * Every (comparator, value) a red or yellow conditional format may use: an alert firing (its comparator and
 * threshold), or an SLO breached (a threshold SLO's value reaching its limit: `>= below`).
 */
export function alertColourRules(): { comparator: string; value: number; source: string }[] {
  return [
    ...THRESHOLD_ALERTS.map((a) => ({ comparator: a.comparator, value: a.threshold, source: `alert ${a.id}` })),
    ...SLOS.flatMap((s) => (s.kind === 'threshold' ? [{ comparator: '>=', value: s.below, source: `SLO ${s.name}` }] : [])),
  ];
}
