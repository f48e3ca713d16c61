import { attainment, budgetStatus, burnRate, evaluateTiers, type BurnRates } from './burnRate';
import { AVAILABILITY, evaluateThreshold, LATENCY_P95, RETRY_QUEUE_DEPTH } from './definitions';
import { BURN_RATE_WINDOWS } from './windows';

/**
 * The SLO report (issue 9 §1) from the raw signals read at one instant (lib/store/sloSignals.ts): what
 * `GET /api/admin/slo` answers, what the every-minute sloReport workflow stores in slo_snapshots and sends as
 * gauges, and what the alert evaluator reads. Pure: the same signals always give the same report.
 */
export interface SignalsForReport {
  at: string;
  /** Outcome counts per window label: the burn-rate windows and `30d`. */
  outcomes: Record<string, { good: number; bad: number; duplicates: number }>;
  latencyP95Ms1h: number | null;
  routedLastHour: number;
  retryQueueDepth: number;
  retryQueueDepthByWorkspace: Record<string, number>;
  staleLocks: number;
  expirations24h: number;
}

export interface SloReport {
  at: string;
  availability: {
    objective: number;
    /** good / (good + bad) over 30 days, in percent (2 decimals' worth kept); null without events. */
    percent30d: number | null;
    good30d: number;
    bad30d: number;
    /** Fraction of the 30-day error budget left: 1 untouched, 0 spent, negative overspent. */
    errorBudgetRemaining: number;
    met: boolean;
    /** Burn rate per window (1 = spending the budget exactly over 30 days). */
    burnRates: BurnRates;
    /** The multi-window multi-burn-rate tiers (lib/slo/windows.ts ALERT_TIERS) and whether each fires. */
    tiers: Array<{ id: string; severity: string; long: string; short: string; factor: number; longRate: number; shortRate: number; firing: boolean }>;
  };
  latency: { thresholdMs: number; p95Ms1h: number | null; routedLastHour: number; met: boolean; noData: boolean };
  retryQueue: { threshold: number; depth: number; byWorkspace: Record<string, number>; met: boolean };
  staleLocks: number;
  /** Duplicates / all final decisions over the last hour, percent; null without decisions. */
  duplicateRatePercent1h: number | null;
  expirations24h: number;
}

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

export function buildSloReport(signals: SignalsForReport): SloReport {
  const month = signals.outcomes['30d'] ?? { good: 0, bad: 0, duplicates: 0 };
  const ratio = attainment(month);
  const budget = budgetStatus(month, AVAILABILITY.objective);
  const burnRates: BurnRates = {};
  for (const w of BURN_RATE_WINDOWS) {
    const counts = signals.outcomes[w.name];
    if (counts) burnRates[w.name] = round(burnRate(counts, AVAILABILITY.objective));
  }
  const latency = evaluateThreshold(LATENCY_P95, signals.latencyP95Ms1h);
  const hour = signals.outcomes['1h'];
  const hourTotal = hour ? hour.good + hour.bad : 0;
  return {
    at: signals.at,
    availability: {
      objective: AVAILABILITY.objective,
      percent30d: ratio === null ? null : round(ratio * 100),
      good30d: month.good,
      bad30d: month.bad,
      errorBudgetRemaining: round(budget.remaining),
      met: ratio === null || ratio >= AVAILABILITY.objective,
      burnRates,
      tiers: evaluateTiers(burnRates).map(({ tier, longRate, shortRate, firing }) => ({
        id: tier.id, severity: tier.severity, long: tier.long, short: tier.short, factor: tier.factor, longRate, shortRate, firing,
      })),
    },
    latency: { thresholdMs: LATENCY_P95.below, p95Ms1h: signals.latencyP95Ms1h, routedLastHour: signals.routedLastHour, ...latency },
    retryQueue: {
      threshold: RETRY_QUEUE_DEPTH.below,
      depth: signals.retryQueueDepth,
      byWorkspace: signals.retryQueueDepthByWorkspace,
      met: evaluateThreshold(RETRY_QUEUE_DEPTH, signals.retryQueueDepth).met,
    },
    staleLocks: signals.staleLocks,
    duplicateRatePercent1h: hourTotal === 0 ? null : round(((hour?.duplicates ?? 0) / hourTotal) * 100),
    expirations24h: signals.expirations24h,
  };
}
