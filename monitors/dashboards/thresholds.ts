/**
 * Display thresholds for conditional formats and markers that are not SLOs (the monitoring spec's "Alert
 * Threshold" lines). The SLO limits come from lib/slo. When the alert definitions of issue 9 §2 land in
 * monitors/, these should be read from them instead, so a widget turns red exactly when its alert fires.
 */
export const SPEC_THRESHOLDS = {
  /** Stale locks (spec: WARNING > 10). */
  staleLocks: 10,
  /** Retry queue depth of a single workspace (spec key metric 2: > 50 for a single workspace). */
  retryQueuePerWorkspace: 50,
  /** Lock acquisition success rate, % (spec key metric 3: < 90 %). */
  lockSuccessRatePercent: 90,
  /** Expired leads per 24 h (spec key metric 7 and the INFO digest: > 100). */
  expiredPerDay: 100,
} as const;
