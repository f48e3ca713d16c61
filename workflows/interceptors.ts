import type { Headers } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * Trace propagation through workflows (issue 8 §3, STYLE 17; the model is temporalio/sdk-go
 * contrib/datadog/tracing/interceptor.go). The client that starts a workflow puts the caller's span
 * context in the `_dd_trace` header (lib/telemetry/temporalTracing.ts); this interceptor copies the
 * workflow's header onto everything the workflow schedules: activities, local activities, child workflows
 * and continue-as-new. The activity interceptor on the worker opens the activity's span under it.
 *
 * Pure header copying: no tracer, no clock, no I/O, so it is deterministic and replays the same. The
 * header is an opaque payload here; a workflow started without one (a schedule) schedules without one.
 * Loaded into the workflow bundle as a workflow interceptor module (workers/createWorker.ts, the tests'
 * bundle in test/support/globalSetup.ts).
 */
export const TRACE_HEADER = '_dd_trace';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // One factory call per workflow run: the header lives in this closure, not in module state shared by runs.
  let carried: Headers[string] | undefined;
  const withTrace = <T extends { readonly headers: Headers }>(input: T): T =>
    carried === undefined || input.headers[TRACE_HEADER] !== undefined ? input : { ...input, headers: { ...input.headers, [TRACE_HEADER]: carried } };
  return {
    inbound: [
      {
        execute(input, next) {
          carried = input.headers[TRACE_HEADER];
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(withTrace(input)),
        scheduleLocalActivity: (input, next) => next(withTrace(input)),
        startChildWorkflowExecution: (input, next) => next(withTrace(input)),
        continueAsNew: (input, next) => next(withTrace(input)),
      },
    ],
  };
};
