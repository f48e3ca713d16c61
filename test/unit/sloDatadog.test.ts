import {
  ALERT_TIERS, AVAILABILITY, DATADOG_MAX_LONG_WINDOW, DATADOG_MIN_LONG_WINDOW, datadogBurnRateAlerts, datadogBurnRateQuery,
  toDatadogBurnRate, type AlertTier,
} from '../../lib/slo';

/** Datadog burn-rate monitors: long window 1 h–48 h, short window defaulting to long / 12 (Datadog docs). */
describe('mapping the alert table to Datadog burn-rate monitors', () => {
  const alerts = datadogBurnRateAlerts(AVAILABILITY.objective);

  test('tiers inside 1 h–48 h are kept; the 3 d / 6 h ticket becomes 48 h / 4 h at 1.5×', () => {
    expect(alerts.map((a) => [a.tierId, a.longWindowHours, a.shortWindowMinutes, a.factor, a.approximated])).toEqual([
      ['page_fast', 1, 5, 14.4, false],
      ['page_slow', 6, 30, 6, false],
      // 1× over 72 h spends 1 × 72 / 720 = 10 %; over 48 h the same 10 % needs 0.10 × 720 / 48 = 1.5×.
      // short = 48 h / 12 = 4 h = 240 min.
      ['ticket_slow', 48, 240, 1.5, true],
    ]);
    expect([DATADOG_MIN_LONG_WINDOW, DATADOG_MAX_LONG_WINDOW]).toEqual([3600, 172_800]);
  });
  test('every Datadog form spends the same budget fraction as its exact tier: factor × long / 720 h', () => {
    for (const a of alerts) {
      // page_fast 14.4 × 1 / 720 = 2 %; page_slow 6 × 6 / 720 = 5 %; ticket 1.5 × 48 / 720 = 10 %.
      expect((a.factor * a.longWindowHours * 100) / 720).toBeCloseTo(a.budgetPercent, 12);
      expect(a.longWindowHours).toBeGreaterThanOrEqual(1);
      expect(a.longWindowHours).toBeLessThanOrEqual(48);
      expect(a.shortWindowMinutes).toBeLessThan(a.longWindowHours * 60);
    }
  });
  test('the exact table is untouched (the local evaluator keeps 3 d / 6 h at 1×)', () => {
    expect(alerts[2]!.exact).toBe(ALERT_TIERS[2]);
    expect(ALERT_TIERS[2]).toMatchObject({ long: '3d', short: '6h', factor: 1 });
  });
  test('monitor queries in Datadog\'s documented form', () => {
    expect(alerts.map((a) => datadogBurnRateQuery('abc123', a))).toEqual([
      'burn_rate("abc123").over("30d").long_window("1h").short_window("5m") > 14.4',
      'burn_rate("abc123").over("30d").long_window("6h").short_window("30m") > 6',
      'burn_rate("abc123").over("30d").long_window("48h").short_window("240m") > 1.5',
    ]);
  });
  test('refuses what Datadog cannot create', () => {
    const tooShort: AlertTier = { id: 'page_fast', severity: 'page', long: '30m', short: '5m', budgetPercent: 1, factor: 14.4 };
    expect(() => toDatadogBurnRate(tooShort, 0.999)).toThrow(/1 h minimum/);
    // Maximum burn rate = 1 / (1 − objective): at 99 % it is 1 / 0.01 = 100, so 14.4 is possible;
    // at 90 % it is 1 / 0.1 = 10, so a 14.4× threshold could never fire and Datadog refuses it.
    expect(() => toDatadogBurnRate(ALERT_TIERS[0]!, 0.9)).toThrow(/maximum burn rate 10/);
    expect(toDatadogBurnRate(ALERT_TIERS[0]!, 0.99).factor).toBe(14.4);
  });
});
