/** Anything thrown becomes an Error, so callers can rely on .message and chain it as a cause. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
