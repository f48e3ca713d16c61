import { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../../lib/logger';
import { createMetrics } from '../../lib/telemetry/metrics';
import { waitFor } from '../../scripts/local/waitFor';
import { createWorker } from '../../workers/createWorker';
import { sharedEnv } from '../support/env';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * A worker asked to stop while a lead's routing attempt fails and is retried in a loop (here: lock_and_decide()
 * is missing, as if a database step failed on every attempt) stops anyway, at its shutdown force time, instead of
 * DRAINING for good (a newcomer's worker stayed 12 minutes after SIGINT). workers/main.ts prints the SDK's error
 * and exits 1; the lead is left for the next worker, untouched.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.db.raw('ALTER FUNCTION IF EXISTS lock_and_decide_away(uuid, text, boolean, integer, uuid, jsonb, jsonb, jsonb, text[], integer, double precision, double precision, bigint) RENAME TO lock_and_decide').catch(() => undefined);
  await stack?.stop();
});

test('a worker whose routing attempts fail in a loop still stops at its force time after shutdown()', async () => {
  const source = await createWorkspace(stack, { name: 'Drain source', kind: 'source' });
  const buyer = await createWorkspace(stack, { name: 'Drain buyer', kind: 'partner' });
  await createRule(stack, { name: 'drain', priority: 1, destinations: [{ workspaceId: buyer.id }] });
  await stack.db.raw('ALTER FUNCTION lock_and_decide(uuid, text, boolean, integer, uuid, jsonb, jsonb, jsonb, text[], integer, double precision, double precision, bigint) RENAME TO lock_and_decide_away');

  const connection = await NativeConnection.connect({ address: stack.config.TEMPORAL_ADDRESS });
  const failures: number[] = [];
  const worker = await createWorker({
    connection,
    namespace: stack.config.TEMPORAL_NAMESPACE,
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    db: stack.db,
    config: stack.config,
    log: createLogger('silent'),
    metrics: createMetrics({ enabled: false }),
    temporal: stack.client,
    workflowBundle: { codePath: sharedEnv().workflowBundlePath },
    // Count the attempts that fail, so the test knows the loop is under way before it asks the worker to stop.
    wrapActivities: (activities) => {
      const routeAttempt = activities.routeAttempt as (...args: unknown[]) => Promise<unknown>;
      return { ...activities, routeAttempt: (...args: unknown[]) => routeAttempt(...args).catch((err: unknown) => { failures.push(Date.now()); throw err; }) };
    },
    shutdownTimes: { graceTime: '1 s', forceTime: '5 s' },
  });
  const running = worker.run();
  try {
    const { leadId } = (await postLead(stack, source.apiKey!, aLead())).json();
    await waitFor('routing attempts to fail and be retried', async () => (failures.length >= 2 ? true : undefined), { timeoutMs: 60_000 });

    const askedAt = Date.now();
    worker.shutdown();
    // run() rejects (SDK 1.24: after logging GracefulShutdownPeriodExpiredError it throws an IllegalStateError
    // about the workflow context it could not dispose): workers/main.ts prints it and exits 1.
    const outcome = await Promise.race([
      running.then(() => 'drained', (err: unknown) => (err instanceof Error ? 'stopped with an error' : String(err))),
      new Promise((resolve) => setTimeout(() => resolve('still draining after 60 s'), 60_000)),
    ]);
    expect(outcome).toBe('stopped with an error');
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(4_000); // at the force time (5 s), not at once
    // Nothing was decided: the lead waits for a worker that can route it.
    expect((await stack.db('leads').where({ id: leadId }).first()).routing_result).toBeNull();
  } finally {
    await connection.close().catch(() => undefined);
  }
}, 150_000);
