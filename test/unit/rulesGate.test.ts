// The rule gate (lib/rules/gate.ts): checkRule answers a lead refused by a rule's first eq/in predicate with a
// shared entry, which must be exactly what evaluating the whole tree says.
import { checkRule, firstMiss } from '../../lib/rules/evaluate';
import type { LeadFields, RoutingRule, RuleTrace } from '../../lib/rules/types';
import { createRuleSet } from '../../scripts/bench/ruleSet';
import { eq, pr, rule } from '../support/ruleBuilders';

/** The entry checkRule must give, from the tree compiled afresh (no cache, no gate). */
function expected(lead: LeadFields, r: RoutingRule): RuleTrace {
  const miss = firstMiss(lead, r.conditions);
  const entry: RuleTrace = { ruleId: r.id, ruleName: r.name, priority: r.priority, version: r.version, matched: !miss };
  if (miss) entry.failedAt = { path: miss.path, field: miss.predicate.field, op: miss.predicate.op };
  return entry;
}

describe('rule gate', () => {
  test('500 generated rules x 300 generated leads: every entry is the full evaluation\'s, on first sight and once gated', () => {
    const set = createRuleSet(7);
    const rules = set.makeRules(500);
    const leads = Array.from({ length: 300 }, () => set.makeLead().lead);
    let refusedByGate = 0;
    for (const lead of leads) {
      for (const r of rules) {
        const want = expected(lead, r);
        expect(checkRule(lead, r)).toEqual(want);
        const again = checkRule(lead, r); // the same rule object again: gated from here on
        expect(again).toEqual(want);
        if (Object.isFrozen(again)) refusedByGate += 1;
      }
    }
    // The data set's rules mostly start with state/product eq/in: most misses are the gate's.
    expect(refusedByGate).toBeGreaterThan(300 * 500 * 0.5);
  });

  test('the shared entry is frozen; a matched rule\'s entry is a fresh object its caller may add to', () => {
    const r = rule({ id: 'g1', name: 'CA only', conditions: { all: [pr('state', 'in', ['CA', 'NV']), eq('product', 'auto')] } });
    checkRule({ state: 'TX' }, r); // first sight: evaluated in full
    const a = checkRule({ state: 'TX' }, r);
    const b = checkRule({ state: 'NY' }, r);
    expect(a).toBe(b);
    expect(a).toEqual({ ruleId: 'g1', ruleName: 'CA only', priority: 100, version: 1, matched: false, failedAt: { path: 'conditions.all[0]', field: 'state', op: 'in' } });
    expect(() => {
      (a as RuleTrace).noEligibleDestination = true;
    }).toThrow(TypeError);
    const m1 = checkRule({ state: 'CA', product: 'auto' }, r);
    const m2 = checkRule({ state: 'CA', product: 'auto' }, r);
    expect(m1).not.toBe(m2);
    m1.noEligibleDestination = true;
    expect(m2.noEligibleDestination).toBeUndefined();
  });

  test('strict equality, as eq/in mean it: no coercion, a missing or null field is refused', () => {
    const r = rule({ id: 'g2', conditions: { all: [eq('attributes.score', 5)] } });
    const refused = { ruleId: 'g2', ruleName: 'rule g2', priority: 100, version: 1, matched: false, failedAt: { path: 'conditions.all[0]', field: 'attributes.score', op: 'eq' } };
    for (let i = 0; i < 2; i++) {
      expect(checkRule({ attributes: { score: '5' } }, r)).toMatchObject(refused);
      expect(checkRule({ attributes: { score: null } }, r)).toMatchObject(refused);
      expect(checkRule({}, r)).toMatchObject(refused);
      expect(checkRule({ attributes: { score: 5 } }, r)).toMatchObject({ matched: true });
      expect(checkRule({ attributes: { score: -0 + 5 } }, r)).toMatchObject({ matched: true });
    }
  });

  test('a nested all and a bare predicate are gated at their own paths; any / not are never gated', () => {
    const nested = rule({ id: 'g3', conditions: { all: [{ all: [eq('state', 'CA'), eq('product', 'x')] }, eq('zip', '1')] } });
    const bare = rule({ id: 'g4', conditions: eq('state', 'CA') });
    const anyRule = rule({ id: 'g5', conditions: { any: [eq('state', 'CA'), eq('state', 'TX')] } });
    for (let i = 0; i < 3; i++) {
      expect(checkRule({ state: 'NY' }, nested).failedAt?.path).toBe('conditions.all[0].all[0]');
      expect(checkRule({ state: 'NY' }, bare).failedAt?.path).toBe('conditions');
      expect(checkRule({ state: 'TX' }, anyRule)).toMatchObject({ matched: true });
      expect(Object.isFrozen(checkRule({ state: 'NY' }, anyRule))).toBe(false);
    }
  });

  test('an edited rule (a new object, same id) is never answered by the old one\'s gate', () => {
    const v1 = rule({ id: 'g6', name: 'v1', version: 1, conditions: { all: [eq('state', 'CA')] } });
    checkRule({ state: 'TX' }, v1);
    expect(checkRule({ state: 'TX' }, v1)).toMatchObject({ matched: false, ruleName: 'v1' });
    const v2 = rule({ id: 'g6', name: 'v2', version: 2, conditions: { all: [eq('state', 'TX')] } });
    for (let i = 0; i < 3; i++) {
      expect(checkRule({ state: 'TX' }, v2)).toEqual({ ruleId: 'g6', ruleName: 'v2', priority: 100, version: 2, matched: true });
      expect(checkRule({ state: 'CA' }, v2)).toMatchObject({ ruleName: 'v2', version: 2, matched: false });
    }
  });
});
