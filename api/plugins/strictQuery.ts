import type { FastifyInstance, FastifySchema } from 'fastify';
import { errors } from '../schemas/errorResponses';

/** A query string that takes no parameter at all. */
const NO_PARAMETERS = { type: 'object', additionalProperties: false, properties: {} } as const;

type QuerySchema = Record<string, unknown> & { additionalProperties?: unknown };

/**
 * Every API route (`/api/...`) refuses a query parameter it does not take, with a 400 naming it and the
 * ones it accepts: a typo (`?wiat=5000`, `?stauts=failed`) otherwise answers as if the parameter had
 * not been sent, and the caller never learns why it did not wait or filter. Routes without a querystring
 * schema get one that takes none; routes with one get `additionalProperties: false`, and each such
 * route documents the 400 (OpenAPI) if it did not already.
 *
 * Probes and documentation (`/health`, `/ready`, `/openapi.json`, `/docs`) keep ignoring query strings:
 * load balancers and browsers append cache-busters there, and they take no parameters to mistype.
 * Call before the routes are registered (an onRoute hook), and before @fastify/swagger reads them.
 */
export function refuseUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const schema: FastifySchema = route.schema ?? {};
    const querystring = schema.querystring as QuerySchema | undefined;
    const response = (schema.response ?? {}) as Record<string, unknown>;
    route.schema = {
      ...schema,
      querystring: querystring ? { ...querystring, additionalProperties: false } : NO_PARAMETERS,
      ...(route.schema?.response && !('400' in response) ? { response: { ...response, ...errors([400]) } } : {}),
    };
  });
}
