/**
 * The monitoring spec's load scenarios (its "Load Testing Scenarios" section) and what it expects of each.
 * The spec drives them with `ab -c N`, which measures the gateway only; here the rate is fixed (an open
 * model: leads arrive whether or not the system keeps up) and the outcome of every lead is measured too.
 */
export interface Scenario {
  name: string;
  /** Leads per second offered to the gateway. */
  rate: number;
  durationSeconds: number;
  expect: {
    /** Leads that end `routed` (success or duplicate), as a share of those accepted. */
    minSuccessRate: number;
    /** p95 of lead created -> routed, ms. */
    p95LatencyMs: number;
    /** Most unprocessed retry-ledger rows seen at once. */
    maxRetryQueueDepth?: number;
    /** Every lead decided within this long after the load stops. */
    drainSeconds?: number;
  };
}

export const SCENARIOS: Record<string, Scenario> = {
  normal: { name: 'normal', rate: 10, durationSeconds: 300, expect: { minSuccessRate: 0.99, p95LatencyMs: 2_000, maxRetryQueueDepth: 50 } },
  spike: { name: 'spike', rate: 100, durationSeconds: 60, expect: { minSuccessRate: 0.95, p95LatencyMs: 5_000, maxRetryQueueDepth: 200, drainSeconds: 300 } },
  sustained: { name: 'sustained', rate: 50, durationSeconds: 1_800, expect: { minSuccessRate: 0.98, p95LatencyMs: 3_000 } },
};
