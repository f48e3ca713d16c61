import { ConfigError } from './config';

/** Something a process opened, and how to close it. */
export interface CloseStep {
  name: string;
  close: () => unknown;
}

/**
 * Waits for `work` at most `timeoutMs`. A failure is printed (prefixed with `what`), never thrown: at shutdown
 * after a failed start, the first error has been printed already and must stay the one that explains the exit
 * (the Temporal SDK's "Cannot close connection while Workers hold a reference" used to replace it).
 * Resolves true when `work` settled successfully in time.
 */
export async function settleWithin(work: Promise<unknown>, timeoutMs: number, what = 'while stopping'): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<boolean>((resolve) => (timer = setTimeout(() => {
    console.error(`${what}: took over ${timeoutMs} ms; exiting without waiting`);
    resolve(false);
  }, timeoutMs)));
  const done = work.then(
    () => true,
    (err: unknown) => {
      console.error(`${what}:`, err);
      return false;
    },
  );
  const ok = await Promise.race([done, overran]);
  clearTimeout(timer);
  return ok;
}

/**
 * Closes `steps` one after the other, in the order given; a step that throws is printed and the rest still run.
 * The whole is bounded by `timeoutMs`. Resolves true when every step closed in time.
 */
export function closeInOrder(steps: CloseStep[], timeoutMs: number): Promise<boolean> {
  return settleWithin((async () => {
    let failed = false;
    for (const { name, close } of steps) {
      try {
        await close();
      } catch (err) {
        failed = true;
        console.error(`while stopping, closing ${name} failed:`, err);
      }
    }
    if (failed) throw new Error('at least one step failed to close (printed above)');
  })(), timeoutMs);
}

/**
 * The last catch of a process entry point (api/server.ts, workers/main.ts, workers/combined.ts): a configuration
 * problem is the operator's to fix, so it is printed as its message, one line per problem naming its variable
 * (`invalid configuration: NAME: why`), without a stack trace; anything else as the error. Exits 1.
 */
export function exitOnStartFailure(err: unknown): never {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
