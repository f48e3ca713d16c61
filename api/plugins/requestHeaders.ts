import type { FastifyInstance, FastifyRequest } from 'fastify';
import { reportProblems } from './inputProblems';

/** The one endpoint that honours an Idempotency-Key (api/routes/admin/signingSecret.ts). */
const HONOURED_AT = 'POST /api/admin/workspaces/:id/signing-secret';

/**
 * Why a POST refuses an Idempotency-Key, by route: the header is a promise that a repeat is safe, and a route
 * that does not keep it would rotate, create or retry twice while the client believes it did once.
 */
const REFUSALS: Record<string, string> = {
  '/api/admin/workspaces/:id/api-key':
    'is not accepted here: an API key is shown once and stored hashed, so a repeat cannot answer with the same key; ' +
    'if an answer was lost, rotate again: the key of the last answer is the one that works',
};
const DEFAULT_REFUSAL = `is not honoured by this endpoint (a repeat is not recognised as one; only ${HONOURED_AT} takes it): send the request without it`;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by refuseMeaninglessHeaders: why this route answers 400 to an Idempotency-Key header. */
    idempotencyKeyRefusal?: string;
  }
}

/** How many times a header (lower-case name) came in the request: Node joins or drops repeats in `headers`. */
export function timesGiven(request: FastifyRequest, name: string): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) count++;
  return count;
}

/**
 * Headers that would be read wrongly, refused with an answer naming them (API routes, `/api/...`, only):
 * - two `Idempotency-Key` headers: Node joins them as "k1, k2", which the key's format then refused as if it had
 *   a space in it. 400 saying it was given twice, as query parameters do;
 * - an `Idempotency-Key` on an admin POST that does not honour it (every one but the signing-secret rotation):
 *   400 saying why, rather than a silent second rotation or creation when the client repeats the request.
 * The 400s come after authentication (preValidation): an unauthenticated caller learns nothing about them. On an
 * admin write they are answered with the request's other problems (api/plugins/inputProblems.ts).
 * (Two `Authorization` headers are a malformed credential, answered 401 by authentication: api/plugins/auth.ts.)
 * Call before the routes are registered (an onRoute hook).
 */
export function refuseMeaninglessHeaders(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    if (!methods.includes('POST') || !route.url.startsWith('/api/admin/')) return;
    const headers = route.schema?.headers as { properties?: Record<string, unknown> } | undefined;
    if (headers?.properties?.['idempotency-key']) return;
    route.config = { ...(route.config ?? {}), idempotencyKeyRefusal: REFUSALS[route.url] ?? DEFAULT_REFUSAL };
  });
  app.addHook('preValidation', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const given = timesGiven(request, 'idempotency-key');
    if (given === 0) return;
    const refusal = request.routeOptions.config?.idempotencyKeyRefusal;
    if (refusal) reportProblems(request, 'invalid headers', [{ field: 'idempotency-key', message: refusal }]);
    else if (given > 1) reportProblems(request, 'invalid headers', [{ field: 'idempotency-key', message: 'is given more than once; give it once' }]);
  });
}
