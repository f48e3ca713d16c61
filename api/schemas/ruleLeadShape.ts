import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { trimInvisible } from '../../lib/input/invisible';
import type { LeadShape } from '../../lib/rules/neverMatches';
import { MAX_EMAIL_LOCAL_PART_BYTES, withLeadChecks } from '../plugins/validation';
import { leadBodySchema } from './lead';

/**
 * The lead as rules see it (lib/rules/neverMatches.ts), derived from the lead schema itself so the two
 * cannot drift: every top-level field but `attributes` is a string that passed its schema after the
 * gateway's normalisation (api/leadInput.ts: trimmed, country upper-cased), and `attributes` is an object
 * of scalars whose names follow the schema's propertyNames pattern. A rule value a field's schema refuses
 * is one no stored lead holds there.
 */
const ajv = withLeadChecks(addFormats(new Ajv({ strict: false })));

/** Why a field can never hold a value, in words (the schema's own messages speak of a lead, not a rule). */
const DESCRIPTIONS: Record<string, string> = {
  country: 'country is an upper-case ISO 3166-1 alpha-2 code, e.g. US',
  email: 'email is an email address such as jane@example.com, at most 64 bytes before the @',
  phone: 'phone is 3-40 characters: digits, +, spaces, dots, dashes and parentheses',
};

/**
 * Where a field's value fails one of several checks, each said on its own (by the failing schema keyword), as the
 * lead's 400 says them: an email that is not an address at all, and one whose local part is too long, are told apart.
 */
const BY_CHECK: Record<string, Record<string, (value: string) => string>> = {
  email: {
    format: () => 'email is an email address such as jane@example.com (a local part, one @, then a domain with a dot), and this is not one',
    'x-max-local-part-bytes': (value) =>
      `email has at most ${MAX_EMAIL_LOCAL_PART_BYTES} bytes before the @ (RFC 5321; in UTF-8 a letter such as ü or ж takes 2), and this has ${Buffer.byteLength(value.slice(0, value.lastIndexOf('@')), 'utf8')}`,
    maxLength: (value) => `email is at most 254 characters, and this has ${[...value].length}`,
  },
};

type FieldSchema = { type?: unknown; maxLength?: number; 'x-code'?: boolean };

function stringField(name: string, schema: FieldSchema): (value: string) => string | undefined {
  const valid = ajv.compile(schema);
  const description = DESCRIPTIONS[name]
    ?? `${name} is 1-${schema.maxLength ?? 'any number of'} characters on one line${schema['x-code'] ? ', without invisible format characters (a code)' : ''}`;
  return (value) => {
    if (trimInvisible(value) !== value) return `${name} is trimmed of whitespace and invisible characters at both ends`;
    if (valid(value)) return undefined;
    const keyword = valid.errors?.[0]?.keyword;
    const byCheck = keyword === undefined ? undefined : BY_CHECK[name]?.[keyword];
    return byCheck ? byCheck(value) : description;
  };
}

const properties = leadBodySchema.properties as Record<string, FieldSchema>;

/**
 * The key of a field path that the JSON body parser refuses anywhere in a body (api/plugins/jsonBody.ts,
 * lib/input/sanitize.ts: `__proto__`, and `constructor` holding a `prototype`), or undefined. Field paths are
 * already `name(.name)*` (lib/rules/validate.ts), so no empty segment reaches here.
 */
function refusedKey(segments: readonly string[]): string | undefined {
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === '__proto__') return '__proto__';
    if (segments[i] === 'constructor' && segments[i + 1] === 'prototype') return 'constructor.prototype';
  }
  return undefined;
}

export const RULE_LEAD_SHAPE: LeadShape = {
  strings: Object.fromEntries(Object.entries(properties).filter(([, s]) => s.type === 'string').map(([name, s]) => [name, stringField(name, s)])),
  objects: { attributes: new RegExp(leadBodySchema.properties.attributes.propertyNames.pattern) },
  refusedKey,
};
