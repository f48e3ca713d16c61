/**
 * Time windows of the SLO maths, and the multi-window multi-burn-rate alert table (DESIGN §9).
 *
 * All durations are whole SECONDS (numbers), so a window can be used directly in SQL
 * (`now() - make_interval(secs => …)`) and compared without unit mix-ups. Pure data, no I/O.
 *
 * Sources:
 *  - Google SRE workbook, ch. 5 "Alerting on SLOs", table 5-8 (recommended parameters for a 99.9 % SLO
 *    over 30 days): page 1 h / 5 m / 14.4× / 2 % budget, page 6 h / 30 m / 6× / 5 %, ticket 3 d / 6 h / 1× / 10 %.
 *    https://sre.google/workbook/alerting-on-slos/
 *  - slok/sloth `internal/alert/windows/google-30d.yaml`, which writes the same table as "error budget
 *    percent consumed" per (long, short) pair and derives the factor from it — done the same way below, so the
 *    factors 14.4, 6 and 1 are computed, not typed in, and a test pins them.
 */

/** Seconds in a minute, hour, day. */
export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The SLO (compliance) window of availability: 30 days = 2,592,000 s = 720 h (DESIGN §9). */
export const SLO_WINDOW_30D = 30 * DAY;

/** A named look-back window. `name` is the short form used in metric tags, API output and Datadog queries. */
export interface Window {
  name: WindowName;
  seconds: number;
}

export type WindowName = '5m' | '30m' | '1h' | '2h' | '6h' | '24h' | '3d';

/**
 * The burn-rate windows the SLO workflow computes (issue 9 §1): every long and short window of the alert
 * tiers below (5m, 30m, 1h, 6h, 3d), plus 2h and 24h — the windows of sloth's google-30d "ticket quick"
 * tier (3× over 24 h / 2 h), shown on the dashboard and in `GET /api/admin/slo` but not alerted on, since
 * DESIGN §9 keeps the workbook's three tiers only.
 */
export const BURN_RATE_WINDOWS: readonly Window[] = [
  { name: '5m', seconds: 5 * MINUTE },
  { name: '30m', seconds: 30 * MINUTE },
  { name: '1h', seconds: HOUR },
  { name: '2h', seconds: 2 * HOUR },
  { name: '6h', seconds: 6 * HOUR },
  { name: '24h', seconds: 24 * HOUR },
  { name: '3d', seconds: 3 * DAY },
];

/** Seconds of a named window. */
export function windowSeconds(name: WindowName): number {
  const w = BURN_RATE_WINDOWS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown window ${String(name)}`);
  return w.seconds;
}

/** `page` goes to PagerDuty (wake someone up), `ticket` to Slack / a ticket (look at it in work hours). */
export type AlertSeverity = 'page' | 'ticket';

/** One row of the alert table: fire when the burn rate over BOTH windows is above `factor`. */
export interface AlertTier {
  /** Stable id, used in alert names and PagerDuty dedup keys. */
  id: 'page_fast' | 'page_slow' | 'ticket_slow';
  severity: AlertSeverity;
  long: WindowName;
  short: WindowName;
  /** Percent of the 30-day error budget the tier lets burn over its long window before it fires (table 5-8). */
  budgetPercent: number;
  /** Burn-rate threshold = budgetPercent/100 × SLO window / long window (derived below, see `tierFactor`). */
  factor: number;
}

/**
 * The burn-rate factor that spends `budgetPercent` % of the budget of an `sloWindowSeconds` SLO within
 * `longWindowSeconds`: burning at rate r for time t spends r × t / T of the budget (T = SLO window), so
 * r = (budgetPercent / 100) × T / t. Computed as one division of two integers-valued products so the result
 * is the double nearest the exact quotient (1440/100 → 14.4, not 0.02 × 720 = 14.400000000000002).
 *
 *   page fast:   2 % × 720 h / 1 h  = 1440 / 100 = 14.4
 *   page slow:   5 % × 720 h / 6 h  = 3600 / 600 = 6
 *   ticket slow: 10 % × 720 h / 72 h = 7200 / 7200 = 1
 */
export function tierFactor(budgetPercent: number, longWindowSeconds: number, sloWindowSeconds = SLO_WINDOW_30D): number {
  return (budgetPercent * sloWindowSeconds) / (100 * longWindowSeconds);
}

function tier(id: AlertTier['id'], severity: AlertSeverity, long: WindowName, short: WindowName, budgetPercent: number): AlertTier {
  return { id, severity, long, short, budgetPercent, factor: tierFactor(budgetPercent, windowSeconds(long)) };
}

/**
 * SRE workbook table 5-8 for a 30-day SLO (DESIGN §9). The short window is 1/12 of the long one, the
 * workbook's guideline ("make the short window 1/12 the duration of the long window"): it makes the alert
 * reset within minutes once the burning stops, instead of staying up for the whole long window.
 * This is the EXACT table; the project's own evaluator uses it as is. Datadog cannot express the 3 d tier
 * (see datadogBurnRate.ts).
 */
export const ALERT_TIERS: readonly AlertTier[] = [
  tier('page_fast', 'page', '1h', '5m', 2),
  tier('page_slow', 'page', '6h', '30m', 5),
  tier('ticket_slow', 'ticket', '3d', '6h', 10),
];
