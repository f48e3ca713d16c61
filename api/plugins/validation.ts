import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import countries from 'i18n-iso-countries';

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

/** ISO 3166-1 alpha-2, upper case (the boundary upper-cases a lead's country before validation). */
export const isCountryCode = (s: string): boolean => /^[A-Z]{2}$/.test(s) && countries.isValid(s);

/**
 * Two validators: bodies are checked strictly (no type coercion: "externalId": 123 is a 400, not "123";
 * unknown fields are rejected, not silently dropped), while query strings and params, which are always
 * text on the wire, are coerced to the declared types. `verbose` hands the error handler each failing
 * schema, so a field can say in words what it accepts (`x-error-message`) instead of showing a regex.
 */
export function installValidators(app: FastifyInstance): void {
  const common = { allErrors: true, removeAdditional: false as const, useDefaults: true, strict: false, verbose: true };
  const build = (coerceTypes: boolean) => {
    const ajv = addFormats(new Ajv({ ...common, coerceTypes }));
    ajv.addFormat('uuid', UUID);
    ajv.addFormat('email', EMAIL);
    ajv.addFormat('iso-3166-alpha-2', isCountryCode);
    return ajv;
  };
  const strict = build(false);
  const coercing = build(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : decimalNumbersOnly(schema as QuerySchema, coercing.compile(schema) as Validate),
  );
}

type QuerySchema = { properties?: Record<string, { type?: unknown; minimum?: number; maximum?: number }> };

/** An example the parameter accepts: 5000 within its bounds (`limit`, at most 500, says "such as 500"). */
const exampleWithin = (p: { minimum?: number; maximum?: number }): number => Math.max(p.minimum ?? -Infinity, Math.min(p.maximum ?? Infinity, 5000));
type Validate = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

/**
 * Query strings and params are coerced by ajv with `Number(text)`, which also reads `0x10`, `1e2` and
 * `" "` (as 0): a number there must be written in decimal (`?wait=5000`), checked before coercion.
 */
function decimalNumbersOnly(schema: QuerySchema, validate: Validate): Validate {
  const numeric = Object.entries(schema.properties ?? {}).filter(([, p]) => p.type === 'integer' || p.type === 'number');
  if (numeric.length === 0) return validate;
  const wrapped: Validate = (data) => {
    const query = (data ?? {}) as Record<string, unknown>;
    const errors = numeric
      .filter(([key, p]) => typeof query[key] === 'string' && !(p.type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(query[key] as string))
      .map(([key, p]) => ({ instancePath: `/${key}`, schemaPath: `#/properties/${key}/type`, keyword: 'decimal', params: { type: p.type as string }, message: `must be a decimal ${p.type === 'integer' ? 'integer' : 'number'} such as ${exampleWithin(p)}` }));
    if (errors.length > 0) {
      wrapped.errors = errors;
      return false;
    }
    const ok = validate(data);
    wrapped.errors = validate.errors ?? null;
    return ok;
  };
  return wrapped;
}
