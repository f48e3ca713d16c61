import { startWaitingLeadStack } from '../support/sandboxProbe';

/**
 * The workflow sandbox with its defaults (workers/workflowSandbox.ts): no per-call deadlock guard
 * (isolateExecutionTimeout 0, which only patches/@temporalio+worker+1.24.0.patch accepts: an unpatched SDK
 * fails every workflow task with ERR_OUT_OF_RANGE) and no promise stack traces.
 */
let probe: Awaited<ReturnType<typeof startWaitingLeadStack>>;

beforeAll(async () => {
  probe = await startWaitingLeadStack({});
});
afterAll(async () => {
  await probe?.stop();
});

test('defaults: workflows run with no deadlock guard, and the stack-trace query says it is off', async () => {
  expect(probe.stack.config.WORKFLOW_DEADLOCK_TIMEOUT_MS).toBe(0);
  const lead = await probe.waitingLead(); // a workflow task ran: lock, decide, deliver (500), wait
  await expect(lead.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
});
