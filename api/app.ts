import rateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import crypto from 'node:crypto';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/createDb';
import { loggerOptions } from '../lib/logger';
import { bearerToken } from './plugins/auth';
import { installErrorHandler } from './plugins/errorHandler';
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

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The HTTP gateway as a Fastify instance, built from its dependencies so tests drive it with
 * `app.inject` against the real Postgres and Temporal. server.ts only adds listen() and signals.
 */
export async function buildApp(deps: AppDeps, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(deps.config.LOG_LEVEL),
    bodyLimit: BODY_LIMIT_BYTES,
    // Ids in logs correlate a request with its lead's workflow; honour a caller's X-Request-Id.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  });
  // JSON only: Fastify also parses text/plain by default, which would turn a wrong Content-Type into a
  // confusing schema error instead of a clear 415.
  app.removeContentTypeParser('text/plain');
  installValidators(app);
  installErrorHandler(app);

  await app.register(rateLimit, {
    max: deps.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: '1 minute',
    // Per credential (hashed, so keys never sit in memory as map keys), falling back to the client address.
    keyGenerator: (request) => {
      const token = bearerToken(request);
      return token ? crypto.createHash('sha256').update(token).digest('hex') : request.ip;
    },
    allowList: (request) => request.url === '/health' || request.url === '/ready',
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      code: 'rate_limited',
      message: `rate limit of ${context.max} requests per ${context.after} exceeded`,
    }),
  });

  healthRoutes(app, deps);
  leadRoutes(app, deps);
  adminWorkspaceRoutes(app, deps);
  adminRuleRoutes(app, deps);
  adminLeadRoutes(app, deps);
  return app;
}
