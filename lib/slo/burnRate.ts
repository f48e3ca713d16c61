/**
 * Error budget and burn-rate maths for a ratio (good / total) SLO. Pure functions of counts; the SLO
 * workflow supplies the counts from SQL, the tests supply hand-computed ones.
 *
 * Definitions (SRE workbook ch. 5 "Alerting on SLOs"; Datadog "Burn Rate Alerts" uses the same ones):
 *   error budget      = 1 − objective                     (a fraction: 0.001 for 99.9 %)
 *   error rate        = bad / total                       (over some window)
 *   burn rate         = error rate / error budget         (unitless; 1 = spending exactly the budget over the
 *                                                          SLO window, 14.4 = spending it 14.4× as fast)
 *   budget remaining  = 1 − bad / (total × error budget)  (over the SLO window; a fraction of the budget)
 *
 * Counts are events (leads), not seconds: `total` = good + bad, where for availability good = success +
 * duplicate and bad = failed (definitions.ts).
 */
import { ALERT_TIERS, type AlertTier, type WindowName } from './windows';

/** Good and bad event counts over one window. Non-negative integers (enforced). */
export interface EventCounts {
  good: number;
  bad: number;
}

/**
 * Decimal places an objective may have. 1 − 0.999 is 0.0010000000000000009 in binary floating point, which
 * would make 14.4 × budget errors compute as a burn rate of 14.399999999999986 and miss an exact threshold;
 * rounding the budget to 9 decimals (objectives down to 99.9999999 %) gives the double nearest 0.001.
 */
const BUDGET_DECIMALS = 1e9;

/** 1 − objective, as a fraction, rounded to 9 decimals (see BUDGET_DECIMALS). `objective` must be in (0, 1). */
export function errorBudget(objective: number): number {
  if (!(objective > 0 && objective < 1)) throw new RangeError(`objective must be in (0, 1), got ${objective}`);
  return Math.round((1 - objective) * BUDGET_DECIMALS) / BUDGET_DECIMALS;
}

function checkCounts({ good, bad }: EventCounts): void {
  for (const [k, v] of [['good', good], ['bad', bad]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer, got ${v}`);
  }
}

/** good / total, a fraction in [0, 1]; `null` when there were no events (no data is not 100 % or 0 %). */
export function attainment(counts: EventCounts): number | null {
  checkCounts(counts);
  const total = counts.good + counts.bad;
  return total === 0 ? null : counts.good / total;
}

/**
 * Burn rate over one window = (bad / total) / (1 − objective).
 * 0 when the window holds no events: nothing was served, so no budget was spent (the workbook's and
 * Prometheus' 0/0 = NaN would otherwise make "no traffic" look like an outage or hide one; an empty window
 * never fires an alert). The maximum possible value is 1 / (1 − objective) (every event bad): 1000 for 99.9 %.
 */
export function burnRate(counts: EventCounts, objective: number): number {
  checkCounts(counts);
  const total = counts.good + counts.bad;
  if (total === 0) return 0;
  return counts.bad / (total * errorBudget(objective));
}

/** Error budget over the SLO window, in events and as the fraction still unspent. */
export interface BudgetStatus {
  /** Events that may be bad over the window: total × (1 − objective). Not rounded (1,234 × 0.001 = 1.234). */
  allowedBad: number;
  /** Bad events so far. */
  bad: number;
  /**
   * 1 − bad / allowedBad: 1 = untouched, 0 = exactly spent, NEGATIVE = overspent (not clamped: −0.5 means
   * half a budget over, which on-call needs to see). 1 when there were no events (nothing spent).
   */
  remaining: number;
}

/** Budget remaining from good/bad counts over the SLO window (30 days for availability). */
export function budgetStatus(counts: EventCounts, objective: number): BudgetStatus {
  checkCounts(counts);
  const total = counts.good + counts.bad;
  const allowedBad = total * errorBudget(objective);
  const remaining = total === 0 ? 1 : 1 - counts.bad / allowedBad;
  return { allowedBad, bad: counts.bad, remaining };
}

/**
 * Whether a burn rate fires a tier's threshold. STRICTLY above: the workbook's recording-rule alerts
 * (`… > (14.4*0.001)`), slok/sloth and pyrra-dev/pyrra `slo/rules.go` all use `>`, and the Datadog monitor
 * query this project generates is `burn_rate(…) > factor` (Datadog's burn-rate page shows that query form,
 * although its prose formula writes ≥). A burn rate of exactly 1 means the budget lasts exactly the window —
 * the SLO is met — so the 1× ticket must not fire on it. One comparator for both evaluators keeps the local
 * evaluator and Datadog in agreement.
 */
export function exceeds(rate: number, factor: number): boolean {
  return rate > factor;
}

/** Burn rates per window, as computed by the SLO workflow. A missing window counts as 0 (no events). */
export type BurnRates = Partial<Record<WindowName, number>>;

/** A tier's evaluation: the rates seen on its two windows and whether it fires. */
export interface TierEvaluation {
  tier: AlertTier;
  longRate: number;
  shortRate: number;
  firing: boolean;
}

/**
 * Evaluates every tier: a tier fires only when BOTH its long and its short window burn faster than its factor
 * (the long window proves the spend is significant, the short one that it is still going on).
 */
export function evaluateTiers(rates: BurnRates, tiers: readonly AlertTier[] = ALERT_TIERS): TierEvaluation[] {
  return tiers.map((tier) => {
    const longRate = rates[tier.long] ?? 0;
    const shortRate = rates[tier.short] ?? 0;
    return { tier, longRate, shortRate, firing: exceeds(longRate, tier.factor) && exceeds(shortRate, tier.factor) };
  });
}

/** The ids of the tiers that fire, in table order. */
export function firingTiers(rates: BurnRates, tiers: readonly AlertTier[] = ALERT_TIERS): AlertTier['id'][] {
  return evaluateTiers(rates, tiers).filter((e) => e.firing).map((e) => e.tier.id);
}
