import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import crypto from 'node:crypto';
import type { Writable } from 'node:stream';
import pino from 'pino';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/createDb';
import { loggerOptions } from '../lib/logger';
import { ApiError } from './errors';
import { createAuthHooks, type AuthHooks } from './plugins/auth';
import { installErrorHandler } from './plugins/errorHandler';
import { installJsonBodyParser } from './plugins/jsonBody';
import { registerOpenApi } from './plugins/openapi';
import { installValidators } from './plugins/validation';
import { adminLeadRoutes } from './routes/admin/leads';
import { adminRuleRoutes } from './routes/admin/rules';
import { adminWorkspaceRoutes } from './routes/admin/workspaces';
import { healthRoutes } from './routes/health';
import { leadRoutes } from './routes/leads';

export interface AppDeps {
  db: Db;
  temporal: Client;
  config: Config;
}

/** What route modules get: the app's dependencies and the onRequest hooks of each kind of caller. */
export interface RouteDeps extends AppDeps {
  auth: AuthHooks;
}

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The HTTP gateway as a Fastify instance, built from its dependencies so tests drive it with
 * `app.inject` against the real Postgres and Temporal. server.ts only adds listen() and signals.
 */
export async function buildApp(
  deps: AppDeps,
  opts: { logger?: boolean; /** Where log lines go instead of stdout (tests read them). */ logStream?: Writable } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logStream
      ? { loggerInstance: pino(loggerOptions(deps.config.LOG_LEVEL), opts.logStream) as FastifyBaseLogger }
      : { logger: opts.logger === false ? false : loggerOptions(deps.config.LOG_LEVEL) }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Ids in logs correlate a request with its lead's workflow; honour a caller's X-Request-Id.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  });
  // JSON only: Fastify also parses text/plain by default, which would turn a wrong Content-Type into a
  // confusing schema error instead of a clear 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app, BODY_LIMIT_BYTES);
  installValidators(app);
  installErrorHandler(app);

  // Limits run only where a route asks for them (api/plugins/auth.ts): after the failed-authentication
  // throttle and authentication, so each caller is limited as itself. Health checks have none.
  await app.register(rateLimit, {
    global: false,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) => new ApiError(429, 'rate_limited', `rate limit of ${context.max} requests per ${context.after} exceeded`),
  });
  const routeDeps = { ...deps, auth: createAuthHooks(app, deps) };

  await registerOpenApi(app); // before the routes: it documents them as they are added
  healthRoutes(app, deps);
  leadRoutes(app, routeDeps);
  adminWorkspaceRoutes(app, routeDeps);
  adminRuleRoutes(app, routeDeps);
  adminLeadRoutes(app, routeDeps);
  return app;
}
