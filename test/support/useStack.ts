import { startBuyerServer, type BuyerServer, type BuyerServerOptions } from './buyerServer';
import { startTestStack, type TestStack } from './stack';

/**
 * One test file's lifecycle in one line: each `use…` registers its own beforeAll (start) and afterAll (stop)
 * and returns a handle that is empty until that beforeAll has run, then holds the started thing's fields.
 * Read it in tests and in hooks declared after the `use…` call (jest runs beforeAll and afterAll hooks in
 * the order they are declared), never at module load. Called inside a describe, the thing lives for that
 * describe's tests only (a second stack with other settings, as rateLimit.test.ts does).
 *
 * A file whose own cleanup must run before the stack stops (it closes a second app on the stack's database,
 * deletes schedules through its client) keeps its explicit beforeAll/afterAll: its afterAll would run after
 * this one.
 *
 * Stopping order follows declaration order too: declare the stack before a buyer server, so that the
 * worker drains (its deliveries finish) before the buyer goes away.
 */

export interface UseTestStackOptions {
  /**
   * Whether the file routes leads through an in-process worker started before its tests (on the stack's own
   * task queue, stopped with the stack). false: nothing routes, or the file starts its own worker(s).
   */
  worker: boolean;
  /**
   * Settings over startTestStack's test defaults (environment-variable names and values). A function when they
   * need something made first, e.g. a free port; it runs inside the beforeAll.
   */
  env?: Record<string, string> | (() => Promise<Record<string, string>>);
}

/**
 * The file's stack (startTestStack: its own database cloned from the migrated template, its own task queue,
 * the shared Temporal dev server), started before the file's first test and stopped after its last.
 */
export function useTestStack(options: UseTestStackOptions): TestStack {
  const handle = {} as TestStack;
  let started: TestStack | undefined;
  beforeAll(async () => {
    const env = typeof options.env === 'function' ? await options.env() : options.env;
    started = await startTestStack(env);
    Object.assign(handle, started);
    if (options.worker) await started.startWorker();
  });
  afterAll(async () => {
    await started?.stop();
  });
  return handle;
}

/** A real buyer (test/support/buyerServer.ts) on a free port for the whole file, closed after its last test. */
export function useBuyerServer(options: BuyerServerOptions = {}): BuyerServer {
  const handle = {} as BuyerServer;
  let started: BuyerServer | undefined;
  beforeAll(async () => {
    started = await startBuyerServer(options);
    Object.assign(handle, started);
  });
  afterAll(async () => {
    await started?.close();
  });
  return handle;
}
