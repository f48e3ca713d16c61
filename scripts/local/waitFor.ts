/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes. No fixed sleeps. An error `check`
 * throws is retried (the thing waited for is not up yet); `stop`, asked before every try, ends the wait at once with
 * the error it returns: the process being waited for has exited, and no retry can bring it back. A check that
 * answers `false` is a mistake (`false` is a value: the wait would end at once, whatever it was waiting for) and
 * throws: write `cond ? true : undefined` (a session 11 test passed without waiting that way). `null` (what
 * `.match()`, `.exec()` or a row lookup answer for "not there") is taken as "not yet", like undefined.
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
    let value: T | undefined;
    try {
      value = await check();
    } catch (err) {
      lastError = err;
    }
    if ((value as unknown) === false) throw new Error(`waitFor(${what}): the check answered false, which would end the wait at once; answer undefined to keep waiting`);
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
