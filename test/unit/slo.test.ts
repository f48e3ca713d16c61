import {
  ALERT_TIERS, AVAILABILITY, BURN_RATE_WINDOWS, DAY, HOUR, LATENCY_P95, MINUTE, RETRY_QUEUE_DEPTH, SLOS, SLO_WINDOW_30D,
  attainment, budgetStatus, burnRate, errorBudget, evaluateThreshold, evaluateTiers, exceeds, firingTiers, ratioCounts, tierFactor,
  type BurnRates,
} from '../../lib/slo';
import { METRICS } from '../../lib/telemetry/catalog';

/** lib/slo: every expected value below is computed by hand in the comment beside it. */

describe('definitions (DESIGN §9)', () => {
  test('three SLOs with the design\'s objectives and windows', () => {
    expect(SLOS.map((s) => s.name)).toEqual(['availability', 'latency_p95', 'retry_queue_depth']);
    expect(AVAILABILITY).toMatchObject({ objective: 0.999, windowSeconds: 30 * 86_400, good: ['success', 'duplicate'], bad: ['failed'] });
    expect(LATENCY_P95).toMatchObject({ aggregation: 'p95', below: 2000, unit: 'millisecond', windowSeconds: 3600 });
    expect(RETRY_QUEUE_DEPTH).toMatchObject({ aggregation: 'latest', below: 100, unit: 'row' });
  });
  test('every SLO queries a catalogued metric of the right type', () => {
    expect(METRICS[AVAILABILITY.metric].type).toBe('count');
    expect(METRICS[AVAILABILITY.metric].tags).toContain('result');
    expect(METRICS[LATENCY_P95.metric].type).toBe('distribution');
    expect(METRICS[RETRY_QUEUE_DEPTH.metric].type).toBe('gauge');
  });
  test('duplicates are good events, failed bad; counts per result map to good/bad', () => {
    // 900 success + 90 duplicate = 990 good; 10 failed = 10 bad.
    expect(ratioCounts(AVAILABILITY, { success: 900, duplicate: 90, failed: 10 })).toEqual({ good: 990, bad: 10 });
    expect(ratioCounts(AVAILABILITY, {})).toEqual({ good: 0, bad: 0 });
  });
  test.each([
    [LATENCY_P95, 1999, true], [LATENCY_P95, 2000, false], [LATENCY_P95, 2500, false],
    [RETRY_QUEUE_DEPTH, 99, true], [RETRY_QUEUE_DEPTH, 100, false], [RETRY_QUEUE_DEPTH, 0, true],
  ] as const)('threshold %#: %p.below vs %p -> met %p (strictly below)', (slo, value, met) => {
    expect(evaluateThreshold(slo, value)).toEqual({ met, noData: false });
  });
  test('a threshold SLO with no data (no lead routed in the hour) is met, flagged noData', () => {
    expect(evaluateThreshold(LATENCY_P95, null)).toEqual({ met: true, noData: true });
  });
});

describe('error budget', () => {
  test.each([
    // 1 − 0.999 = 0.001 exactly (raw float subtraction gives 0.0010000000000000009).
    [0.999, 0.001], [0.99, 0.01], [0.9999, 0.0001], [0.95, 0.05], [0.999999999, 1e-9],
  ])('objective %p -> budget %p', (objective, budget) => {
    expect(errorBudget(objective)).toBe(budget);
  });
  test.each([0, 1, -0.1, 1.5, Number.NaN])('objective %p is refused', (objective) => {
    expect(() => errorBudget(objective)).toThrow(RangeError);
  });

  test.each([
    // [good, bad, allowedBad, remaining]
    // 1,000,000 events, 500 failed: allowed = 1,000,000 × 0.001 = 1,000; remaining = 1 − 500/1,000 = 0.5.
    [999_500, 500, 1000, 0.5],
    // none failed: remaining 1 − 0/1,000 = 1.
    [1_000_000, 0, 1000, 1],
    // exactly spent: 1,000 of 1,000 -> 0.
    [999_000, 1000, 1000, 0],
    // overspent, not clamped: 1,500 of 1,000 -> 1 − 1.5 = −0.5.
    [998_500, 1500, 1000, -0.5],
    // small volume: 1,234 events -> allowed 1.234 (not rounded); 1 bad -> 1 − 1/1.234 = 0.18962722852512154.
    [1233, 1, 1.234, 1 - 1 / 1.234],
    // no events over 30 days: nothing spent, remaining 1; allowed 0.
    [0, 0, 0, 1],
  ])('good %p, bad %p -> allowed %p, remaining %p', (good, bad, allowedBad, remaining) => {
    const s = budgetStatus({ good, bad }, 0.999);
    expect(s.allowedBad).toBeCloseTo(allowedBad, 12);
    expect(s.remaining).toBeCloseTo(remaining, 12);
    expect(s.bad).toBe(bad);
  });
  test('the 1,000,000 / 500 case is exact, not merely close', () => {
    expect(budgetStatus({ good: 999_500, bad: 500 }, 0.999)).toEqual({ allowedBad: 1000, bad: 500, remaining: 0.5 });
  });
  test.each([[-1, 0], [0, -1], [1.5, 0], [0, Number.NaN]])('counts good %p bad %p are refused', (good, bad) => {
    expect(() => budgetStatus({ good, bad }, 0.999)).toThrow(RangeError);
    expect(() => burnRate({ good, bad }, 0.999)).toThrow(RangeError);
  });
  test('attainment is good / total, null for no events', () => {
    expect(attainment({ good: 999, bad: 1 })).toBe(0.999); // 999 / 1,000
    expect(attainment({ good: 0, bad: 0 })).toBeNull();
  });
});

