import type { FastifyInstance } from 'fastify';
import { CONFLICTING, oneValue } from './headerValues';
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
    /** Set by refuseMeaninglessHeaders: this route's schema takes an Idempotency-Key (it reads it). */
    readsIdempotencyKey?: boolean;
  }
}

/**
 * The rule for a header given more than once (each copy a header line of its own): it is refused only where the
 * route reads it. Two copies with one value are that value; copies that differ are a 400 naming the header (which
 * one was meant is unknown). A route that does not read a header ignores it, however often it comes: two
 * Idempotency-Key headers on POST /api/leads/route cost the partner its lead before (that route never reads one).
 * Here, for `Idempotency-Key` (API routes, `/api/...`, only):
 * - on the route whose schema takes it (the signing-secret rotation): copies that differ are a 400 naming it (Node
 *   joins them as "k1, k2", which the key's format then refused as if it had a space in it); copies that agree
 *   are one key, handed to the schema as such;
 * - on an admin POST that does not honour it (every one but the signing-secret rotation): refused however often it
 *   comes, saying why, rather than a silent second rotation or creation when the client repeats the request;
 * - anywhere else: not read, so ignored.
 * The 400s come after authentication (preValidation): an unauthenticated caller learns nothing about them. On an
 * admin write they are answered with the request's other problems (api/plugins/inputProblems.ts).
 * The same rule elsewhere: `Authorization` on authenticated routes (api/plugins/auth.ts; copies that differ are a
 * 401 there, counted as a failed authentication), `Content-Type` where a body is parsed (api/plugins/jsonBody.ts).
 * Call before the routes are registered (an onRoute hook).
 */
export function refuseMeaninglessHeaders(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const headers = route.schema?.headers as { properties?: Record<string, unknown> } | undefined;
    if (headers?.properties?.['idempotency-key']) {
      route.config = { ...(route.config ?? {}), readsIdempotencyKey: true };
      return;
    }
    const methods = ([] as string[]).concat(route.method);
    if (!methods.includes('POST') || !route.url.startsWith('/api/admin/')) return;
    route.config = { ...(route.config ?? {}), idempotencyKeyRefusal: REFUSALS[route.url] ?? DEFAULT_REFUSAL };
  });
  app.addHook('preValidation', async (request) => {
    const config = request.routeOptions.config;
    if (!config?.idempotencyKeyRefusal && !config?.readsIdempotencyKey) return; // the header is not read here
    const key = oneValue(request, 'idempotency-key');
    if (key.value === undefined && !key.conflicting) return;
    if (config.idempotencyKeyRefusal) reportProblems(request, 'invalid headers', [{ field: 'idempotency-key', message: config.idempotencyKeyRefusal }]);
    else if (key.conflicting) reportProblems(request, 'invalid headers', [{ field: 'idempotency-key', message: CONFLICTING }]);
    else request.headers = { ...request.headers, 'idempotency-key': key.value }; // not Node's "k1, k1"
  });
}
