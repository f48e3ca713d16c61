/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes. No fixed sleeps. An error `check`
 * throws is retried (the thing waited for is not up yet); `stop`, asked before every try, ends the wait at once with
 * the error it returns: the process being waited for has exited, and no retry can bring it back.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100, stop }: { timeoutMs?: number; intervalMs?: number; stop?: () => Error | undefined } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const stopped = stop?.();
    if (stopped) throw stopped;
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
