import tracer from 'dd-trace';
import { datadogTraceSettingsValid, envSetting } from '../config/parsers';

/**
 * dd-trace, the APM half of telemetry (DESIGN §9, issue 8 §1/§3). A process initialises it once, first
 * thing (api/server.ts and workers/main.ts import ./initApi or ./initWorker before anything else), so that
 * its auto-instrumentation wraps fastify, http, fetch, pg, knex, grpc and pino as they are loaded.
 *
 * Configuration is dd-trace's own environment (DD_AGENT_HOST, DD_TRACE_AGENT_PORT / DD_TRACE_AGENT_URL,
 * DD_SERVICE, DD_ENV, DD_VERSION, DD_TRACE_ENABLED=false ...); this module only supplies defaults for
 * what the environment leaves unset, so an explicit setting always wins:
 *  - the service name (`lead-router-api` / `lead-router-worker`), exported as DD_SERVICE so log lines
 *    and metrics name the same service as the traces;
 *  - no startup banner: without an agent dd-trace drops what it cannot send, silently;
 *  - no query strings in spans (`http.url`): a caller decides what a query string carries, an email included.
 *    The path of an incoming request is reduced to its route pattern below, for the same reason.
 * Log lines written inside a span carry `dd.trace_id` / `dd.span_id` (dd-trace's pino integration,
 * log injection on by default; DD_LOGS_INJECTION=false turns it off).
 */
let initialised = false;
const PROBES = /^\/(health|ready)(\?|$)/;

export function initTracer(defaultService: string): typeof tracer {
  if (initialised) return tracer;
  initialised = true;
  const env = process.env;
  // Blank is unset, as for every setting (envSetting): a blank obfuscation pattern must not mean "keep query strings".
  env.DD_SERVICE = envSetting(env, 'DD_SERVICE') ?? defaultService;
  env.DD_TRACE_STARTUP_LOGS = envSetting(env, 'DD_TRACE_STARTUP_LOGS') ?? 'false';
  env.DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP = envSetting(env, 'DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP') ?? '.*'; // '.*': the whole query string is dropped
  // A bad documented setting (DD_TRACE_AGENT_PORT=abc): not initialised with it; loadConfig then refuses to
  // start, naming the variable (lib/config/parsers.ts datadogTraceSettings).
  if (!datadogTraceSettingsValid(env)) return tracer;
  tracer.init();
  // Incoming requests: the URL as its route pattern (`/api/leads/:id`), never the path a caller sent; the
  // load balancer's and orchestrator's probes (/health, /ready every few seconds) are not traced.
  const server = { blocklist: [PROBES], hooks: { request: scrubServerUrl } };
  tracer.use('fastify', server);
  // Outgoing deliveries: no trace headers to the buyers, who are third parties; and their URL as its origin
  // only: webhook URLs often carry a token in the path (…/hooks/catch/123/<token>).
  const client = { propagationBlocklist: [/.*/], hooks: { request: scrubClientUrl } };
  tracer.use('http', { server, client });
  tracer.use('fetch', client);
  // Spans that only repeat their parent: a TCP connect or DNS lookup under every new pg / HTTP connection,
  // and the HTTP/2 request under each Temporal gRPC call. About a tenth of a lead's spans, none telling.
  for (const plugin of ['net', 'dns', 'http2'] as const) tracer.use(plugin, false);
  return tracer;
}

/**
 * Sends the finished spans dd-trace still holds (it sends every 2 s, DD_TRACE_FLUSH_INTERVAL, and on a natural
 * exit, but not on process.exit()). For a clean shutdown: the last requests' traces are not lost. Always
 * resolves within `timeoutMs`; never fails (no agent: nothing to wait for). Reaches into dd-trace's exporter,
 * which has no public flush for traces.
 */
export function flushTraces(timeoutMs = 2_000): Promise<void> {
  const exporter = (tracer as unknown as { _tracer?: { _exporter?: { flush?: (done: () => void) => void } } })._tracer?._exporter;
  const flush = exporter?.flush;
  if (typeof flush !== 'function') return Promise.resolve();
  return new Promise<void>((resolve) => {
    // Not unref()'d: when the exporter never calls back and nothing else is pending, an unref()'d timer let the
    // event loop empty with this promise unsettled, so a process awaiting it exited 0 without printing its error.
    const timer = setTimeout(resolve, timeoutMs);
    try {
      flush.call(exporter, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

type Span = NonNullable<ReturnType<ReturnType<typeof tracer.scope>['active']>>;
/** dd-trace's span context reads its tags back (not in the public types). */
type TagReader = { getTag?(key: string): unknown };

/**
 * `http.url` of a server span, just before it finishes: scheme, host and the route pattern that dd-trace
 * has recorded as `http.route` by then (the same words as the span's resource), or no path at all.
 */
function scrubServerUrl(span?: Span): void {
  const context = span?.context() as TagReader | undefined;
  if (!span || typeof context?.getTag !== 'function') return;
  const url = context.getTag('http.url');
  if (typeof url !== 'string') return;
  const route = context.getTag('http.route');
  let origin = '';
  try {
    origin = new URL(url).origin;
  } catch {
    // not absolute: the route alone
  }
  span.setTag('http.url', `${origin}${typeof route === 'string' ? route : '/(no route)'}`);
}

/** `http.url` of an outgoing request (a delivery to a buyer): scheme and host only. */
function scrubClientUrl(span?: Span): void {
  const context = span?.context() as TagReader | undefined;
  if (!span || typeof context?.getTag !== 'function') return;
  const url = context.getTag('http.url');
  if (typeof url !== 'string') return;
  try {
    span.setTag('http.url', new URL(url).origin);
  } catch {
    span.setTag('http.url', '(unparsable)');
  }
}

export { tracer };
