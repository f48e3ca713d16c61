import { isFiniteNumber, isScalar } from './operators';
import { longestValue, MAX_PATTERN_LENGTH, regexProblem } from './regex';
import { DISTRIBUTIONS, OPERATORS, type Condition, type Operator } from './types';
import { forEachPredicate } from './walk';

/**
 * Validates a rule's condition tree on write. Each problem names its path in the definition
 * (`conditions.all[2].op`) so the author can find it; a tree with any problem is never stored.
 */
export interface RuleProblem { path: string; message: string }

const MAX_DEPTH = 16;
const MAX_NODES = 500;
const TOO_MANY_NODES = `has more than ${MAX_NODES} nodes`;
const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const MAX_LIST_ITEMS = 1_000;
const MAX_STRING_LENGTH = 500;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The largest magnitude of a number in a condition: Number.MAX_SAFE_INTEGER (2^53 - 1 ≈ 9.007e15).
 * Conditions only compare numbers (no arithmetic), but beyond it a JSON number is rounded to a
 * neighbouring double when parsed: `gt 9007199254740993` would be stored, shown and applied as
 * `gt 9007199254740992`, a rule other than the one written. Every value within it is the number written
 * (integers exactly; decimals to double's 15-16 digits), and real amounts and scores are far inside it.
 */
export const MAX_CONDITION_NUMBER = Number.MAX_SAFE_INTEGER;

export function validateConditions(input: unknown, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  let nodes = 0;
  const visit = (c: unknown, p: string, depth: number) => {
    if (++nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) problems.push({ path, message: TOO_MANY_NODES });
      return;
    }
    if (depth > MAX_DEPTH) {
      problems.push({ path: p, message: `nests deeper than ${MAX_DEPTH} levels` });
      return;
    }
    if (!isObject(c)) {
      problems.push({ path: p, message: 'must be an object: {all: [...]}, {any: [...]}, {not: {...}} or a predicate {field, op, value}' });
      return;
    }
    const keys = Object.keys(c);
    for (const group of ['all', 'any'] as const) {
      if (group in c) {
        if (keys.length !== 1) problems.push({ path: p, message: `an "${group}" node must have no other keys` });
        const children = c[group];
        if (!Array.isArray(children)) problems.push({ path: `${p}.${group}`, message: 'must be an array of conditions' });
        else children.forEach((child, i) => visit(child, `${p}.${group}[${i}]`, depth + 1));
        return;
      }
    }
    if ('not' in c) {
      if (keys.length !== 1) problems.push({ path: p, message: 'a "not" node must have no other keys' });
      visit(c.not, `${p}.not`, depth + 1);
      return;
    }
    for (const key of keys) {
      if (!['field', 'op', 'value'].includes(key)) problems.push({ path: `${p}.${key}`, message: 'is not a predicate key (field, op, value)' });
    }
    if (typeof c.field !== 'string' || !FIELD_PATTERN.test(c.field)) {
      problems.push({ path: `${p}.field`, message: 'must be a field path such as "state" or "attributes.loanAmount"' });
    }
    if (!OPERATORS.includes(c.op as never)) {
      problems.push({ path: `${p}.op`, message: `must be one of ${OPERATORS.join(', ')}` });
      return;
    }
    const problem = valueProblem(c.op as Operator, c.value, typeof c.field === 'string' ? c.field : '');
    if (problem) problems.push({ path: `${p}.value`, message: problem });
    else problems.push(...numberBoundProblems(c.value, `${p}.value`));
  };
  visit(input, path, 0);
  return problems;
}

/**
 * The tree the later write-time checks (neverMatches.ts, identityValues.ts, canonicalPatterns.ts,
 * unmatchableValueProblems) can read, given validateConditions' `problems` with it: each part those problems make
 * unreadable is replaced by null, which the checks skip (walk.ts forEachPredicate skips non-objects, and
 * constantGroupProblems reads null as a part that does not hold for every lead). Unreadable: a node that is not an
 * object or nests too deep, a group whose children are not an array, a predicate with a problem in itself, its
 * field, op or value. A group with another key beside it, or a predicate with an unknown key, is still read: the
 * checks look at the group's children and the predicate's field, op and value only. So a rule with a bad regex in
 * one predicate still hears that another can never match. A tree over the node limit is not read at all (null).
 * Paths are unchanged (items keep their index), so a later problem names the same place in what was sent.
 */
