// startRulePass (lib/rules/rulePass.ts): a pass over a rules snapshot gives, rule for rule, what applicableRules +
// checkRule give (lib/rules/evaluate.ts), whether the snapshot is walked plainly (its first pass) or prepared
// (every later one), for many rule sets and leads, with passes interleaved as concurrent decisions interleave.
import { createRuleSet, prng } from '../../scripts/bench/ruleSet';
import { applicableRules, checkRule } from '../../lib/rules/evaluate';
import { startRulePass, type RulePass } from '../../lib/rules/rulePass';
import type { Condition, LeadFields, Predicate, RoutingRule, RuleTrace } from '../../lib/rules/types';

/** Every entry of a pass, up to the end. */
function walk(pass: RulePass): Array<{ id: string; trace: RuleTrace }> {
  const out: Array<{ id: string; trace: RuleTrace }> = [];
  while (pass.advance()) out.push({ id: pass.rule.id, trace: pass.trace });
  return out;
}

/** What the pass must give: applicableRules + checkRule (the reference, evaluate.ts). */
function expected(rules: RoutingRule[], source: string, lead: LeadFields) {
  return applicableRules(rules, source).map((r) => ({ id: r.id, trace: checkRule(lead, r) }));
}

/** The pass's entries against the reference's: compared as JSON first (jest's deep equality is slow on 1,000 entries), in full on a difference. */
function expectSame(got: Array<{ id: string; trace: RuleTrace }>, want: Array<{ id: string; trace: RuleTrace }>) {
  if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
}

/**
 * Rules whose first predicates are gates of every kind the gate knows (eq / in of strings, numbers, booleans,
 * on top-level and nested fields, nested `all`s) and rules that have none (other ops, any / not first, empty
 * groups), scoped or not, some disabled, priorities that tie; leads whose values have every type (numbers as
 * strings, null, objects, missing).
 */
function mixedRules(seed: number, n: number): { rules: RoutingRule[]; lead: () => LeadFields; sources: string[] } {
  const r = prng(seed);
  const sources = ['src-a', 'src-b', 'src-c'];
  const values: unknown[] = ['CA', 'NY', 'TX', 1, 2, 0, -0, true, false, '1', 'true', ''];
  const fields = ['state', 'product', 'attributes.score', 'attributes.flag', 'utm.campaign'];
  const scalar = () => r.pick(values.filter((v) => typeof v !== 'object')) as string | number | boolean;
  const predicate = (): Predicate => {
    const field = r.pick(fields);
    switch (Math.floor(r.next() * 6)) {
      case 0: return { field, op: 'eq', value: scalar() };
      case 1: return { field, op: 'in', value: [scalar(), scalar(), scalar()] };
      case 2: return { field, op: 'neq', value: scalar() };
      case 3: return { field, op: 'exists' };
      case 4: return { field, op: 'gte', value: Math.floor(r.next() * 3) };
      default: return { field, op: 'not_in', value: [scalar()] };
    }
  };
  const condition = (depth: number): Condition => {
    const roll = r.next();
    if (depth > 2 || roll < 0.4) return predicate();
    if (roll < 0.7) return { all: Array.from({ length: Math.floor(r.next() * 3) }, () => condition(depth + 1)) };
    if (roll < 0.9) return { any: Array.from({ length: Math.floor(r.next() * 3) }, () => condition(depth + 1)) };
    return { not: condition(depth + 1) };
  };
  const rules: RoutingRule[] = Array.from({ length: n }, (_, i) => ({
    id: `rule-${String(Math.floor(r.next() * 1e6)).padStart(7, '0')}-${i}`,
    name: `rule ${i}`,
    priority: Math.floor(r.next() * 20) - 5,
    sourceWorkspaceId: r.next() < 0.3 ? r.pick(sources) : null,
    conditions: r.next() < 0.6 ? { all: [predicate(), condition(1), condition(1)] } : condition(0),
    destinations: [{ workspaceId: 'buyer' }],
    distribution: 'priority',
    enabled: r.next() < 0.9,
    version: 1,
  }));
  const leadValue = () => (r.next() < 0.15 ? undefined : r.next() < 0.1 ? null : r.next() < 0.05 ? { nested: 1 } : r.pick(values));
  const lead = (): LeadFields => {
    const out: LeadFields = {};
    for (const top of ['state', 'product']) {
      const v = leadValue();
      if (v !== undefined) out[top] = v;
    }
    if (r.next() < 0.8) out.attributes = { score: leadValue(), flag: leadValue() };
    if (r.next() < 0.5) out.utm = r.next() < 0.1 ? 'not-an-object' : { campaign: leadValue() };
    return out;
  };
  return { rules, lead, sources: [...sources, 'src-unscoped'] };
}

