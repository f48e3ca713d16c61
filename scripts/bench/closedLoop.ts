/**
 * A closed-loop driver for throughput ceilings: `concurrency` loops, each starting its next item as soon as
 * its previous one finished, for `durationSeconds` (or until `items` are used up). With a fixed number in
 * flight the system runs at its capacity without queueing beyond it (open-loop overload measures queues,
 * not capacity: the Temporal dev server does more work per workflow when its task queues spill to its store).
 */
export interface ClosedLoopResult {
  concurrency: number;
  completed: number;
  errors: number;
  /** The first error's message, if any (the rest are usually the same). */
  firstError?: string;
  elapsedSeconds: number;
  /** completed / elapsedSeconds. */
  perSecond: number;
  /** Per completed item: ms from its start to its end. */
  latency: LatencySummary;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `samples` (ms); zeros when there are none. */
export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? 0 };
}

export async function closedLoop(opts: {
  concurrency: number;
  durationSeconds: number;
  /** Stop early once this many items were started. */
  items?: number;
  /** Does item `i`; resolves when it is complete. */
  run: (i: number) => Promise<void>;
}): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + opts.durationSeconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline && (opts.items === undefined || next < opts.items)) {
      const i = next++;
      const t0 = performance.now();
      try {
        await opts.run(i);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors += 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const elapsedSeconds = (performance.now() - started) / 1000;
  return { concurrency: opts.concurrency, completed: latencies.length, errors, firstError, elapsedSeconds, perSecond: latencies.length / elapsedSeconds, latency: summarize(latencies) };
}