export function checkableParts(input: unknown, problems: readonly RuleProblem[], path = 'conditions'): unknown {
  if (problems.some((q) => q.path === path && q.message === TOO_MANY_NODES)) return null;
  const paths = problems.map((q) => q.path);
  const faulty = (p: string) => paths.some((q) => q === p || q === `${p}.field` || q === `${p}.op` || q === `${p}.value` || q.startsWith(`${p}.value[`));
  const prune = (c: unknown, p: string, depth: number): unknown => {
    if (depth > MAX_DEPTH || !isObject(c)) return null;
    for (const group of ['all', 'any'] as const) {
      if (!(group in c)) continue;
      const children = c[group];
      return Array.isArray(children) ? { ...c, [group]: children.map((child, i) => prune(child, `${p}.${group}[${i}]`, depth + 1)) } : null;
    }
    if ('not' in c) return { ...c, not: prune(c.not, `${p}.not`, depth + 1) };
    return faulty(p) ? null : c;
  };
  return prune(input, path, 0);
}

/** What is wrong with a predicate's value for its operator (semantics: operators.ts), or undefined. */
function valueProblem(op: Operator, value: unknown, field: string): string | undefined {
  switch (op) {
    case 'eq':
    case 'neq':
      return isScalar(value) ? undefined : `must be a string, number or boolean for "${op}"`;
    case 'in':
    case 'not_in':
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) {
        return `must be a non-empty array of strings, numbers or booleans for "${op}"`;
      }
      return value.length > MAX_LIST_ITEMS ? `must have at most ${MAX_LIST_ITEMS} items for "${op}" (has ${value.length})` : undefined;
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      if (typeof value !== 'string' || value.length === 0) return `must be a non-empty string for "${op}"`;
      return value.length > MAX_STRING_LENGTH ? `must be at most ${MAX_STRING_LENGTH} characters for "${op}"` : undefined;
    case 'matches':
      if (typeof value !== 'string') return 'must be a regular expression (RE2 syntax) as a string for "matches"';
      if (value.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters for "matches"`;
      return regexProblem(value, longestValue(field));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return isFiniteNumber(value) ? undefined : `must be a finite number for "${op}"`;
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2 || !value.every(isFiniteNumber)) {
        return 'must be [min, max], two finite numbers, for "between"';
      }
      const [min, max] = value as [number, number];
      return min <= max ? undefined : `must have min <= max for "between" (got [${min}, ${max}])`;
    }
    case 'exists':
    case 'not_exists':
      return value === undefined ? undefined : `must be omitted for "${op}" (it takes no value)`;
    default:
      return undefined;
  }
}

/** A number beyond ±MAX_CONDITION_NUMBER in a value or a list item (`conditions.all[0].value[2]`). */
function numberBoundProblems(value: unknown, path: string): RuleProblem[] {
  const tooLarge = (v: unknown) => typeof v === 'number' && Math.abs(v) > MAX_CONDITION_NUMBER;
  const message = `must be between -${MAX_CONDITION_NUMBER} and ${MAX_CONDITION_NUMBER} (larger numbers are not stored exactly)`;
  if (Array.isArray(value)) return value.flatMap((v, i) => (tooLarge(v) ? [{ path: `${path}[${i}]`, message }] : []));
  return tooLarge(value) ? [{ path, message }] : [];
}

/**
 * `eq` / `in` values no lead can ever equal: the empty string on a top-level lead field (state, product,
 * email, ...). The lead schema asks for at least one character there, and an optional field sent empty
 * is dropped as absent (api/leadInput.ts), so `state eq "   "` (trimmed to "" on write) is a rule that
 * silently never matches. Nested attributes keep "" (a form field sent blank), so `attributes.x eq ""`
 * is allowed. Run on a tree validateConditions accepted, after values are normalized (trimmed); each
 * problem names the value or list item (`conditions.all[0].value[2]`).
 */
export function unmatchableValueProblems(input: unknown, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const message = 'is empty (after trimming), which a top-level lead field never is (one sent empty is stored as absent); use "not_exists" to match leads without it';
  forEachPredicate(input, path, (c, p) => {
    if (typeof c.field !== 'string' || c.field.includes('.')) return;
    if (c.op === 'eq' && c.value === '') problems.push({ path: `${p}.value`, message });
    if (c.op === 'in' && Array.isArray(c.value)) c.value.forEach((v, i) => { if (v === '') problems.push({ path: `${p}.value[${i}]`, message }); });
  });
  return problems;
}

export function isCondition(input: unknown): input is Condition {
  return validateConditions(input).length === 0;
}

export { DISTRIBUTIONS };
