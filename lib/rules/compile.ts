/**
 * Compiles a condition tree into closures once, so evaluating a lead is a walk over prepared tests:
 * field paths are split, `in` lists are Sets, case-insensitive needles are lower-cased and regexes are
 * compiled ahead of time. Each closure returns undefined when its subtree holds, else the (precomputed)
 * first miss with its path in the definition. Predicate semantics live in operators.ts.
 *
 * compileCondition compiles a tree for one-off use (firstMiss); matchRule keeps each rule's compiled
 * tree in a bounded cache keyed by rule id and version (see below), for evaluateRules / checkRule.
 */
import { compilePredicate } from './operators';
import type { Condition, LeadFields, Predicate, RoutingRule } from './types';

export interface Miss { path: string; predicate: Predicate }
export type CompiledCondition = (lead: LeadFields) => Miss | undefined;

export const ROOT_PATH = 'conditions';

/** Stands in for "the first predicate" of a tree that has none (an empty group, a malformed node). */
const PLACEHOLDER: Predicate = Object.freeze({ field: '', op: 'eq', value: '' });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first predicate of a tree in definition order: the reason reported when a `not` fails. */
export function firstPredicate(c: Condition): Predicate {
  if (!isObject(c)) return PLACEHOLDER;
  if ('all' in c) return Array.isArray(c.all) && c.all[0] ? firstPredicate(c.all[0]) : PLACEHOLDER;
  if ('any' in c) return Array.isArray(c.any) && c.any[0] ? firstPredicate(c.any[0]) : PLACEHOLDER;
  if ('not' in c) return firstPredicate(c.not);
  return c;
}

/**
 * A compiled node. `live` is the node of the tree actually being evaluated: the one it was compiled from
 * (the usual case, checked by identity), or a structurally identical copy, e.g. the same rule reloaded
 * from the database. For a copy, each node the evaluation visits is checked against the compiled one
 * (kind, child count, field, op and value) and STALE is returned on any difference, so a cached tree is
 * never used for a rule whose conditions differ. Only visited nodes are checked, and the result depends
 * only on visited nodes, so this is exact without comparing whole trees.
 */
type Node = (lead: LeadFields, live: unknown) => Miss | undefined;

/** Returned (by identity) when `live` does not match the compiled tree. Never escapes this module. */
const STALE: Miss = Object.freeze({ path: '', predicate: PLACEHOLDER });

export type Kind = 'all' | 'any' | 'not' | 'predicate' | 'malformed';

/** How compileNode reads a node (in this order: all, any, not, predicate). */
export function kindOf(c: unknown): Kind {
  if (!isObject(c)) return 'malformed';
  if ('all' in c) return Array.isArray(c.all) ? 'all' : 'malformed';
  if ('any' in c) return Array.isArray(c.any) ? 'any' : 'malformed';
  if ('not' in c) return 'not';
  return 'predicate';
}

/** Operand equality as the compiled code sees it: identical scalars, or arrays of identical scalars. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Compiles a tree; `path` is the path of its root (`conditions`). Never throws on a malformed tree: a
 * node that is not a group or a predicate never holds and is reported at its own path.
 */
export function compileCondition(c: Condition, path = ROOT_PATH): CompiledCondition {
  const node = compileNode(c, path);
  return (lead) => {
    const miss = node(lead, c);
    // Only possible if the tree was mutated in place after compiling: compile it as it is now.
    return miss === STALE ? compileNode(c, path)(lead, c) : miss;
  };
}

/**
 * Compiles a tree that is never changed once compiled (a rules snapshot's: lib/rules/rulePass.ts), without
 * compileCondition's check of the live tree: each node tests its own, so an evaluation touches the compiled
 * closures only (issue 10: evaluation starts with cold CPU caches, where every object read costs). Each miss is
 * made once, at compile time, by `makeMiss` (a caller can attach what it answers with a miss, e.g. a trace
 * entry); the answers are compileCondition's.
 */
export function compileFrozen<M extends Miss>(c: Condition, makeMiss: (path: string, predicate: Predicate) => M, path = ROOT_PATH): (lead: LeadFields) => M | undefined {
  return compileFrozenNode(c, path, makeMiss);
}

function compileFrozenNode<M extends Miss>(c: unknown, path: string, makeMiss: (path: string, predicate: Predicate) => M): (lead: LeadFields) => M | undefined {
  const kind = kindOf(c);
  switch (kind) {
    case 'malformed': {
      const miss = makeMiss(path, isObject(c) && isPredicateLike(c) ? (c as unknown as Predicate) : PLACEHOLDER);
      return () => miss;
    }
    case 'all':
    case 'any': {
      const list = (c as Record<'all' | 'any', Condition[]>)[kind];
      const children = list.map((child, i) => compileFrozenNode(child, `${path}.${kind}[${i}]`, makeMiss));
      const n = children.length;
      if (kind === 'all') {
        return (lead) => {
          for (let i = 0; i < n; i++) {
            const miss = children[i]!(lead);
            if (miss) return miss;
          }
          return undefined;
        };
      }
      return (lead) => {
        if (n === 0) return undefined;
        const first = children[0]!(lead);
        if (!first) return undefined;
        for (let i = 1; i < n; i++) if (!children[i]!(lead)) return undefined;
        return first;
      };
    }
    case 'not': {
      const src = (c as { not: Condition }).not;
      const inner = compileFrozenNode(src, `${path}.not`, makeMiss);
      const miss = makeMiss(`${path}.not`, firstPredicate(src));
      return (lead) => (inner(lead) ? undefined : miss);
    }
    default: {
      const test = compilePredicate(c as Predicate);
      const miss = makeMiss(path, c as Predicate);
      return (lead) => (test(lead) ? undefined : miss);
    }
  }
}

