import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import countries from 'i18n-iso-countries';
import { BOOLEAN_MESSAGE, parseBoolean } from '../../lib/config/parsers';

/**
 * A UUID exactly as Postgres's `uuid` type reads it back and as our API prints it: 8-4-4-4-12 hex.
 * ajv-formats' `uuid` also accepts a `urn:uuid:` prefix, which Postgres refuses (issue 7, item 3), so
 * every `format: 'uuid'` in a path, query or body uses this one instead.
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An email address, including internationalized ones (RFC 6531: UTF-8 letters in the local part and the
 * domain, e.g. jürgen@example.de): ajv-formats' `email` is ASCII-only and would refuse real people. The
 * boundary has trimmed and NFC-normalized it already; lib/identity.ts normalizes it for dedupe.
 */
const EMAIL_CHAR = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[\\p{L}\\p{M}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?';
export const EMAIL = new RegExp(`^${EMAIL_CHAR}+(?:\\.${EMAIL_CHAR}+)*@(?:${LABEL}\\.)+${LABEL}$`, 'u');

/** RFC 5321 §4.5.3.1.1: at most 64 octets before the @ (UTF-8 bytes, RFC 6531 §3.3); mail servers refuse longer. */
export const MAX_EMAIL_LOCAL_PART_BYTES = 64;

/**
 * Whether the part before the last @ is at most `maxBytes` UTF-8 bytes. Text without an @ passes: it is not an
 * address at all, which the `email` format says; each check has its own message (api/schemas/lead.ts).
 */
export const localPartWithin = (maxBytes: number, s: string): boolean => {
  const at = s.lastIndexOf('@');
  return at < 0 || Buffer.byteLength(s.slice(0, at), 'utf8') <= maxBytes;
};

/**
 * A code (a state, a postal code): no format character (Unicode category Cf: zero-width joiner and space,
 * directional marks, soft hyphen, BOM …). They are invisible, and a code is compared character by character:
 * "C\u200DA" looks like CA and never equals it in a rule. Free text keeps them (lib/input/invisible.ts).
 * Checked by the schema keyword `x-code: true` (installValidators); other readers of the schemas (OpenAPI
 * tools, api/schemas/ruleLeadShape.ts) ignore an `x-` keyword quietly, where an unknown format warns.
 */
export const isCode = (s: string): boolean => !/\p{Cf}/u.test(s);

/** ISO 3166-1 alpha-2, upper case (the boundary upper-cases a lead's country before validation). */
export const isCountryCode = (s: string): boolean => /^[A-Z]{2}$/.test(s) && countries.isValid(s);

/**
 * The formats and keywords the API's schemas use (uuid, email, iso-3166-alpha-2, x-code, x-max-local-part-bytes), added to `ajv`: every
 * validator of those schemas (the API's, and api/schemas/ruleLeadShape.ts's, which must refuse in a rule what
 * the API refuses in a lead) checks them the same way.
 */
export function withLeadChecks(ajv: Ajv): Ajv {
  ajv.addFormat('uuid', UUID);
  // The address's shape and its local part's length are two checks, so a 400 says which one failed.
  ajv.addFormat('email', EMAIL);
  ajv.addKeyword({ keyword: 'x-max-local-part-bytes', type: 'string', schemaType: 'number', errors: false, validate: localPartWithin });
  ajv.addKeyword({ keyword: 'x-code', type: 'string', schemaType: 'boolean', errors: false, validate: (on: boolean, data: string) => !on || isCode(data) });
  ajv.addFormat('iso-3166-alpha-2', isCountryCode);
  return ajv;
}

/**
 * Two validators: bodies are checked strictly (no type coercion: "externalId": 123 is a 400, not "123";
 * unknown fields are rejected, not silently dropped), while query strings and params, which are always
 * text on the wire, are coerced to the declared types. `verbose` hands the error handler each failing
 * schema, so a field can say in words what it accepts (`x-error-message`) instead of showing a regex.
 */
export function installValidators(app: FastifyInstance): void {
  const common = { allErrors: true, removeAdditional: false as const, useDefaults: true, strict: false, verbose: true };
  const build = (coerceTypes: boolean) => withLeadChecks(addFormats(new Ajv({ ...common, coerceTypes })));
  const strict = build(false);
  const coercing = build(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : queryValueChecks(schema as QuerySchema, coercing.compile(schema) as Validate),
  );
}

type QuerySchema = { properties?: Record<string, { type?: unknown; minimum?: number; maximum?: number }> };

/** An example the parameter accepts: 5000 within its bounds (`limit`, at most 500, says "such as 500"). */
const exampleWithin = (p: { minimum?: number; maximum?: number }): number => Math.max(p.minimum ?? -Infinity, Math.min(p.maximum ?? Infinity, 5000));
type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };
type QueryProblem = { instancePath: string; schemaPath: string; keyword: string; params: Record<string, unknown>; message: string };

const problem = (key: string, keyword: string, message: string): QueryProblem => ({ instancePath: `/${key}`, schemaPath: `#/properties/${key}`, keyword, params: {}, message });

/**
 * Query strings and params are text on the wire; before ajv coerces them to the declared types, each value
 * the route takes is checked as written, one clear message per parameter:
 * - given more than once (`?kind=source&kind=partner` arrives as an array): one message saying so, rather than
 *   ajv's "must be string" and "must be one of …" side by side;
 * - a number must be written in decimal (`?wait=5000`): ajv's `Number(text)` also reads `0x10`, `1e2` and
 *   `" "` (as 0);
 * - a boolean is `true`/`false`/`1`/`0` in any case, read by the parser of the on/off settings
 *   (lib/config/parsers.ts parseBoolean); anything else says which spellings are accepted.
 * The schema's problems of the other parameters are answered with these (an unknown one beside a bad number).
 */
function queryValueChecks(schema: QuerySchema, validate: Validate): Validate {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return validate;
  const wrapped: Validate = (data) => {
    const query = (data ?? {}) as Record<string, unknown>;
    const errors: QueryProblem[] = [];
    for (const [key, p] of properties) {
      const value = query[key];
      if (Array.isArray(value) && p.type !== 'array') errors.push(problem(key, 'duplicate', 'is given more than once; give it once'));
      if (typeof value !== 'string') continue;
      if ((p.type === 'integer' || p.type === 'number') && !(p.type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(value)) {
        errors.push({ ...problem(key, 'decimal', `must be a decimal ${p.type === 'integer' ? 'integer' : 'number'} such as ${exampleWithin(p)}`), params: { type: p.type } });
      }
      if (p.type === 'boolean') {
        const parsed = parseBoolean(value);
        if (parsed !== undefined) query[key] = String(parsed); // the form ajv's coercion reads
        else errors.push(problem(key, 'boolean', `${BOOLEAN_MESSAGE}, in any case`));
      }
    }
    if (errors.length === 0) {
      const ok = validate(data);
      wrapped.errors = validate.errors ?? null;
      return ok;
    }
    // The schema's own problems too (an unknown parameter beside a bad number), but none about a value said above.
    // On a copy: ajv's coercion would turn `0x10` into 16 in the query itself, which a second check then accepts.
    validate({ ...query });
    const said = new Set(errors.map((e) => e.instancePath));
    const more = (validate.errors ?? []).filter((e) => !said.has(e.instancePath) && !said.has(`${e.instancePath}/${String(e.params.additionalProperty ?? e.params.missingProperty ?? '')}`));
    wrapped.errors = [...errors, ...more] as unknown as FastifySchemaValidationError[];
    return false;
  };
  return wrapped;
}
