/**
 * The alert tiers of windows.ts in the form a Datadog SLO burn-rate monitor can take. Returned as data;
 * the monitor generator in `monitors/` turns it into monitor JSON. The exact table (ALERT_TIERS) stays the
 * one the project's own evaluator uses.
 *
 * Datadog's limits (docs.datadoghq.com/service_management/service_level_objectives/burn_rate/, "Monitor
 * creation"): the long window must be 1 h ≤ long ≤ 48 h; the UI sets the short window to 1/12 of the long
 * one (the API may set another, but it must be shorter than the long one); the threshold must satisfy
 * 0 < burn rate ≤ 1 / (1 − SLO target). The long window is given in hours, the short one in minutes, in a
 * query of the form `burn_rate("<slo id>").over("30d").long_window("1h").short_window("5m") > 14.4`.
 *
 * Mapping rule: a tier whose long window fits is kept as is. A longer one (the 3 d / 6 h ticket) is shortened
 * to 48 h, its short window becomes 48 h / 12 = 4 h (240 min, Datadog's own default ratio and the workbook's
 * 1/12), and its factor is scaled so that it fires on the SAME fraction of the budget spent over the long
 * window. A tier means "fire when `budgetPercent` % of a T-long budget was spent within L": rate × L / T =
 * budgetPercent / 100. Keeping budgetPercent fixed while L changes from L to L' gives
 *
 *   factor' = factor × L / L'     (ticket: 1 × 72 h / 48 h = 1.5; check: 1.5 × 48 h / 720 h = 10 %, as 1 × 72 / 720)
 *
 * What this changes: Datadog now needs a faster burn (> 1.5×) sustained for 2 days instead of > 1× for 3 days.
 * A steady burn between 1× and 1.5× (on course to spend 100–150 % of the budget in 30 days) tickets from the
 * local evaluator but not from Datadog; a burn above 1.5× tickets from Datadog up to a day sooner. Keeping
 * factor 1 over 48 h instead would fire on 6.7 % of the budget — noisier, and no longer the workbook's tier.
 */
import { errorBudget } from './burnRate';
import { ALERT_TIERS, HOUR, MINUTE, SLO_WINDOW_30D, tierFactor, windowSeconds, type AlertTier } from './windows';

/** Datadog's bounds on a burn-rate monitor's long window, in seconds (1 h and 48 h). */
export const DATADOG_MIN_LONG_WINDOW = HOUR;
export const DATADOG_MAX_LONG_WINDOW = 48 * HOUR;

/** One tier in Datadog's terms. */
export interface DatadogBurnRateAlert {
  tierId: AlertTier['id'];
  severity: AlertTier['severity'];
  /** Percent of the 30-day budget spent over the long window when the alert fires (unchanged by the mapping). */
  budgetPercent: number;
  /** Long window in whole hours, as `long_window("<n>h")` takes it. */
  longWindowHours: number;
  /** Short window in whole minutes, as `short_window("<n>m")` takes it. */
  shortWindowMinutes: number;
  /** Burn-rate threshold (strictly above, as burnRate.ts `exceeds`). */
  factor: number;
  /** True when the windows or factor differ from the exact tier (only the 3 d ticket, for a 30-day SLO). */
  approximated: boolean;
  /** The exact tier this stands for. */
  exact: AlertTier;
}

/**
 * Maps a tier to Datadog's nearest form (see the file comment for the rule). Throws when the result cannot
 * be created in Datadog (long window under 1 h, or a factor above 1 / (1 − objective), which could never fire).
 */
export function toDatadogBurnRate(tier: AlertTier, objective: number, sloWindowSeconds = SLO_WINDOW_30D): DatadogBurnRateAlert {
  const exactLong = windowSeconds(tier.long);
  const exactShort = windowSeconds(tier.short);
  if (exactLong < DATADOG_MIN_LONG_WINDOW) throw new RangeError(`tier ${tier.id}: long window ${tier.long} is under Datadog's 1 h minimum`);
  const approximated = exactLong > DATADOG_MAX_LONG_WINDOW;
  const long = approximated ? DATADOG_MAX_LONG_WINDOW : exactLong;
  const short = approximated ? long / 12 : exactShort;
  // Same budget fraction over the new long window: factor' = budgetPercent/100 × T / L' (= factor × L / L').
  const factor = approximated ? tierFactor(tier.budgetPercent, long, sloWindowSeconds) : tier.factor;
  const max = 1 / errorBudget(objective);
  if (factor > max) throw new RangeError(`tier ${tier.id}: factor ${factor} exceeds the maximum burn rate ${max} of objective ${objective}`);
  return {
    tierId: tier.id,
    severity: tier.severity,
    budgetPercent: tier.budgetPercent,
    longWindowHours: long / HOUR,
    shortWindowMinutes: short / MINUTE,
    factor,
    approximated,
    exact: tier,
  };
}

/** Every tier of the table in Datadog's form, in table order. */
export function datadogBurnRateAlerts(objective: number, tiers: readonly AlertTier[] = ALERT_TIERS): DatadogBurnRateAlert[] {
  return tiers.map((t) => toDatadogBurnRate(t, objective));
}

/** The monitor query of one alert for a 30-day SLO: `burn_rate("id").over("30d").long_window("1h").short_window("5m") > 14.4`. */
export function datadogBurnRateQuery(sloId: string, alert: DatadogBurnRateAlert): string {
  return `burn_rate("${sloId}").over("30d").long_window("${alert.longWindowHours}h").short_window("${alert.shortWindowMinutes}m") > ${alert.factor}`;
}
