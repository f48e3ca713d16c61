/**
 * The monitoring spec's load scenarios (its "Load Testing Scenarios" section), what the spec expects of each,
 * and the stricter targets issue 10 sets for two of them. The spec drives them with `ab -c N`, which
 * measures the gateway only; here the rate is fixed (an open model: leads arrive whether or not the system
 * keeps up) and the outcome of every lead is measured too.
 */
export interface Scenario {
  name: string;
  /** Leads per second offered to the gateway. */
  rate: number;
  durationSeconds: number;
  /** The spec's expectations. */
  expect: {
    /** Leads that end `routed` (success or duplicate), as a share of those stored. */
    minSuccessRate: number;
    /** p95 of lead created -> routed, ms. */
    p95LatencyMs: number;
    /** Most unprocessed retry-ledger rows seen at once. */
    maxRetryQueueDepth?: number;
    /** Every lead decided within this long after the load stops (the spec's "recovery"). */
    drainSeconds?: number;
  };
  /** Issue 10's targets (2 cores, everything co-located). */
  targets?: {
    /** Share of stored leads routed (e.g. 0.999). */
    minRoutedShare?: number;
    /** p95 of created -> routed, ms. */
    p95LatencyMs?: number;
    /** Every request answered 202. */
    all202?: boolean;
    /** p95 of the gateway's answer, from each request's due time, ms. */
    gatewayP95Ms?: number;
    /** Every offered lead answered and stored, and none failed or left undecided. */
    nothingLost?: boolean;
    /** Every stored lead routed within this many seconds after the offer ends. */
    allRoutedWithinSeconds?: number;
    /** Peak resident set while the load runs and drains, MB, per process. */
    maxRssMb?: { worker?: number; api?: number };
  };
}

export const SCENARIOS: Record<string, Scenario> = {
  normal: { name: 'normal', rate: 10, durationSeconds: 300, expect: { minSuccessRate: 0.99, p95LatencyMs: 2_000, maxRetryQueueDepth: 50 } },
  spike: {
    name: 'spike',
    rate: 100,
    durationSeconds: 60,
    expect: { minSuccessRate: 0.95, p95LatencyMs: 5_000, maxRetryQueueDepth: 200, drainSeconds: 300 },
    targets: { all202: true, gatewayP95Ms: 100, nothingLost: true, allRoutedWithinSeconds: 120, maxRssMb: { worker: 400, api: 200 } },
  },
  sustained: {
    name: 'sustained',
    rate: 50,
    durationSeconds: 1_800,
    expect: { minSuccessRate: 0.98, p95LatencyMs: 3_000 },
    targets: { minRoutedShare: 0.999, p95LatencyMs: 500 },
  },
};

/** The order `--scenario all` runs them in. */
export const ALL_SCENARIOS = ['normal', 'spike', 'sustained'] as const;
