import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowInboundCallsInterceptor, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';
import { idTags, tracingActivityInterceptor, tracingClientInterceptor } from '../../lib/telemetry/temporalTracing';
import { interceptors, TRACE_HEADER } from '../../workflows/interceptors';

// The wiring end to end (a real trace through a real workflow) is test/integration/tracing.e2e.test.ts;
// these pin the pieces' contracts without a tracer (dd-trace uninitialised is a no-op).

const LEAD = '6f1c2a8e-2b7d-4c1e-9a3f-0d5b8c7e6a14';
const SOURCE = '0b9d3e54-7a61-4f2c-8e1d-3c5a7b9f1e20';
const header = defaultPayloadConverter.toPayload({ carrier: { 'x-datadog-trace-id': '1' }, tags: {} });

function workflowInterceptors() {
  const made = interceptors();
  return { inbound: made.inbound![0] as WorkflowInboundCallsInterceptor, outbound: made.outbound![0] as WorkflowOutboundCallsInterceptor };
}

describe('workflow interceptor (workflows/interceptors.ts)', () => {
  test('copies the workflow start header onto activities, local activities, children and continue-as-new', async () => {
    const { inbound, outbound } = workflowInterceptors();
    await inbound.execute!({ args: [], headers: { [TRACE_HEADER]: header } }, async () => undefined);
    const seen: Headers[] = [];
    const next = async (input: { headers: Headers }) => {
      seen.push(input.headers);
      return undefined as never;
    };
    const other = { other: defaultPayloadConverter.toPayload('kept') };
    await outbound.scheduleActivity!({ headers: other } as never, next as never);
    await outbound.scheduleLocalActivity!({ headers: {} } as never, next as never);
    await outbound.startChildWorkflowExecution!({ headers: {} } as never, next as never).then(() => undefined);
    await outbound.continueAsNew!({ headers: {} } as never, next as never);
    expect(seen).toEqual([{ ...other, [TRACE_HEADER]: header }, { [TRACE_HEADER]: header }, { [TRACE_HEADER]: header }, { [TRACE_HEADER]: header }]);
  });

  test('a workflow started without the header (a schedule) schedules without one; an explicit header is not replaced', async () => {
    const { inbound, outbound } = workflowInterceptors();
    await inbound.execute!({ args: [], headers: {} }, async () => undefined);
    const seen: Headers[] = [];
    await outbound.scheduleActivity!({ headers: {} } as never, (async (input: { headers: Headers }) => seen.push(input.headers)) as never);
    expect(seen).toEqual([{}]);

    const traced = workflowInterceptors();
    await traced.inbound.execute!({ args: [], headers: { [TRACE_HEADER]: header } }, async () => undefined);
    const own = defaultPayloadConverter.toPayload({ carrier: {}, tags: {} });
    await traced.outbound.scheduleActivity!({ headers: { [TRACE_HEADER]: own } } as never, (async (input: { headers: Headers }) => seen.push(input.headers)) as never);
    expect(seen[1]).toEqual({ [TRACE_HEADER]: own });
  });

  test('each workflow run has its own header (no module state shared between runs)', async () => {
    const a = workflowInterceptors();
    const b = workflowInterceptors();
    await a.inbound.execute!({ args: [], headers: { [TRACE_HEADER]: header } }, async () => undefined);
    await b.inbound.execute!({ args: [], headers: {} }, async () => undefined);
    const seen: Headers[] = [];
    await b.outbound.scheduleActivity!({ headers: {} } as never, (async (input: { headers: Headers }) => seen.push(input.headers)) as never);
    expect(seen).toEqual([{}]);
  });
});

describe('span tags from activity and workflow arguments', () => {
  test('only the named id fields, only UUIDs: never an email, phone or name', () => {
    expect(idTags({ leadId: LEAD, sourceWorkspaceId: SOURCE, destinationWorkspaceId: 'not-a-uuid', email: 'a@b.example', firstName: 'Ann' })).toEqual({
      'lead.id': LEAD,
      source_workspace_id: SOURCE,
    });
    expect(idTags({ leadId: 'ann@example.com' })).toEqual({});
    expect(idTags('x')).toEqual({});
    expect(idTags(null)).toEqual({});
  });
});

describe('without an initialised tracer (DD_TRACE_ENABLED=false, unit tests)', () => {
  test('the client interceptor still starts the workflow, with a header carrying the lead ids', async () => {
    let headers: Headers | undefined;
    const out = await tracingClientInterceptor.startWithDetails!(
      { workflowType: 'routeLead', headers: {}, options: { workflowId: `route-lead-${LEAD}`, taskQueue: 'q', args: [{ leadId: LEAD, sourceWorkspaceId: SOURCE }] } } as never,
      async (input) => {
        headers = input.headers;
        return { runId: 'r', eagerlyStarted: false };
      },
    );
    expect(out).toEqual({ runId: 'r', eagerlyStarted: false });
    expect(defaultPayloadConverter.fromPayload(headers![TRACE_HEADER]!)).toEqual({ carrier: {}, tags: { 'lead.id': LEAD, source_workspace_id: SOURCE } });
  });

  test('the activity interceptor runs the activity, passes its failure through, and ignores an unreadable header', async () => {
    const ctx = { info: { activityType: 'decideRouting', isLocal: true, attempt: 1, workflowExecution: { workflowId: 'w', runId: 'r' }, workflowType: 'routeLead' } };
    const { inbound } = tracingActivityInterceptor(ctx as never);
    await expect(inbound!.execute!({ args: [{ leadId: LEAD }], headers: { [TRACE_HEADER]: header } }, async () => 'done')).resolves.toBe('done');
    await expect(inbound!.execute!({ args: [], headers: { [TRACE_HEADER]: { data: new TextEncoder().encode('{') } } }, async () => 'done')).resolves.toBe('done');
    const boom = new Error('boom');
    await expect(inbound!.execute!({ args: [], headers: {} }, async () => { throw boom; })).rejects.toBe(boom);
  });
});
