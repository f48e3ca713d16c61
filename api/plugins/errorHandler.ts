import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../../lib/db/unavailable';
import { ApiError, countOf, inPathOrder, type FieldProblem } from '../errors';
import { EXPLAINERS } from '../schemas/explain';
import { collectRouteMethods } from './methodNotAllowed';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Set by ajv on the errors of a `propertyNames` check: the offending key. */
  propertyName?: string;
  /**
   * The schema that failed (ajv `verbose`); `x-error-message` there says in words what is accepted: a
   * string for every keyword but type/required/additionalProperties, or an object per keyword.
   */
  parentSchema?: Record<string, unknown>;
  /** The value that failed (ajv `verbose`). */
  data?: unknown;
}

/** `/attributes/loanAmount` -> `attributes.loanAmount`; array items as `destinations[0]`, the form every other check names fields in. */
function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg), '');
}

/**
 * The field a problem names: the path, plus a missing or unknown field's name (`attributes.loanAmount.x`).
 * A problem in a key (propertyNames), and an unknown field whose name is empty, name the object that holds
 * the key; the message then names the key (keyProblem), since `attributes.a.b` would read as a nested path.
 */
function fieldOf(e: AjvError): string {
  const base = pathOf(e.instancePath);
  const child = e.propertyName !== undefined ? undefined : ((e.params.missingProperty ?? e.params.additionalProperty) as string | undefined);
  return [base, child].filter(Boolean).join('.') || '(root)';
}

/**
 * A problem in an object's key, said the same way for every key: `key "a.b" …`, and for the empty key
 * `an empty key in attributes …` (lib/input/sanitize.ts words its key problems the same way).
 */
export function keyProblem(holder: string, key: string, problem: string): string {
  return key === '' ? `an empty key in ${holder || 'the body'} ${problem}` : `key ${JSON.stringify(key)} ${problem}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  object: 'a JSON object',
  array: 'an array',
  null: 'null',
};

/** ajv's `type` param (`'string'` or `['string', 'number']`) in words: "a string, a number or a boolean". */
function typeInWords(type: unknown): string {
  const names = ([] as unknown[]).concat(type).map((t) => TYPE_NAMES[String(t)] ?? String(t));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? 'of another type');
}

/** Count keywords as words: [at least / at most, what is counted]. */
const COUNT_LIMITS: Record<string, [string, string]> = {
  minItems: ['at least', 'item'], maxItems: ['at most', 'item'], minProperties: ['at least', 'field'], maxProperties: ['at most', 'field'],
};

/**
 * What a field's own `x-error-message` cannot say: a wrong JSON type ("phone": 4155552671 must be a string,
 * not "has characters that are not accepted"), a missing or unknown field, and lengths, which are
 * counted in Unicode code points of the text as stored: bodies are NFC-normalized first (api/plugins/jsonBody.ts),
 * and a few letters (क़, U+0958) become two code points in NFC.
 */
function messageOf(e: AjvError, where: string): string {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') {
    if (where !== 'querystring') return 'is not an accepted field';
    const accepted = Object.keys((e.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
    return `is not a query parameter of this endpoint (${accepted.length > 0 ? `accepted: ${accepted.join(', ')}` : 'it takes none'})`;
  }
  if (e.keyword === 'type') return e.instancePath === '' && where === 'body' ? 'body must be a JSON object' : `must be ${typeInWords(e.params.type)}`;
  const counted = where === 'body' ? ' (Unicode characters, counted after NFC normalization)' : '';
  // A field whose value says best what is wrong with it (`x-explain`: a delivery URL's port, a bad percent-escape).
  const explainer = e.parentSchema?.['x-explain'];
  const explain = typeof explainer === 'string' && Object.hasOwn(EXPLAINERS, explainer) ? EXPLAINERS[explainer] : undefined;
  const explained = explain && typeof e.data === 'string' ? explain(e.data) : undefined;
  if (explained) return explained;
  // A field's words for what it accepts: one message, or one per keyword ({ pattern: '…' }).
  const declared = e.parentSchema?.['x-error-message'];
  const own = typeof declared === 'object' && declared !== null ? (declared as Record<string, unknown>)[e.keyword] : declared;
  if (typeof own === 'string') return own;
  if (e.keyword === 'maxLength') return `must be at most ${countOf(Number(e.params.limit), 'character')}${counted}`;
  if (e.keyword === 'minLength') return e.params.limit === 1 ? 'must not be empty' : `must be at least ${countOf(Number(e.params.limit), 'character')}${counted}`;
  // ajv says "must NOT have fewer than 1 items": counts in words, singular for 1.
  const limit = COUNT_LIMITS[e.keyword];
  if (limit) return `must have ${limit[0]} ${countOf(Number(e.params.limit), limit[1])}`;
  if (e.keyword === 'format' && e.params.format === 'uuid') return 'must be a UUID such as 0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b';
  // ajv says only "must be equal to one of the allowed values": name them (op, distribution, kind, status ...).
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
  return e.message ?? 'is invalid';
}

/** messageOf, for a problem in a key said as keyProblem says it. */
function messageFor(e: AjvError, where: string): string {
  if (e.propertyName !== undefined) return keyProblem(pathOf(e.instancePath), e.propertyName, `is not accepted: ${messageOf(e, where)}`);
  if (e.keyword === 'additionalProperties' && e.params.additionalProperty === '') return keyProblem(pathOf(e.instancePath) || (where === 'body' ? '' : `the ${where}`), '', messageOf(e, where));
  return messageOf(e, where);
}

/** One detail per field and message: a value that fails two checks sharing one `x-error-message` says it once. */
function distinct(details: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return details.filter((d) => {
    const key = `${d.field}\u0000${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/**
 * A schema validator's errors (ajv's, or the query checks' of ./validation.ts) as a 400's details: one per field
 * and message, each naming its field (`destinations[0].weight`, `idempotency-key`), in the order found.
 * `where` is the request part checked: body, params, querystring or headers.
 */
export function schemaDetails(errors: readonly unknown[], where: string): FieldProblem[] {
  return distinct(
    (errors as AjvError[])
      // A bad key yields two errors: the key's own (with propertyName) and a vaguer wrapper; keep the first.
      .filter((e) => e.keyword !== 'propertyNames')
      .map((e) => ({ field: fieldOf(e), message: messageFor(e, where) })),
  );
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
 * One error handler for the whole API: clients get a stable code, a message and field details (in path order:
 * api/errors.ts inPathOrder), never a stack trace or SQL; server errors are logged with their cause and answered with a generic 500.
 */
export function installErrorHandler(app: FastifyInstance): void {
  const routeMethods = collectRouteMethods(app);
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.headers) void reply.headers(err.headers);
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: inPathOrder(err.details) } : {}) } });
    }
    if (err.validation) {
      const where = err.validationContext ?? 'request';
      const details = inPathOrder(schemaDetails(err.validation, where));
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

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routeMethods.allowedAt(path);
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({ error: { code: 'method_not_allowed', message: `${request.method} is not served at ${path}; allowed: ${allowed.join(', ')}` } });
    }
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${path}` } });
  });
}
