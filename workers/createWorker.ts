import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../lib/config';
import { slotSizes, WORKFLOW_TASK_POLLERS } from '../lib/workerSizing';
import { tracingActivityInterceptor } from '../lib/telemetry/temporalTracing';
import { workflowSandboxOptions, type SandboxSettings } from './workflowSandbox';
import { workflowSource } from './workflowSource';

type SlotSettings = Pick<Config, 'ADMISSION_MAX_IN_FLIGHT' | 'WORKER_WORKFLOW_TASK_SLOTS' | 'WORKER_LOCAL_ACTIVITY_SLOTS' | 'WORKER_MAX_CACHED_WORKFLOWS'>;

export interface CreateWorkerOptions extends Omit<ActivityDeps, 'config'> {
  /** The activities' settings, and the slot settings (workerSlots) when the caller has them. */
  config: ActivityDeps['config'] & Partial<SlotSettings> & Partial<SandboxSettings>;
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /**
   * Tests pass a pre-built bundle (bundling takes seconds); production bundles from source. A pre-built
   * bundle must include workflows/interceptors.ts (bundleWorkflowCode's workflowInterceptorModules).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tests wrap the real activities (spies, injected failures); production never sets it. */
  wrapActivities?: (activities: Record<string, unknown>) => Record<string, unknown>;
  /** Tests shorten the shutdown times (SHUTDOWN_GRACE_TIME, SHUTDOWN_FORCE_TIME); production never sets it. */
  shutdownTimes?: { graceTime: Duration; forceTime: Duration };
}

/** How long a shutdown lets running activities finish (they are cancelled after), and when it gives up. */
export const SHUTDOWN_GRACE_TIME: Duration = '30 s';
export const SHUTDOWN_FORCE_TIME: Duration = '40 s';

/**
 * Workflow-task and local-activity slots, sized from admission control's bound: every admitted lead (at most
 * ADMISSION_MAX_IN_FLIGHT, one workflow task and its local activities each) finds a free slot, so an eager
 * start is accepted instead of falling back to the task queue (issue 10: with fewer slots than leads in
 * flight only 20-30 % of starts were eager). WORKER_*_SLOTS override. The cached-workflow count is set too
 * (WORKER_MAX_CACHED_WORKFLOWS): the SDK's default follows the heap limit and would be below the slots under
 * lib/heapLimits.ts's limits; a cache smaller than the slots is refused with an error naming the setting.
 */
export function workerSlots(config: Partial<SlotSettings>) {
  const n = config.ADMISSION_MAX_IN_FLIGHT;
  if (n === undefined) return {}; // a caller with a partial config: the SDK's defaults
  const { workflowTasks, localActivities, cached } = slotSizes({ ...config, ADMISSION_MAX_IN_FLIGHT: n });
  // lib/config.ts refuses this at start; a caller building its config by hand gets the same rule here.
  if (cached < workflowTasks) {
    throw new Error(`WORKER_MAX_CACHED_WORKFLOWS (${cached}) must be at least the workflow-task slots (${workflowTasks}: WORKER_WORKFLOW_TASK_SLOTS or 2 × ADMISSION_MAX_IN_FLIGHT + ${WORKFLOW_TASK_POLLERS})`);
  }
  return {
    maxConcurrentWorkflowTaskExecutions: workflowTasks,
    maxConcurrentLocalActivityExecutions: localActivities,
    maxCachedWorkflows: cached,
  };
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  // A bundle passed in (tests), the one `npm run build` wrote (dist/), or the source bundled now (tsx).
  const source = opts.workflowBundle ? { workflowBundle: opts.workflowBundle, prebuilt: true as const } : workflowSource(__dirname);
  const workflowCode = source.prebuilt ? { workflowBundle: source.workflowBundle } : { workflowsPath: source.workflowsPath };
  // Activities are plain functions; the cast keeps WorkerOptions happy with the test wrapper's type.
  const wrap = opts.wrapActivities ?? ((a) => a);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...workflowCode,
    activities: wrap(createActivities({ db: opts.db, config: opts.config, log: opts.log, metrics: opts.metrics, temporal: opts.temporal, ...(opts.leadHandOff ? { leadHandOff: opts.leadHandOff } : {}) })) as WorkerOptions['activities'],
    // Let in-flight activities finish on SIGTERM before the process exits (compose gives 60 s).
    shutdownGraceTime: opts.shutdownTimes?.graceTime ?? SHUTDOWN_GRACE_TIME,
    // ... and never wait for good: a workflow task whose local activity fails and is retried in a loop (its
    // database step failing on every attempt) kept a worker DRAINING for over 12 minutes after SIGINT. After
    // SHUTDOWN_FORCE_TIME the SDK gives up (GracefulShutdownPeriodExpiredError): the entry point prints it, closes
    // what it opened (at most 15 s, workers/main.ts) and exits 1, before compose's SIGKILL at 60 s. Work left
    // behind is a crash's: Temporal retries the task elsewhere, and the routing lock and complete_routing() keep
    // the decision exactly-once.
    shutdownForceTime: opts.shutdownTimes?.forceTime ?? SHUTDOWN_FORCE_TIME,
    ...workerSlots(opts.config),
    ...workflowSandboxOptions(opts.config),
    // One trace per lead: the workflow copies the start's trace header onto its activities, which open
    // their spans under it (lib/telemetry/temporalTracing.ts).
    interceptors: {
      // A bundle already contains the workflow interceptors (bundled with workflowInterceptorModules).
      ...(source.prebuilt ? {} : { workflowModules: [require.resolve('../workflows/interceptors')] }),
      activity: [tracingActivityInterceptor],
    },
  });
}
