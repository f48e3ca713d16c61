import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../../lib/db/unavailable';
import { ApiError, type FieldProblem } from '../errors';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Set by ajv on the errors of a `propertyNames` check: the offending key. */
  propertyName?: string;
  /** The schema that failed (ajv `verbose`); `x-error-message` there says in words what is accepted. */
  parentSchema?: Record<string, unknown>;
}

/**
 * `/attributes/loanAmount` + missing `x` -> `attributes.loanAmount.x`; array items as `destinations[0]`, the
 * form every other check (rules, input sanitising) names fields in.
 */
function fieldOf(e: AjvError): string {
  const base = e.instancePath
    .split('/')
    .filter(Boolean)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg), '');
  const child = (e.params.missingProperty ?? e.params.additionalProperty ?? e.propertyName) as string | undefined;
  return [base, child].filter(Boolean).join('.') || '(root)';
}

function messageOf(e: AjvError): string {
  const own = e.parentSchema?.['x-error-message'];
  if (typeof own === 'string' && e.keyword !== 'required' && e.keyword !== 'additionalProperties') return own;
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'format' && e.params.format === 'uuid') return 'must be a UUID such as 0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b';
  if (e.keyword === 'additionalProperties') return 'is not an accepted field';
  if (e.keyword === 'type' && e.instancePath === '') return 'body must be a JSON object';
  return e.message ?? 'is invalid';
}

/** Fastify's own client errors, mapped to our stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Content-Type must be application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'body is larger than the 64 KiB limit' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'body is not valid JSON' },
};

/**
 * One error handler for the whole API: clients get a stable code, a message and field details, never a
 * stack trace or SQL; server errors are logged with their cause and answered with a generic 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    if (err.validation) {
      const details: FieldProblem[] = (err.validation as AjvError[])
        // A bad key yields two errors: the key's own (with propertyName) and a vaguer wrapper; keep the first.
        .filter((e) => e.keyword !== 'propertyNames')
        .map((e) => ({ field: fieldOf(e), message: e.propertyName ? `is not a valid key: ${messageOf(e)}` : messageOf(e) }));
      const where = err.validationContext === 'body' ? 'body' : err.validationContext ?? 'request';
      return reply.status(400).send({ error: { code: 'invalid_request', message: `invalid ${where}`, details } });
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
    if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
      return reply.status(400).send({ error: { code: 'invalid_json', message: 'body is not valid JSON' } });
    }
    if (err.statusCode === 429) {
      return reply.status(429).send({ error: { code: 'rate_limited', message: err.message } });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: { code: 'invalid_request', message: err.message } });
    }
    if (isDatabaseUnavailable(err)) {
      // The database is down or refusing connections: nothing was written (every write is one transaction),
      // so the same request can simply be sent again. Not a bug, so not a 500.
      request.log.error({ err, event: 'api.database_unavailable' }, 'database unavailable');
      return reply.status(503).header('retry-after', '5').send({ error: { code: 'database_unavailable', message: 'the database is unreachable; nothing was changed; retry the same request' } });
    }
    request.log.error({ err, event: 'api.unhandled_error' }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal_error', message: 'internal error; it has been logged' } });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}