describe('startRulePass', () => {
  test('the bench\'s rule sets (1,000 rules, gates, regexes, scoped rules): the same rules and entries as checkRule, first pass and prepared', () => {
    for (const seed of [42, 7]) {
      const set = createRuleSet(seed);
      const rules = set.makeRules(1_000);
      const leads = Array.from({ length: 200 }, () => set.makeLead());
      for (const [k, { lead, source }] of leads.entries()) {
        const got = walk(startRulePass(rules, source, lead));
        expectSame(got, expected(rules, source, lead));
        if (k === 0) expect(got.length).toBeGreaterThan(700); // the walk covers the applicable rules
      }
    }
  });

  test('mixed gates and values (types, nesting, ties, scopes, disabled rules): the same as checkRule over 30 rule sets', () => {
    let compared = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { rules, lead, sources } = mixedRules(seed, 120);
      for (let i = 0; i < 150; i++) {
        const l = lead();
        const source = sources[i % sources.length]!;
        expectSame(walk(startRulePass(rules, source, l)), expected(rules, source, l));
        compared += 1;
      }
    }
    expect(compared).toBe(4_500);
  });

  test('passes interleaved (decisions awaiting Postgres between two rules) do not see each other\'s leads', () => {
    const { rules, lead, sources } = mixedRules(99, 200);
    walk(startRulePass(rules, sources[0]!, lead())); // the first pass: later ones are prepared
    const leads = Array.from({ length: 40 }, () => lead());
    const passes = leads.map((l, i) => ({ pass: startRulePass(rules, sources[i % sources.length]!, l), got: [] as Array<{ id: string; trace: RuleTrace }>, done: false }));
    for (let step = 0; passes.some((p) => !p.done); step++) {
      for (const [i, p] of passes.entries()) {
        if (p.done || (step + i) % 3 === 0) continue; // uneven progress
        if (p.pass.advance()) p.got.push({ id: p.pass.rule.id, trace: p.pass.trace });
        else p.done = true;
      }
    }
    passes.forEach((p, i) => expectSame(p.got, expected(rules, sources[i % sources.length]!, leads[i]!)));
  });

  test('a matched rule\'s entry is new for each pass (callers add destinations to it); unmatched entries are frozen', () => {
    const rules: RoutingRule[] = [
      { id: 'a', name: 'a', priority: 1, sourceWorkspaceId: null, conditions: { all: [{ field: 'state', op: 'eq', value: 'CA' }] }, destinations: [{ workspaceId: 'b' }], distribution: 'priority', enabled: true, version: 1 },
      { id: 'b', name: 'b', priority: 2, sourceWorkspaceId: null, conditions: { all: [] }, destinations: [{ workspaceId: 'b' }], distribution: 'priority', enabled: true, version: 1 },
    ];
    for (let i = 0; i < 3; i++) {
      const pass = startRulePass(rules, 'src', { state: 'NY' });
      expect(pass.advance()).toBe(true);
      expect(pass.trace).toEqual({ ruleId: 'a', ruleName: 'a', priority: 1, version: 1, matched: false, failedAt: { path: 'conditions.all[0]', field: 'state', op: 'eq' } });
      expect(Object.isFrozen(pass.trace)).toBe(i > 0); // the first pass is plain (checkRule's entries); later ones share it
      expect(pass.advance()).toBe(true);
      expect(pass.trace).toEqual({ ruleId: 'b', ruleName: 'b', priority: 2, version: 1, matched: true });
      expect(Object.isFrozen(pass.trace)).toBe(false);
      pass.trace.noEligibleDestination = true; // what decide() does: must not leak into the next pass
      expect(pass.advance()).toBe(false);
      expect(pass.advance()).toBe(false);
    }
  });

  test('another array with the same rules (a reload) is walked afresh, with its own rules', () => {
    const make = (value: string): RoutingRule[] => [
      { id: 'r', name: 'r', priority: 1, sourceWorkspaceId: null, conditions: { all: [{ field: 'state', op: 'eq', value }] }, destinations: [{ workspaceId: 'b' }], distribution: 'priority', enabled: true, version: 1 },
    ];
    const before = make('CA');
    for (let i = 0; i < 3; i++) expect(walk(startRulePass(before, 's', { state: 'CA' }))[0]!.trace.matched).toBe(true);
    const after = make('NY'); // the rule edited: a new snapshot array
    for (let i = 0; i < 3; i++) expect(walk(startRulePass(after, 's', { state: 'CA' }))[0]!.trace.matched).toBe(false);
  });
});
