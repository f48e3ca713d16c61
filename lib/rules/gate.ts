/**
 * A rule's gate: the predicate its conditions test first, when that is an `eq` or `in` on one field
 * (`{ all: [{ field: 'state', op: 'in', value: [...] }, ...] }`, the way buyers' rules usually start: state,
 * product). When a lead's value is not among the gate's values, the rule's trace entry is known without
 * evaluating the rest: an `all` reports its first failing child (compile.ts), so the miss is the gate itself,
 * the same entry for every such lead. Issue 10 (decide p95 < 2 ms with 1,000 rules): a lead that matches
 * nothing is checked against every rule, and most fail at their first predicate; the gate answers those with
 * one field read and one Set lookup, and the shared entry spares two allocations per rule.
 *
 * Exact by construction: the gate's semantics are compilePredicate's (`eq`: `===`; `in`: Set membership of
 * scalars, operators.ts), and the shared miss entry is the one the compiled tree returned for the first
 * lead that failed the gate (a rule whose answer differs from the gate's, which should not happen, is never
 * gated again).
 */
import { kindOf, ROOT_PATH, RULE_CACHE_LIMIT } from './compile';
import { fieldReader, isScalar, type FieldReader } from './operators';
import type { Condition, LeadFields, Predicate, RoutingRule, RuleTrace } from './types';

export interface Gate {
  /** The predicate's field (`state`, `attributes.loanAmount`) and its reader. */
  field: string;
  read: FieldReader;
  /** The values the gate's predicate accepts (strict equality: SameValueZero on finite scalars is ===). */
  values: Set<unknown>;
  /** Where the tree reports the gate's miss: `conditions`, `conditions.all[0]`, `conditions.all[0].all[0]` ... */
  path: string;
  /** The (frozen) trace entry of a lead that fails the gate: built from the first such lead's real evaluation. */
  miss?: Readonly<RuleTrace>;
}

/**
 * Per rule id, for one rule object (the worker's rules cache hands out the same objects until a rule changes);
 * null: no gate. A rule object met for the first time (SEEN_ONCE) is evaluated in full and gated from its
 * second lead on, so that rules loaded afresh for each lead (the table read, a simulation) pay one map write
 * per rule, not a gate they never reuse. Bounded like the compiled trees (compile.ts RULE_CACHE_LIMIT).
 */
const SEEN_ONCE = 'seen-once';
const gates = new Map<string, { rule: RoutingRule; gate: Gate | null | typeof SEEN_ONCE }>();

/** The first predicate an `all` chain tests, with its path; undefined for any other tree. */
function firstTested(c: Condition): { p: Predicate; path: string } | undefined {
  let node: unknown = c;
  let path = ROOT_PATH;
  for (;;) {
    const kind = kindOf(node);
    if (kind === 'predicate') return { p: node as Predicate, path };
    if (kind !== 'all') return undefined;
    const children = (node as { all: unknown[] }).all;
    if (children.length === 0) return undefined;
    node = children[0];
    path = `${path}.all[0]`;
  }
}

/** The rule's gate (its first tested predicate when that is an `eq` or `in` of scalars), or null when it has none. */
export function gateOf(rule: Pick<RoutingRule, 'conditions'>): Gate | null {
  const first = firstTested(rule.conditions);
  if (!first || typeof first.p.field !== 'string') return null;
  const { field, op, value } = first.p;
  if (op === 'eq' && isScalar(value)) return { field, read: fieldReader(field), values: new Set([value]), path: first.path };
  if (op === 'in' && Array.isArray(value) && value.length > 0 && value.every(isScalar)) {
    return { field, read: fieldReader(field), values: new Set(value), path: first.path };
  }
  return null;
}

/**
 * The rule's trace entry for `lead` if the rule's gate refuses the lead, else undefined (evaluate the rule).
 * `evaluate` is the full evaluation (evaluate.ts checkRule's), called once per rule object to learn the entry.
 */
export function gatedMiss(lead: LeadFields, rule: RoutingRule, evaluate: () => RuleTrace): Readonly<RuleTrace> | undefined {
  const known = gates.get(rule.id);
  if (!known) {
    if (gates.size >= RULE_CACHE_LIMIT) gates.delete(gates.keys().next().value as string);
    gates.set(rule.id, { rule, gate: SEEN_ONCE });
    return undefined;
  }
  if (known.rule !== rule) {
    known.rule = rule; // another object for this id (a reload, an edit): start over with it
    known.gate = SEEN_ONCE;
    return undefined;
  }
  let gate = known.gate;
  if (gate === SEEN_ONCE) gate = known.gate = gateOf(rule);
  if (gate === null || gate.values.has(gate.read(lead))) return undefined;
  if (gate.miss) return gate.miss;
  const entry = evaluate();
  if (entry.matched || entry.failedAt?.path !== gate.path) {
    known.gate = null; // not what the gate predicts: evaluate this rule in full from now on
    return entry;
  }
  gate.miss = Object.freeze({ ...entry, failedAt: Object.freeze({ ...entry.failedAt }) });
  return gate.miss;
}
