/**
 * Offers requests at a fixed rate whatever the answers take: an open model, like partners whose leads
 * arrive whether or not the gateway keeps up. Each request's latency is measured from the moment it was
 * *due*, so a saturated gateway shows in the numbers instead of quietly lowering the rate (coordinated
 * omission). autocannon was used first: its rate limit is per connection and a connection waits for its
 * answer, so at 100 leads/s against a gateway answering in 1.7 s it offered 59/s.
 * HTTP goes through Node's fetch (undici), which pools connections per origin without a limit.
 */
export interface OpenLoopResult {
  /** Requests sent (all that were due: the schedule never waits for answers). */
  sent: number;
  /** Answers by HTTP status. */
  statuses: Map<number, number>;
  /** Requests that got no answer (network error, timeout). */
  errors: number;
  /** Per answered request: ms from its due time to its answer. */
  latenciesMs: number[];
}

export async function offerAtRate(opts: {
  rate: number;
  durationSeconds: number;
  timeoutMs: number;
  send: (i: number, signal: AbortSignal) => Promise<Response>;
}): Promise<OpenLoopResult> {
  const total = Math.round(opts.rate * opts.durationSeconds);
  const intervalMs = 1000 / opts.rate;
  const result: OpenLoopResult = { sent: 0, statuses: new Map(), errors: 0, latenciesMs: [] };
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();

  const fire = (i: number) => {
    const due = start + i * intervalMs;
    result.sent += 1;
    inFlight.push(
      opts.send(i, AbortSignal.timeout(opts.timeoutMs)).then(
        async (res) => {
          await res.arrayBuffer(); // read the body: the answer is complete, the connection reusable
          result.latenciesMs.push(performance.now() - due);
          result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
        },
        () => {
          result.errors += 1;
        },
      ),
    );
  };

  // Wake every few ms and send everything that is due by then (timers drift; the schedule does not).
  for (let next = 0; next < total; ) {
    const dueNow = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (next < dueNow) fire(next++);
    if (next < total) await new Promise((r) => setTimeout(r, Math.max(1, Math.min(intervalMs, 5))));
  }
  await Promise.all(inFlight);
  return result;
}
