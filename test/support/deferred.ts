/** A promise the test settles by hand: lets a buyer answer (or a step proceed) exactly when the test says. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
