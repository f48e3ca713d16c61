import type { Context as ActivityContext } from '@temporalio/activity';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { ActivityInterceptors } from '@temporalio/worker';
import { TRACE_HEADER } from '../../workflows/interceptors';
import { serializeError } from '../logger';
import { tracer } from './tracer';

/**
 * One trace per lead through Temporal (issue 8 §3, STYLE 17), as interceptors on the model of
 * temporalio/sdk-go contrib/datadog/tracing/interceptor.go:
 *  - client outbound (the API's client, the worker's client that re-drives leads): a
 *    `temporal.start_workflow` span under the caller's span (the HTTP request), its context injected into
 *    the workflow's `_dd_trace` header (dd-trace's text_map carrier, as a JSON payload);
 *  - workflow (workflows/interceptors.ts, in the workflow bundle): copies that header onto every activity,
 *    local activity, child workflow and continue-as-new; no tracer in workflow code;
 *  - activity inbound (the worker): extracts the context and runs the activity inside a `temporal.activity`
 *    span, so the pg / knex / fetch spans dd-trace's auto-instrumentation creates nest under it.
 * The header also carries the lead's ids as tags (`lead.id`, `source_workspace_id`), so each activity span
 * names its lead without reading it from anywhere. Only ids go in a tag, never PII (DESIGN §5.8): tags are
 * taken from named id fields and only when the value is a UUID.
 * Without an initialised tracer (unit tests, DD_TRACE_ENABLED=false) dd-trace is a no-op and so are these.
 */
interface TraceHeader {
  /** dd-trace's `text_map` carrier: x-datadog-* / traceparent / tracestate. */
  carrier: Record<string, string>;
  /** The lead's ids, as span tags. */
  tags: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_TAGS: Array<[field: string, tag: string]> = [
  ['leadId', 'lead.id'],
  ['sourceWorkspaceId', 'source_workspace_id'],
  ['destinationWorkspaceId', 'destination_workspace_id'],
];

/** `lead.id` / `source_workspace_id` / `destination_workspace_id` from an argument or result's id fields. */
export function idTags(value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return tags;
  for (const [field, tag] of ID_TAGS) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === 'string' && UUID.test(v)) tags[tag] = v;
  }
  return tags;
}

function encodeHeader(header: TraceHeader) {
  return defaultPayloadConverter.toPayload(header);
}

function decodeHeader(headers: Headers): TraceHeader | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  try {
    const h = defaultPayloadConverter.fromPayload<TraceHeader>(payload);
    if (typeof h !== 'object' || h === null || typeof h.carrier !== 'object' || h.carrier === null) return undefined;
    return { carrier: h.carrier, tags: typeof h.tags === 'object' && h.tags !== null ? h.tags : {} };
  } catch {
    return undefined; // a header we cannot read starts a new trace, it never fails the activity
  }
}

type Span = NonNullable<ReturnType<ReturnType<typeof tracer.scope>['active']>>;

/** Runs `fn` inside `span`, finishing it when `fn` settles; a failure is recorded without its text if that could hold data. */
async function inSpan<T>(span: Span, fn: () => Promise<T>, onResult?: (result: T) => void): Promise<T> {
  try {
    const result = await tracer.scope().activate(span, fn);
    onResult?.(result);
    return result;
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.finish();
  }
}

/**
 * A failure on a span: its type and message, as the logs show it (lib/logger.ts serializeError: a
 * database error by its SQLSTATE, never its text, which can quote a lead's values).
 */
function recordError(span: Span, err: unknown): void {
  const shown = serializeError(err);
  const fields: Record<string, unknown> = typeof shown === 'object' && shown !== null ? (shown as Record<string, unknown>) : {};
  // An ApplicationFailure's own type (LockHeld, LeadNotFound ...) says more than its class name.
  const failureType = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
  span.setTag('error', true);
  span.setTag('error.type', typeof failureType === 'string' ? failureType : typeof fields.type === 'string' ? fields.type : 'Error');
  span.setTag('error.message', typeof fields.message === 'string' ? fields.message : String(err));
  if (typeof fields.stack === 'string') span.setTag('error.stack', fields.stack);
}

