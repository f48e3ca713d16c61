/**
 * What every JSON value that enters the service must be before anything stores or compares it
 * (issue 7, items 1, 2 and 5), checked in one walk over the parsed body:
 *
 * - strings (values AND object keys) contain no U+0000 (Postgres text and jsonb refuse it: SQLSTATE
 *   22P05) and no lone UTF-16 surrogate (not a Unicode scalar value; Postgres refuses its escape, and
 *   it cannot be encoded as UTF-8 to a buyer);
 * - strings are put in Unicode Normalization Form C, so "Mu\u0308ller" (NFD, as macOS sends it) and
 *   "Müller" compare, match rules and dedupe as the same text (UAX #15);
 * - numbers are stored exactly as sent: the body is parsed with lossless-json, so each number arrives
 *   here as its original text and is refused when a 64-bit float cannot hold it — `1e999` (overflow:
 *   Infinity, which jsonb stores as null), `1e-400` (underflow: 0), integers beyond ±(2^53 − 1)
 *   (12345678901234567890 would become 12345678901234567000) and decimals with more significant digits
 *   than a double keeps (1.00000000000000000001 would become 1);
 * - `__proto__` keys, and `constructor` keys holding a `prototype`, are refused by name (prototype
 *   pollution), reported separately as `forbiddenKeys`.
 *
 * The result is a new value; the input is not modified. Each problem names its field as a dotted path
 * (`attributes.creditScore`, `conditions.all[0].value`), the same form as schema errors.
 */
import { getUnsafeNumberReason, LosslessNumber } from 'lossless-json';

export interface InputProblem {
  field: string;
  message: string;
}

/**
 * The sanitized value, or the problems found. A failed result still carries the value as far as it could be read
 * (a refused string or number kept as sent, the number as its text; forbidden keys left out), for a caller that
 * goes on to check the rest of the body and answer every problem at once (api/plugins/inputProblems.ts).
 */
export type SanitizeResult = { ok: true; value: unknown } | { ok: false; problems: InputProblem[]; forbiddenKeys: string[]; value: unknown };

/**
 * Beyond ±(2^53 − 1) a double no longer holds every integer. Refused by VALUE, whatever the spelling:
 * lossless-json calls 1e21 (and 1E21, 1.5e300) "truncate_float", because JavaScript prints numbers from
 * 1e21 up with an exponent, and the answer used to say "more significant digits than a 64-bit number
 * keeps" of a number with one significant digit; 1000000000000000000000, the same number, said this.
 */
const BEYOND_SAFE = `is beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1), the largest integer a 64-bit number holds exactly, so it is not accepted as a number; send it as a string`;

const UNSAFE_NUMBER: Record<string, string> = {
  overflow: 'is too large for a 64-bit number and cannot be stored',
  underflow: 'is too close to zero for a 64-bit number: it would be stored as 0',
  truncate_integer: BEYOND_SAFE,
  truncate_float: 'has more significant digits than a 64-bit number keeps: it would be stored rounded; send it as a string',
};

/** Why a number written as `text` (JSON number syntax) cannot be accepted, or undefined when it can. */
export function numberTextProblem(text: string): string | undefined {
  const reason = getUnsafeNumberReason(text);
  if (!reason) return undefined;
  const value = Math.abs(Number(text));
  if (reason !== 'overflow' && reason !== 'underflow' && Number.isFinite(value) && value > Number.MAX_SAFE_INTEGER) return BEYOND_SAFE;
  return UNSAFE_NUMBER[reason] ?? 'cannot be stored exactly';
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be accepted, or undefined when it can. */
export function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode text';
  return undefined;
}

/** Why a number cannot be accepted, or undefined when it can. */
export function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'is not a finite number (JSON numbers this large cannot be stored)';
  if (Math.abs(n) > Number.MAX_SAFE_INTEGER) return BEYOND_SAFE;
  return undefined;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/**
 * Deepest nesting of arrays and objects accepted. A lead is 3 levels deep and a rule's condition tree
 * at most 16 (lib/rules/validate.ts) plus its wrapper; a few KB of `[[[[…` would otherwise exhaust the
 * stack of every recursive reader after the parser (a 500 found by review).
 */
export const MAX_DEPTH = 64;
/** What a body nested deeper than {@link MAX_DEPTH} is told, at the path of the first container too deep. */
export const TOO_DEEP = `nests deeper than ${MAX_DEPTH} levels of arrays and objects, the limit`;

export function sanitizeJson(input: unknown): SanitizeResult {
  const problems: InputProblem[] = [];

  const forbiddenKeys: string[] = [];
  let tooDeep = false;
  const walk = (value: unknown, path: string, depth = 0): unknown => {
    if (tooDeep) return value;
    if (depth > MAX_DEPTH && value !== null && typeof value === 'object') {
      tooDeep = true;
      problems.push({ field: path || '(root)', message: TOO_DEEP });
      return value;
    }
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) problems.push({ field: path || '(root)', message: problem });
      return problem ? value : value.normalize('NFC');
    }
    if (value instanceof LosslessNumber) {
      const problem = numberTextProblem(value.value);
      if (problem) problems.push({ field: path || '(root)', message: problem });
      return problem ? value.value : Number(value.value);
    }
    if (typeof value === 'number') {
      const problem = numberProblem(value);
      if (problem) problems.push({ field: path || '(root)', message: problem });
      return value;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`, depth + 1));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key === '__proto__' || (key === 'constructor' && item !== null && typeof item === 'object' && 'prototype' in item)) {
          forbiddenKeys.push(join(path, key));
          continue;
        }
        const keyProblem = stringProblem(key);
        // A problem in a key names the object that holds it, and the key JSON-escaped in the message (the
        // schema's key problems say it the same way: api/plugins/errorHandler.ts keyProblem).
        if (keyProblem) problems.push({ field: path || '(root)', message: `key ${JSON.stringify(key)} ${keyProblem}` });
        const name = keyProblem ? key : key.normalize('NFC');
        out[name] = walk(item, join(path, name), depth + 1);
      }
      return out;
    }
    return value;
  };

  const value = walk(input, '');
  return problems.length > 0 || forbiddenKeys.length > 0 ? { ok: false, problems, forbiddenKeys, value } : { ok: true, value };
}
