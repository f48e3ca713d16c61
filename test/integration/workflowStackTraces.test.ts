import { startWaitingLeadStack } from '../support/sandboxProbe';

/**
 * Both sandbox aids turned back on (WORKFLOW_STACK_TRACES=true, WORKFLOW_DEADLOCK_TIMEOUT_MS=5000, the SDK's
 * own default): an operator debugging a stuck workflow gets its stack from the `__stack_trace` query
 * (Temporal UI's "Stack Trace" tab). Its own file: the setting reaches the workflow thread when it starts.
 */
let probe: Awaited<ReturnType<typeof startWaitingLeadStack>>;

beforeAll(async () => {
  probe = await startWaitingLeadStack({ WORKFLOW_STACK_TRACES: 'true', WORKFLOW_DEADLOCK_TIMEOUT_MS: '5000' });
});
afterAll(async () => {
  await probe?.stop();
});

test('the stack-trace query shows where the waiting workflow is', async () => {
  const lead = await probe.waitingLead();
  const stack = await lead.query('__stack_trace');
  expect(typeof stack).toBe('string');
  expect(stack).toMatch(/routeLead/);
});
