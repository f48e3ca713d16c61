import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import crypto from 'node:crypto';
import type { Writable } from 'node:stream';
import pino from 'pino';
import { Admission } from '../lib/admission/admission';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/createDb';
import { loggerOptions } from '../lib/logger';
import { ApiError, rateLimitText } from './errors';
import { createAuthHooks, type AuthHooks } from './plugins/auth';
import { handleClientError } from './plugins/clientErrors';
import { installErrorHandler } from './plugins/errorHandler';
import { collectInputProblems } from './plugins/inputProblems';
import { installJsonBodyParser } from './plugins/jsonBody';
import { refuseBodiesOfReads } from './plugins/noBodyOnReads';
import { refuseMeaninglessHeaders } from './plugins/requestHeaders';
import { registerOpenApi } from './plugins/openapi';
import { refuseUnknownQueryParameters } from './plugins/strictQuery';
import { installValidators } from './plugins/validation';
import { adminLeadRoutes } from './routes/admin/leads';
import type { LeadHandOff } from '../lib/routing/leadHandOff';
import { adminRuleRoutes } from './routes/admin/rules';
import { adminSloRoutes } from './routes/admin/slo';
import { adminWorkspaceRoutes } from './routes/admin/workspaces';
import { healthRoutes } from './routes/health';
import { leadRoutes } from './routes/leads';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Config;
  /**
   * Admission control shared with this process's starter loop (api/server.ts, workers/combined.ts).
   * Unset (tests, tools): no starter loop behind the gateway, so no bound either: each lead's request
   * starts its workflow at once (a failed start leaves it for the retry of the same request).
   */
  admission?: Admission;
  /** The routing activities of this same process (the combined mode): new leads are handed to them in memory. */
  leadHandOff?: LeadHandOff;
}

/** What route modules get: the app's dependencies and the onRequest hooks of each kind of caller. */
export interface RouteDeps extends AppDeps {
  auth: AuthHooks;
  admission: Admission;
}

export const BODY_LIMIT_BYTES = 64 * 1024;

const REQUEST_ID = /^[0-9A-Fa-f][0-9A-Fa-f-]{7,63}$/;

/** Fastify's own default, stated: longer than common load balancers' idle timeouts (60 s). */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Headers are a few hundred bytes: a client still sending them after 10 s is stalling (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Node's http.Server timeouts (ms) around the request timeout: the headers' own (no longer than the request's,
 * which Node requires), and how often Node checks both. Node checks every 30 s by default, so a stalled
 * request would live up to 30 s past its timeout; every second costs one walk over the open connections.
 */
function httpServerTimeouts(requestTimeoutMs: number) {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
  };
}

/** Config's TRUST_PROXY in Fastify's terms: a hop count becomes "trust the first n hops". */
function trustProxy(setting: Config['TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === undefined) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}

/**
 * A request as a log line shows it: the route pattern (`/api/leads/:id`), never the URL, whose path and
 * query string can carry whatever a partner put there, an email included.
 */
function requestLogView(request: FastifyRequest) {
  return { method: request.method, route: request.routeOptions?.url ?? '(no route)', remoteAddress: request.ip };
}

/**
 * The HTTP gateway as a Fastify instance, built from its dependencies so tests drive it with
 * `app.inject` against the real Postgres and Temporal. server.ts only adds listen() and signals.
 */
export async function buildApp(
  deps: AppDeps,
  opts: { logger?: boolean; /** Where log lines go instead of stdout (tests read them). */ logStream?: Writable } = {},
): Promise<FastifyInstance> {
  const baseLog = loggerOptions(deps.config.LOG_LEVEL);
  const logOptions = { ...baseLog, serializers: { ...baseLog.serializers, req: requestLogView } };
  const app = Fastify({
    ...(opts.logStream
      ? { loggerInstance: pino(logOptions, opts.logStream) as FastifyBaseLogger }
      : { logger: opts.logger === false ? false : logOptions }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Slow-body clients: Fastify's default (0) lets a request whose body stops arriving hold its connection
    // for good. After HTTP_REQUEST_TIMEOUT_MS (headers and body) Node answers 408 and closes the connection.
    requestTimeout: deps.config.HTTP_REQUEST_TIMEOUT_MS,
    http: httpServerTimeouts(deps.config.HTTP_REQUEST_TIMEOUT_MS),
    // Kept above a load balancer's idle timeout (AWS ALB: 60 s), so the balancer, not us, closes an idle
    // keep-alive connection: otherwise it may send a request down one we are closing, and answer 502.
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // `/api/admin/workspaces/` is the list, as without the slash: otherwise it matched `/api/admin/workspaces/:id`
    // with an empty id (a 400 naming `id`). Every path answers with or without one trailing slash.
    routerOptions: { ignoreTrailingSlash: true },
    // Ids in logs correlate a request with its lead's workflow. A caller's X-Request-Id is honoured only
    // when it looks like an id (hex / UUID, ≤ 64): a free-text header would put whatever it says, a name
    // or 100 KB, into every log line of the request.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    // Behind a load balancer the client address (the failed-authentication throttle's key) is in
    // X-Forwarded-For; TRUST_PROXY says which hops to believe (Fastify's `trustProxy`).
    trustProxy: trustProxy(deps.config.TRUST_PROXY),
    // Requests Node's parser refuses (headers too large: 431, too slow: 408) in the API's error shape too.
    clientErrorHandler: handleClientError,
    // Malformed URLs (bad percent-encoding, over-long ids) in the API's error shape, not Fastify's.
    frameworkErrors: (err, _request, reply) => {
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const message = `the URL is not valid: ${status === 414 ? 'a path parameter is too long' : 'bad percent-encoding'}`;
      void (reply as FastifyReply).status(status).send({ error: { code: 'invalid_request', message } });
    },
  });
  // JSON only: Fastify also parses text/plain by default, which would turn a wrong Content-Type into a
  // confusing schema error instead of a clear 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app, BODY_LIMIT_BYTES);
  installValidators(app);
  refuseUnknownQueryParameters(app);
  refuseBodiesOfReads(app);
  refuseMeaninglessHeaders(app);
  collectInputProblems(app); // after the hooks above: it reads the route config they set
  installErrorHandler(app);

  // Limits run only where a route asks for them (api/plugins/auth.ts): after the failed-authentication
  // throttle and authentication, so each caller is limited as itself. Health checks have none.
  await app.register(rateLimit, {
    global: false,
    timeWindow: '1 minute',
    // `context.after` is the time left in the window, not the window ("2 requests per 26 seconds"): say the
    // window (timeWindow above), and the wait as the Retry-After header's number (the plugin's ceil(ttl / 1000)).
    errorResponseBuilder: (_request, context) => new ApiError(429, 'rate_limited', rateLimitText(context.max, Math.ceil(context.ttl / 1000))),
  });
  const admission = deps.admission ?? Admission.fromConfig(deps.config, { db: deps.db, temporal: deps.temporal, log: app.log, bounded: false });
  const routeDeps = { ...deps, admission, auth: createAuthHooks(app, deps) };

  await registerOpenApi(app); // before the routes: it documents them as they are added
  healthRoutes(app, deps);
  leadRoutes(app, routeDeps);
  adminWorkspaceRoutes(app, routeDeps);
  adminRuleRoutes(app, routeDeps);
  adminLeadRoutes(app, routeDeps);
  adminSloRoutes(app, routeDeps);
  return app;
}
