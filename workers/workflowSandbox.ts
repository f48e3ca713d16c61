import fs from 'node:fs';
import type { Config } from '../lib/config';

export type SandboxSettings = Pick<Config, 'WORKFLOW_DEADLOCK_TIMEOUT_MS' | 'WORKFLOW_STACK_TRACES'>;

/** What a caller without these settings (tests, benches with a partial config) gets: lib/config.ts's defaults. */
const DEFAULTS: SandboxSettings = { WORKFLOW_DEADLOCK_TIMEOUT_MS: 0, WORKFLOW_STACK_TRACES: false };

/**
 * The workflow sandbox's two debugging aids, off by default because of what they cost per lead (issue 10
 * profile: 40 leads/s for 60 s, combined mode; the workflow thread was busy 45 s with both, 7 s without):
 *
 *  - the deadlock guard: the SDK passes `isolateExecutionTimeout` to every `vm` call into the sandbox, and
 *    Node starts a watchdog thread for each such call (~130 µs on an idle machine, ~1 ms on a busy one;
 *    ~10 calls per lead). `0` turns it off: this needs patches/@temporalio+worker+1.24.0.patch (applied by
 *    `npx patch-package` in scripts/ensure-deps.sh and the Dockerfile); without it, creating the worker
 *    fails with an error naming the fix (assertSdkPatched).
 *  - promise stack traces: the SDK's promise hook captures and source-maps a stack for every promise the
 *    workflow creates (temporalio/sdk-typescript#1587). The same patch skips installing the hook when
 *    TEMPORAL_WORKFLOW_STACK_TRACES=false in the environment the workflow thread starts with; it is the only
 *    channel into that thread without patching the SDK's option plumbing, so it is set here, just before the
 *    worker (and its thread) is created.
 *
 * @returns options to spread into Worker.create (`isolateExecutionTimeout` works but is not in the SDK's public
 * WorkerOptions type since temporalio/sdk-typescript#249 hid it; ms).
 */
export function workflowSandboxOptions(config: Partial<SandboxSettings>): { isolateExecutionTimeout: number } {
  const settings = { ...DEFAULTS, ...definedOnly(config) };
  if (settings.WORKFLOW_DEADLOCK_TIMEOUT_MS === 0) assertSdkPatched();
  process.env.TEMPORAL_WORKFLOW_STACK_TRACES = String(settings.WORKFLOW_STACK_TRACES);
  return { isolateExecutionTimeout: settings.WORKFLOW_DEADLOCK_TIMEOUT_MS };
}

function definedOnly(config: Partial<SandboxSettings>): Partial<SandboxSettings> {
  return Object.fromEntries(Object.entries(config).filter(([k, v]) => k in DEFAULTS && v !== undefined));
}

/** The line of patches/@temporalio+worker+1.24.0.patch that makes a 0 timeout mean "no watchdog". */
const PATCH_MARK = 'isolateExecutionTimeoutMs > 0 ?';

/**
 * Throws at worker creation, naming the fix, when the installed SDK lacks the patch: unpatched, a 0 timeout
 * passes every check and fails every workflow task later with Node's ERR_OUT_OF_RANGE. `source`: the
 * SDK file the patch changes (a parameter for the test).
 */
export function assertSdkPatched(source = () => fs.readFileSync(require.resolve('@temporalio/worker/lib/workflow/reusable-vm.js'), 'utf8')): void {
  if (source().includes(PATCH_MARK)) return;
  throw new Error(
    'WORKFLOW_DEADLOCK_TIMEOUT_MS=0 needs the Temporal SDK patch in patches/ (run `npx patch-package`, which ' +
      'scripts/ensure-deps.sh and the Dockerfile do after installing), or set WORKFLOW_DEADLOCK_TIMEOUT_MS to a positive number of ms',
  );
}