function compileNode(c: unknown, path: string): Node {
  const kind = kindOf(c);
  switch (kind) {
    case 'malformed': {
      const miss: Miss = { path, predicate: isObject(c) && isPredicateLike(c) ? (c as unknown as Predicate) : PLACEHOLDER };
      return (_lead, live) => (live === c ? miss : STALE);
    }
    case 'all':
    case 'any': {
      const group = c as Record<'all' | 'any', Condition[]>;
      const list = group[kind];
      const children = list.map((child, i) => compileNode(child, `${path}.${kind}[${i}]`));
      const n = children.length;
      /** The live node's children, or undefined when it is not the same kind of group with as many. */
      const liveChildren = (live: unknown): unknown[] | undefined => {
        if (live === c) return list;
        if (kindOf(live) !== kind) return undefined;
        const l = (live as Record<'all' | 'any', unknown[]>)[kind];
        return l.length === n ? l : undefined;
      };
      if (kind === 'all') {
        return (lead, live) => {
          const l = liveChildren(live);
          if (!l) return STALE;
          for (let i = 0; i < n; i++) {
            const miss = (children[i] as Node)(lead, l[i]);
            if (miss) return miss; // STALE included
          }
          return undefined;
        };
      }
      // An empty `any` is no constraint; otherwise every branch failing reports the first branch's reason.
      return (lead, live) => {
        const l = liveChildren(live);
        if (!l) return STALE;
        if (n === 0) return undefined;
        const first = (children[0] as Node)(lead, l[0]);
        if (!first || first === STALE) return first;
        for (let i = 1; i < n; i++) {
          const miss = (children[i] as Node)(lead, l[i]);
          if (!miss || miss === STALE) return miss;
        }
        return first;
      };
    }
    case 'not': {
      const src = (c as { not: Condition }).not;
      const inner = compileNode(src, `${path}.not`);
      // The negated tree held: report the `not`, with the tree's first predicate as the reason.
      const miss: Miss = { path: `${path}.not`, predicate: firstPredicate(src) };
      return (lead, live) => {
        let l: unknown = src;
        if (live !== c) {
          if (kindOf(live) !== 'not') return STALE;
          l = (live as { not: unknown }).not;
        }
        const r = inner(lead, l);
        if (r === STALE) return STALE;
        return r ? undefined : miss;
      };
    }
    default: {
      const p = c as Predicate;
      const test = compilePredicate(p);
      const miss: Miss = { path, predicate: p };
      const { field, op, value } = p;
      return (lead, live) => {
        if (live !== c) {
          if (kindOf(live) !== 'predicate') return STALE;
          const l = live as Predicate;
          if (l.field !== field || l.op !== op || !sameValue(l.value, value)) return STALE;
        }
        return test(lead) ? undefined : miss;
      };
    }
  }
}

const isPredicateLike = (c: Record<string, unknown>) => typeof c.field === 'string' && typeof c.op === 'string';

/* ---------------------------------------------------------------------------------------------------- */
/* Per-rule cache                                                                                       */
/* ---------------------------------------------------------------------------------------------------- */

/**
 * Compiled trees per rule, for rule id + version: the database bumps the version on every update, so
 * rules freshly loaded for each lead reuse the code compiled for the first lead. The map is keyed by id
 * and holds that rule's latest compiled version (an older version is replaced, never kept around); a
 * version mismatch recompiles. Reloaded copies are checked node by node as they are evaluated (see
 * Node), so a hand-built rule that reuses an id and version for a different tree (tests, a preview of an
 * edit) gets its own code. Conditions must not be mutated in place once evaluated.
 * Bounded: past RULE_CACHE_LIMIT rules the least recently compiled is evicted.
 */
export const RULE_CACHE_LIMIT = 10_000;

interface CacheEntry { version: number; node: Node }
const ruleCache = new Map<string, CacheEntry>();
let compilations = 0;

/** Whether the rule's conditions hold for the lead: undefined, or the first miss (cached compiled code). */
export function matchRule(lead: LeadFields, rule: Pick<RoutingRule, 'id' | 'version' | 'conditions'>): Miss | undefined {
  const live = rule.conditions;
  let entry = ruleCache.get(rule.id);
  if (entry && entry.version === rule.version) {
    const miss = entry.node(lead, live);
    if (miss !== STALE) return miss;
  }
  const node = compileNode(live, ROOT_PATH);
  compilations++;
  if (entry) {
    entry.version = rule.version;
    entry.node = node;
    ruleCache.delete(rule.id); // re-insert: eviction order is compile order
  } else {
    if (ruleCache.size >= RULE_CACHE_LIMIT) ruleCache.delete(ruleCache.keys().next().value as string);
    entry = { version: rule.version, node };
  }
  ruleCache.set(rule.id, entry);
  return node(lead, live); // compiled from live itself: cannot be STALE
}

/** For tests and benchmarks: cached rules, and trees compiled through the cache since the last clear. */
export function ruleCacheStats(): { size: number; compilations: number } {
  return { size: ruleCache.size, compilations };
}

export function clearRuleCache(): void {
  ruleCache.clear();
  compilations = 0;
}