/** A `temporal.start_workflow` / `temporal.signal_with_start` span whose context goes into the workflow's header. */
function traced<I extends { readonly headers: Headers; readonly workflowType: string; readonly options: { workflowId: string; taskQueue?: string; args?: unknown } }, O>(
  operation: string,
  input: I,
  next: (input: I) => Promise<O>,
): Promise<O> {
  const firstArg = Array.isArray(input.options.args) ? input.options.args[0] : undefined;
  const leadTags = idTags(firstArg);
  // One trace per lead: a start from a partner's request (an HTTP server span) continues its trace, and that
  // span names the lead it started. A start from anywhere else (the retry-queue processor re-driving many
  // leads in one activity) begins the lead's own trace, linked to the caller's instead of nested in it.
  const active = tracer.scope().active();
  const fromRequest = active !== null && (active.context() as { getTag?(k: string): unknown }).getTag?.('span.kind') === 'server';
  const parent = fromRequest ? active : null;
  if (parent) for (const [k, v] of Object.entries(leadTags)) parent.setTag(k, v);
  const span = tracer.startSpan(operation, {
    ...(parent ? { childOf: parent } : {}),
    tags: {
      'resource.name': input.workflowType,
      'span.kind': 'producer',
      component: 'temporal',
      'temporal.workflow_id': input.options.workflowId,
      ...(input.options.taskQueue ? { 'temporal.task_queue': input.options.taskQueue } : {}),
      ...leadTags,
    },
  });
  // dd-trace 6 takes `{ context }` only (the bare-context form of v5 throws a TypeError there).
  if (active && !parent) span.addLink({ context: active.context() });
  const carrier: Record<string, string> = {};
  tracer.inject(span, 'text_map', carrier);
  const headers = { ...input.headers, [TRACE_HEADER]: encodeHeader({ carrier, tags: leadTags }) };
  return inSpan(span, () => next({ ...input, headers }));
}

/**
 * A step of an activity that does several (activities/routeAttempt.ts: lockAndDecide, deliverToBuyer,
 * completeRouting) as a `routing.step` span with the step's name as its resource, under the active span (the
 * activity's), so the trace still shows each step with its SQL and HTTP calls beneath it. Tagged with the id
 * fields of `args` and of the result (idTags; `tagged` picks the part of the result that has them); a failure is
 * recorded as on the activity's span.
 */
export function traceStep<T>(step: string, args: unknown, fn: () => Promise<T>, tagged: (result: T) => unknown = (r) => r): Promise<T> {
  const active = tracer.scope().active();
  const span = tracer.startSpan('routing.step', {
    ...(active ? { childOf: active } : {}),
    tags: { 'resource.name': step, component: 'lead-router', 'routing.step': step, ...idTags(args) },
  });
  return inSpan(span, fn, (result) => {
    for (const [k, v] of Object.entries(idTags(tagged(result)))) span.setTag(k, v);
  });
}

/** Client outbound: workflow starts (and signal-with-start) carry the caller's trace. */
export const tracingClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => traced('temporal.start_workflow', input, next),
  signalWithStart: (input, next) => traced('temporal.signal_with_start', input, next),
};

/** For `new Client({ ..., interceptors: temporalClientInterceptors() })`. */
export function temporalClientInterceptors(): ClientInterceptors {
  return { workflow: [tracingClientInterceptor] };
}

/** Activity inbound (regular and local activities): the activity's span, child of the workflow's header. */
export function tracingActivityInterceptor(ctx: ActivityContext): ActivityInterceptors {
  return {
    inbound: {
      execute(input, next) {
        const header = decodeHeader(input.headers);
        const parent = header ? tracer.extract('text_map', header.carrier) : null;
        const { info } = ctx;
        const span = tracer.startSpan('temporal.activity', {
          // No header (a scheduled maintenance workflow): a trace of its own, not whatever happens to be active.
          childOf: parent ?? undefined,
          tags: {
            'resource.name': info.activityType,
            'span.kind': 'consumer',
            component: 'temporal',
            'temporal.activity_type': info.activityType,
            'temporal.local': String(info.isLocal),
            'temporal.attempt': info.attempt,
            ...(info.workflowExecution ? { 'temporal.workflow_id': info.workflowExecution.workflowId, 'temporal.run_id': info.workflowExecution.runId } : {}),
            ...(info.workflowType ? { 'temporal.workflow_type': info.workflowType } : {}),
            ...header?.tags,
            ...idTags(input.args[0]),
          },
        });
        return inSpan(span, () => next(input), (result) => {
          for (const [k, v] of Object.entries(idTags(result))) span.setTag(k, v);
        });
      },
    },
  };
}
