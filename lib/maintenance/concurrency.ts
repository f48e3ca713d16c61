/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the results in input order.
 * A rejection rejects the whole map (callers that must not stop on one failure catch inside `fn`).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Default number of Temporal calls a maintenance pass keeps in flight. */
export const DEFAULT_REDRIVE_CONCURRENCY = 16;
