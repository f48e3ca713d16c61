/**
 * Run in its own process by test/unit/temporalTracingLinks.test.ts (dd-trace stays a no-op inside jest's
 * module sandbox): initialises the real tracer, starts a workflow through the client interceptor from inside
 * a non-request span, and prints what the start's span looked like as one JSON line.
 */
import { initTracer } from '../../../lib/telemetry/tracer';
const tracer = initTracer('lead-router-probe');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the tracer, as the processes do
const { tracingClientInterceptor } = require('../../../lib/telemetry/temporalTracing') as typeof import('../../../lib/telemetry/temporalTracing');
const { TRACE_HEADER } = require('../../../workflows/interceptors') as typeof import('../../../workflows/interceptors'); // eslint-disable-line @typescript-eslint/no-require-imports

const LEAD = '6f1c2a8e-2b7d-4c1e-9a3f-0d5b8c7e6a14';

async function main() {
  let result: Record<string, unknown> = {};
  await tracer.trace('temporal.activity', async (caller) => {
    const input = { headers: {}, workflowType: 'routeLead', options: { workflowId: `route-lead-${LEAD}`, taskQueue: 'q', args: [{ leadId: LEAD }] } };
    try {
      await tracingClientInterceptor.startWithDetails!(input as never, (async (withHeaders: { headers: Record<string, unknown> }) => {
        const span = tracer.scope().active()!;
        result = {
          header: TRACE_HEADER in withHeaders.headers,
          ownTrace: span.context().toTraceId() !== caller.context().toTraceId(),
          linkedToCaller: (span as unknown as { _links: Array<{ context: { toTraceId(): string } }> })._links.map((l) => l.context.toTraceId()).includes(caller.context().toTraceId()),
        };
        return { runId: 'r', eagerlyStarted: false };
      }) as never);
    } catch (err) {
      result = { threw: String(err) };
    }
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
void main();
