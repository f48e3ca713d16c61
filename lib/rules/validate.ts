import { DISTRIBUTIONS, OPERATORS, type Condition } from './types';

/**
 * Validates a rule's condition tree on write. Each problem names its path in the definition
 * (`conditions.all[2].op`) so the author can find it; a tree with any problem is never stored.
 */
export interface RuleProblem { path: string; message: string }

const MAX_DEPTH = 16;
const MAX_NODES = 500;
const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateConditions(input: unknown, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  let nodes = 0;
  const visit = (c: unknown, p: string, depth: number) => {
    if (++nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) problems.push({ path, message: `has more than ${MAX_NODES} nodes` });
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
        if (keys.length !== 1) problems.push({ path: p, message: `a "${group}" node must have no other keys` });
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
    if (c.op === 'in') {
      if (!Array.isArray(c.value) || c.value.length === 0 || !c.value.every(isScalar)) {
        problems.push({ path: `${p}.value`, message: 'must be a non-empty array of strings, numbers or booleans for "in"' });
      }
    } else if (!isScalar(c.value)) {
      problems.push({ path: `${p}.value`, message: `must be a string, number or boolean for "${String(c.op)}"` });
    }
  };
  visit(input, path, 0);
  return problems;
}

export function isCondition(input: unknown): input is Condition {
  return validateConditions(input).length === 0;
}

export { DISTRIBUTIONS };
