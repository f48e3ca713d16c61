import { assertSdkPatched, workflowSandboxOptions } from '../../workers/workflowSandbox';

/** Unpatched, a 0 timeout would pass every check and fail every workflow task with ERR_OUT_OF_RANGE. */
test('the installed SDK carries the patch; an SDK without it is refused with the fix named', () => {
  expect(() => assertSdkPatched()).not.toThrow();
  expect(() => assertSdkPatched(() => 'timeout: isolateExecutionTimeoutMs,')).toThrow(/needs the Temporal SDK patch in patches\/ \(run `npx patch-package`/);
});

test('defaults: no deadlock guard and no stack traces; explicit settings pass through', () => {
  const saved = process.env.TEMPORAL_WORKFLOW_STACK_TRACES;
  try {
    expect(workflowSandboxOptions({})).toEqual({ isolateExecutionTimeout: 0 });
    expect(process.env.TEMPORAL_WORKFLOW_STACK_TRACES).toBe('false');
    expect(workflowSandboxOptions({ WORKFLOW_DEADLOCK_TIMEOUT_MS: 5000, WORKFLOW_STACK_TRACES: true })).toEqual({ isolateExecutionTimeout: 5000 });
    expect(process.env.TEMPORAL_WORKFLOW_STACK_TRACES).toBe('true');
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_WORKFLOW_STACK_TRACES;
    else process.env.TEMPORAL_WORKFLOW_STACK_TRACES = saved;
  }
});
