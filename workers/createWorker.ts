import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { tracingActivityInterceptor } from '../lib/telemetry/temporalTracing';

export interface CreateWorkerOptions extends ActivityDeps {
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
}

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  const workflowSource = opts.workflowBundle
    ? { workflowBundle: opts.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  // Activities are plain functions; the cast keeps WorkerOptions happy with the test wrapper's type.
  const wrap = opts.wrapActivities ?? ((a) => a);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...workflowSource,
    activities: wrap(createActivities({ db: opts.db, config: opts.config, log: opts.log, metrics: opts.metrics, temporal: opts.temporal })) as WorkerOptions['activities'],
    // Let in-flight activities finish on SIGTERM before the process exits (compose gives 60 s).
    shutdownGraceTime: '30 s',
    // One trace per lead: the workflow copies the start's trace header onto its activities, which open
    // their spans under it (lib/telemetry/temporalTracing.ts).
    interceptors: {
      ...(opts.workflowBundle ? {} : { workflowModules: [require.resolve('../workflows/interceptors')] }),
      activity: [tracingActivityInterceptor],
    },
  });
}
