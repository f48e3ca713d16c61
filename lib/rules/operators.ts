/**
 * Predicate semantics (DESIGN §6). The validator (validate.ts) enforces the operand shapes on write;
 * this module decides what a predicate means at evaluation time, and is the one place that says so.
 *
 * Fields
 *   - `field` is a dotted path into the lead (`state`, `attributes.loanAmount`). Each step reads an OWN
 *     property of a non-null object: nothing is read through the prototype (`__proto__`, `constructor`,
 *     `toString` are missing unless the lead itself has them), and stepping through a scalar or null
 *     gives "missing" (`state.length` is missing).
 *   - A field is MISSING when the path does not resolve (or resolves to `undefined`). A missing or `null`
 *     field makes every predicate false except `not_exists`, which is true. This includes the negative
 *     operators: `neq` and `not_in` are false on a missing/null field (use `not_exists` to ask for absence).
 *
 * Types
 *   - No coercion, ever: the string "5" is not the number 5, "true" is not `true`, 0 is not `false`.
 *   - A type mismatch makes the predicate false, never an error (a string field under `gt`, a number
 *     field under `contains`, an object or array field under anything but `exists`/`not_exists`).
 *   - A predicate whose `value` the validator would refuse (a rule stored before validation, a regex that
 *     does not compile, an unknown operator, `between` with min > max, `exists` with a value, ...) never
 *     holds, whatever the lead; evaluation never throws.
 *
 * Operators
 *   eq / neq          strict equality (===) of scalars (string, number, boolean). `neq` holds when the field
 *                     is a scalar and !== value, so `{n: "5"} neq 5` holds (they are not equal) while an
 *                     object or array field is a type mismatch (false).
 *   in / not_in       value is a non-empty array of scalars; strict membership (a Set built once at compile
 *                     time). The field must be a scalar: an array field is not searched element by element.
 *   contains          string field and string value, case-insensitive (both lower-cased with
 *   starts_with       String#toLowerCase, locale-independent); substring / prefix / suffix test.
 *   ends_with
 *   matches           value is a regex in RE2 syntax, run by re2js (linear time: no catastrophic
 *                     backtracking). Unanchored search (use ^ and $ to anchor); case-sensitive unless the
 *                     pattern says `(?i)`. String fields only. Compiled once per pattern and cached.
 *   gt / gte / lt / lte   number field (typeof 'number') against a finite number value.
 *   between           value [min, max] of finite numbers with min <= max; inclusive at both ends.
 *   exists            the field is present and not null (any type, including "", 0, false, {} and []).
 *   not_exists        the field is missing or null. exists / not_exists take no value.
 *
 * Groups (compile.ts): `all` of [] holds, `any` of [] holds (no constraint), `not` inverts.
 */
import { compileRegex } from './regex';
import type { LeadFields, Operator, Predicate, Scalar } from './types';

export type FieldReader = (lead: LeadFields) => unknown;
export type PredicateTest = (lead: LeadFields) => boolean;

const hasOwn = Object.prototype.hasOwnProperty;

const isObjectLike = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A string, a boolean or a finite number: what eq/neq/in/not_in compare against. */
export const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** A lead value that can be compared by eq/neq/in/not_in (NaN and ±Infinity included: they just never equal). */
const isScalarField = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads a dotted path (`attributes.loanAmount`) from the lead; undefined when any step is missing. */
export function readField(lead: LeadFields, field: string): unknown {
  return fieldReader(field)(lead);
}

/** Compiles a dotted path into a reader (the split happens once, not per lead). */
export function fieldReader(field: string): FieldReader {
  const keys = String(field).split('.');
  if (keys.length === 1) {
    const [k] = keys as [string];
    return (lead) => (isObjectLike(lead) && hasOwn.call(lead, k) ? lead[k] : undefined);
  }
  if (keys.length === 2) {
    const [k1, k2] = keys as [string, string];
    return (lead) => {
      if (!isObjectLike(lead) || !hasOwn.call(lead, k1)) return undefined;
      const mid = lead[k1];
      return isObjectLike(mid) && hasOwn.call(mid, k2) ? mid[k2] : undefined;
    };
  }
  return (lead) => {
    let current: unknown = lead;
    for (const key of keys) {
      if (!isObjectLike(current) || !hasOwn.call(current, key)) return undefined;
      current = current[key];
    }
    return current;
  };
}

const NEVER: PredicateTest = () => false;

/** Compiles one predicate into a test. Never throws: an operand the validator would refuse gives NEVER. */
export function compilePredicate(p: Predicate): PredicateTest {
  if (!isObjectLike(p) || typeof p.field !== 'string') return NEVER;
  const read = fieldReader(p.field);
  const value: unknown = p.value;
  const op: Operator = p.op;
  switch (op) {
    case 'eq': {
      if (!isScalar(value)) return NEVER;
      // undefined / null / objects are never === a scalar
      return (lead) => read(lead) === value;
    }
    case 'neq': {
      if (!isScalar(value)) return NEVER;
      return (lead) => {
        const actual = read(lead);
        return isScalarField(actual) && actual !== value;
      };
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) return NEVER;
      const set = new Set<unknown>(value);
      if (op === 'in') return (lead) => set.has(read(lead)); // the set holds scalars only
      return (lead) => {
        const actual = read(lead);
        return isScalarField(actual) && !set.has(actual);
      };
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      if (typeof value !== 'string') return NEVER;
      const needle = value.toLowerCase();
      if (op === 'contains') {
        return (lead) => {
          const actual = read(lead);
          return typeof actual === 'string' && actual.toLowerCase().includes(needle);
        };
      }
      if (op === 'starts_with') {
        return (lead) => {
          const actual = read(lead);
          return typeof actual === 'string' && actual.toLowerCase().startsWith(needle);
        };
      }
      return (lead) => {
        const actual = read(lead);
        return typeof actual === 'string' && actual.toLowerCase().endsWith(needle);
      };
    }
    case 'matches': {
      if (typeof value !== 'string') return NEVER;
      const compiled = compileRegex(value);
      if (!compiled.ok) return NEVER;
      const re = compiled.re;
      return (lead) => {
        const actual = read(lead);
        return typeof actual === 'string' && re.test(actual);
      };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (!isFiniteNumber(value)) return NEVER;
      const bound = value;
      switch (op) {
        case 'gt':
          return (lead) => {
            const actual = read(lead);
            return typeof actual === 'number' && actual > bound;
          };
        case 'gte':
          return (lead) => {
            const actual = read(lead);
            return typeof actual === 'number' && actual >= bound;
          };
        case 'lt':
          return (lead) => {
            const actual = read(lead);
            return typeof actual === 'number' && actual < bound;
          };
        default:
          return (lead) => {
            const actual = read(lead);
            return typeof actual === 'number' && actual <= bound;
          };
      }
    }
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) return NEVER;
      const [min, max] = value as unknown[];
      if (!isFiniteNumber(min) || !isFiniteNumber(max) || min > max) return NEVER;
      return (lead) => {
        const actual = read(lead);
        return typeof actual === 'number' && actual >= min && actual <= max;
      };
    }
    case 'exists': {
      if (value !== undefined) return NEVER;
      return (lead) => {
        const actual = read(lead);
        return actual !== undefined && actual !== null;
      };
    }
    case 'not_exists': {
      if (value !== undefined) return NEVER;
      return (lead) => {
        const actual = read(lead);
        return actual === undefined || actual === null;
      };
    }
    default:
      return NEVER;
  }
}