describe('burn rate = (bad / total) / (1 − objective)', () => {
  test.each([
    // [good, bad, rate] at 99.9 %: rate = bad / (total × 0.001)
    [9856, 144, 14.4], // 144 / (10,000 × 0.001) = 144 / 10 = 14.4 exactly
    [9940, 60, 6], // 60 / 10 = 6
    [9990, 10, 1], // 10 / 10 = 1: the budget lasts exactly 30 days
    [999, 1, 1], // 1 / (1,000 × 0.001) = 1
    [1, 0, 0], // no bad events
    [0, 5, 1000], // everything failed: the maximum, 1 / 0.001 = 1,000
    [0, 0, 0], // empty window: 0, not NaN (nothing served, nothing spent)
    [2, 1, 1000 / 3], // 1/3 / 0.001 = 333.333…
  ])('good %p, bad %p -> %p', (good, bad, rate) => {
    expect(burnRate({ good, bad }, 0.999)).toBeCloseTo(rate, 9);
  });
  test('exact values at the tier thresholds (no float drift from 1 − 0.999)', () => {
    expect(burnRate({ good: 9856, bad: 144 }, 0.999)).toBe(14.4);
    expect(burnRate({ good: 9940, bad: 60 }, 0.999)).toBe(6);
    expect(burnRate({ good: 9990, bad: 10 }, 0.999)).toBe(1);
  });
});

describe('windows and the alert table (SRE workbook table 5-8, 30-day SLO)', () => {
  test('window set 5m/30m/1h/2h/6h/24h/3d in seconds', () => {
    expect(BURN_RATE_WINDOWS.map((w) => [w.name, w.seconds])).toEqual([
      ['5m', 300], ['30m', 1800], ['1h', 3600], ['2h', 7200], ['6h', 21_600], ['24h', 86_400], ['3d', 259_200],
    ]);
    expect([MINUTE, HOUR, DAY, SLO_WINDOW_30D]).toEqual([60, 3600, 86_400, 2_592_000]);
  });
  test('factors are derived from budget spent: 2 % × 720 h / 1 h = 14.4, 5 % × 720 / 6 = 6, 10 % × 720 / 72 = 1', () => {
    expect(ALERT_TIERS.map((t) => [t.id, t.severity, t.long, t.short, t.budgetPercent, t.factor])).toEqual([
      ['page_fast', 'page', '1h', '5m', 2, 14.4],
      ['page_slow', 'page', '6h', '30m', 5, 6],
      ['ticket_slow', 'ticket', '3d', '6h', 10, 1],
    ]);
    // 0.02 × 720 would be 14.400000000000002: tierFactor divides integers once.
    expect(tierFactor(2, HOUR)).toBe(14.4);
  });
  test('every short window is 1/12 of its long window (the workbook\'s guideline)', () => {
    const s = (n: string) => BURN_RATE_WINDOWS.find((w) => w.name === n)!.seconds;
    for (const t of ALERT_TIERS) expect(s(t.long) / s(t.short)).toBe(12);
  });
});

describe('which tiers fire: both windows strictly above the factor', () => {
  const quiet: BurnRates = { '5m': 0, '30m': 0, '1h': 0, '2h': 0, '6h': 0, '24h': 0, '3d': 0 };
  test.each<[string, BurnRates, string[]]>([
    ['all quiet', quiet, []],
    ['no rates at all (empty windows count as 0)', {}, []],
    ['fast burn on both 1h and 5m', { ...quiet, '1h': 20, '5m': 30 }, ['page_fast']],
    ['1h high but 5m recovered: no page (the short window resets it)', { ...quiet, '1h': 20, '5m': 2 }, []],
    ['5m spike alone: no page (the long window proves it matters)', { ...quiet, '1h': 3, '5m': 500 }, []],
    ['exactly 14.4 on both: not above, does not fire', { ...quiet, '1h': 14.4, '5m': 14.4 }, []],
    ['just above 14.4 on both: fires', { ...quiet, '1h': 14.400001, '5m': 14.400001 }, ['page_fast']],
    ['slow page: 6h 7 and 30m 8', { ...quiet, '6h': 7, '30m': 8 }, ['page_slow']],
    ['exactly 6: not above', { ...quiet, '6h': 6, '30m': 6 }, []],
    ['ticket: 3d 1.2 and 6h 1.1', { ...quiet, '3d': 1.2, '6h': 1.1 }, ['ticket_slow']],
    ['burning at exactly 1×: the SLO is met exactly, no ticket', { ...quiet, '3d': 1, '6h': 1 }, []],
    ['an outage fires all three', { '5m': 1000, '30m': 1000, '1h': 1000, '2h': 1000, '6h': 1000, '24h': 1000, '3d': 1000 }, ['page_fast', 'page_slow', 'ticket_slow']],
  ])('%s', (_name, rates, expected) => {
    expect(firingTiers(rates)).toEqual(expected);
  });
  test('from counts: 144 bad of 10,000 in both windows is exactly 14.4 and does not fire; 145 does', () => {
    const rate = (bad: number) => burnRate({ good: 10_000 - bad, bad }, AVAILABILITY.objective);
    expect(firingTiers({ '1h': rate(144), '5m': rate(144) })).toEqual([]);
    // 145 / 10 = 14.5 > 14.4
    expect(firingTiers({ '1h': rate(145), '5m': rate(145) })).toEqual(['page_fast']);
  });
  test('evaluateTiers reports the rates it compared', () => {
    const [fast] = evaluateTiers({ '1h': 20, '5m': 2 });
    expect(fast).toMatchObject({ longRate: 20, shortRate: 2, firing: false });
    expect(exceeds(14.4, 14.4)).toBe(false);
  });
});
