// evaluateRules (lib/rules/evaluate.ts): ordering, source scoping, fall-through on no eligible destination, and
// the decision trace. Its parts: rulesEvaluateReadField, rulesEvaluateFirstMiss, rulesEvaluateApplicableRules,
// rulesEvaluateCheckRule tests.
import { applicableRules, checkRule, evaluateRules } from '../../lib/rules/evaluate';
import type { LeadFields } from '../../lib/rules/types';
import { eq, everyoneEligible, expectMatched, isIn, pr, rule } from '../support/ruleBuilders';

describe('evaluateRules', () => {
  const lead: LeadFields = { state: 'CA', product: 'mortgage' };
  const SOURCE = 'src-1';

  test('no rules: no_match with an empty trace', () => {
    expect(evaluateRules(lead, SOURCE, [], everyoneEligible)).toEqual({ kind: 'no_match', trace: [] });
  });

  test('lower priority number wins, compared numerically (9 before 10, negative first)', () => {
    const rules = [rule({ id: 'r10', priority: 10 }), rule({ id: 'r9', priority: 9 }), rule({ id: 'rneg', priority: -1 })];
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('rneg');
    expect(d.destinationWorkspaceId).toBe('dest-of-rneg');
  });

  test('evaluates in priority order and stops at the winner', () => {
    const rules = [
      rule({ id: 'r30', priority: 30 }),
      rule({ id: 'r10', priority: 10, conditions: eq('state', 'NY') }),
      rule({ id: 'r20', priority: 20 }),
    ];
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('r20');
    expect(d.trace.map((t) => t.ruleId)).toEqual(['r10', 'r20']);
  });

  test('equal priority: id breaks the tie', () => {
    const rules = [rule({ id: 'rule-b', priority: 5 }), rule({ id: 'rule-a', priority: 5 })];
    expect(expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible)).ruleId).toBe('rule-a');
    expect(expectMatched(evaluateRules(lead, SOURCE, [...rules].reverse(), everyoneEligible)).ruleId).toBe('rule-a');
  });

  test('does not reorder the caller\'s array', () => {
    const rules = [rule({ id: 'b', priority: 2 }), rule({ id: 'a', priority: 1 })];
    evaluateRules(lead, SOURCE, rules, everyoneEligible);
    expect(rules.map((r) => r.id)).toEqual(['b', 'a']);
  });

  test('disabled rules are skipped and absent from the trace', () => {
    const rules = [rule({ id: 'off', priority: 1, enabled: false }), rule({ id: 'on', priority: 2 })];
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('on');
    expect(d.trace.map((t) => t.ruleId)).toEqual(['on']);
  });

  test('only disabled rules: no_match', () => {
    const d = evaluateRules(lead, SOURCE, [rule({ id: 'off', enabled: false })], everyoneEligible);
    expect(d).toEqual({ kind: 'no_match', trace: [] });
  });

  test('source scoping: another source\'s rule is ignored, a null-scoped rule applies to every source', () => {
    const rules = [
      rule({ id: 'other-source', priority: 1, sourceWorkspaceId: 'src-2' }),
      rule({ id: 'own-source', priority: 2, sourceWorkspaceId: SOURCE, conditions: eq('state', 'NY') }),
      rule({ id: 'global', priority: 3, sourceWorkspaceId: null }),
    ];
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('global');
    expect(d.trace.map((t) => t.ruleId)).toEqual(['own-source', 'global']);

    const fromOther = expectMatched(evaluateRules(lead, 'src-2', rules, everyoneEligible));
    expect(fromOther.ruleId).toBe('other-source');
  });

  test('a source-scoped rule matches its own source', () => {
    const rules = [rule({ id: 'mine', sourceWorkspaceId: SOURCE })];
    expect(expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible)).ruleId).toBe('mine');
  });

  test('a matched rule with no eligible destination falls through and is marked noEligibleDestination', () => {
    const rules = [
      rule({ id: 'full', priority: 1, destinations: [{ workspaceId: 'busy-1' }, { workspaceId: 'busy-2' }] }),
      rule({ id: 'fallback', priority: 2, destinations: [{ workspaceId: 'free' }] }),
    ];
    const isEligible = (id: string) => id === 'free';
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, isEligible));
    expect(d.ruleId).toBe('fallback');
    expect(d.destinationWorkspaceId).toBe('free');
    expect(d.trace[0]).toMatchObject({ ruleId: 'full', matched: true, noEligibleDestination: true });
    expect(d.trace[0]?.failedAt).toBeUndefined();
    expect(d.trace[1]).toMatchObject({ ruleId: 'fallback', matched: true });
    expect(d.trace[1]?.noEligibleDestination).toBeUndefined();
  });

  test('a matched rule with no destinations at all falls through', () => {
    const rules = [rule({ id: 'empty', priority: 1, destinations: [] }), rule({ id: 'next', priority: 2 })];
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('next');
    expect(d.trace[0]).toMatchObject({ ruleId: 'empty', matched: true, noEligibleDestination: true });
  });

  test('no eligible destination anywhere: no_match, every matched rule marked', () => {
    const rules = [rule({ id: 'a', priority: 1 }), rule({ id: 'b', priority: 2 })];
    const d = evaluateRules(lead, SOURCE, rules, () => false);
    expect(d.kind).toBe('no_match');
    expect(d.trace).toEqual([
      expect.objectContaining({ ruleId: 'a', matched: true, noEligibleDestination: true }),
      expect.objectContaining({ ruleId: 'b', matched: true, noEligibleDestination: true }),
    ]);
  });

  test('the first eligible destination in listed order is chosen', () => {
    const destinations = [{ workspaceId: 'ws-a' }, { workspaceId: 'ws-b', weight: 1 }, { workspaceId: 'ws-c', weight: 100 }];
    const asked: string[] = [];
    const isEligible = (id: string) => {
      asked.push(id);
      return id !== 'ws-a';
    };
    const d = expectMatched(evaluateRules(lead, SOURCE, [rule({ id: 'r', destinations })], isEligible));
    expect(d.destinationWorkspaceId).toBe('ws-b');
    expect(asked).toEqual(['ws-a', 'ws-b']);
  });

  test('the decision carries the winning rule\'s version', () => {
    const d = expectMatched(evaluateRules(lead, SOURCE, [rule({ id: 'r', version: 7 })], everyoneEligible));
    expect(d.ruleVersion).toBe(7);
    expect(d.trace[0]?.version).toBe(7);
  });

  test('no_match carries a trace of every rule checked, in order, with where each failed', () => {
    const rules = [
      rule({ id: 'r2', name: 'NY only', priority: 2, version: 3, conditions: eq('state', 'NY') }),
      rule({ id: 'r1', name: 'auto in CA', priority: 1, conditions: { all: [eq('state', 'CA'), isIn('product', ['auto'])] } }),
      rule({ id: 'r3', name: 'not CA', priority: 3, conditions: { not: eq('state', 'CA') } }),
      rule({ id: 'r4', name: 'disabled', priority: 0, enabled: false }),
    ];
    const d = evaluateRules(lead, SOURCE, rules, everyoneEligible);
    expect(d).toEqual({
      kind: 'no_match',
      trace: [
        { ruleId: 'r1', ruleName: 'auto in CA', priority: 1, version: 1, matched: false, failedAt: { path: 'conditions.all[1]', field: 'product', op: 'in' } },
        { ruleId: 'r2', ruleName: 'NY only', priority: 2, version: 3, matched: false, failedAt: { path: 'conditions', field: 'state', op: 'eq' } },
        { ruleId: 'r3', ruleName: 'not CA', priority: 3, version: 1, matched: false, failedAt: { path: 'conditions.not', field: 'state', op: 'eq' } },
      ],
    });
  });

  test('the trace never contains the lead\'s field values (PII)', () => {
    const email = 'jane.pii-canary@example.org';
    const phone = '+14155550132';
    const piiLead: LeadFields = {
      email,
      phone,
      firstName: 'Zebediah',
      lastName: 'Quuxworth',
      state: 'CA',
      attributes: { ssnLast4: '9876' },
    };
    const rules = [
      // fails on the email: a trace that echoed the actual value would leak it
      rule({ id: 'email-eq', priority: 1, conditions: eq('email', 'someone-else@example.org') }),
      // a not whose subtree holds *because* the value matches: the reason predicate touches the email
      rule({ id: 'not-email', priority: 2, conditions: { not: { all: [eq('phone', phone), eq('email', email)] } } }),
      rule({ id: 'names', priority: 3, conditions: { any: [isIn('firstName', ['Bob']), eq('lastName', 'Smith')] } }),
      rule({ id: 'attr', priority: 4, conditions: eq('attributes.ssnLast4', '0000') }),
      // matches, but nothing is eligible
      rule({ id: 'matches', priority: 5, conditions: eq('firstName', 'Zebediah') }),
    ];
    const d = evaluateRules(piiLead, SOURCE, rules, () => false);
    expect(d.kind).toBe('no_match');
    expect(d.trace).toHaveLength(5);
    const serialized = JSON.stringify(d);
    for (const value of [email, 'jane.pii-canary', phone, '4155550132', 'Zebediah', 'Quuxworth', '9876']) {
      expect(serialized).not.toContain(value);
    }
    // field names (not values) are what explain the decision
    expect(d.trace[0]?.failedAt).toEqual({ path: 'conditions', field: 'email', op: 'eq' });
    expect(d.trace[1]?.failedAt).toEqual({ path: 'conditions.not', field: 'phone', op: 'eq' });
  });
});

describe('evaluateRules with the full operator set', () => {
  const SOURCE = 'src-1';
  const lead: LeadFields = {
    state: 'TX',
    product: 'Mortgage',
    email: 'sam@corp.example',
    attributes: { loanAmount: 420000, creditScore: 701, propertyType: 'single_family' },
  };
  const rules = [
    rule({ id: 'jumbo', priority: 1, conditions: { all: [pr('attributes.loanAmount', 'gt', 647200), isIn('state', ['TX', 'CA'])] } }),
    rule({ id: 'prime', priority: 2, conditions: { all: [pr('attributes.creditScore', 'gte', 740), pr('product', 'eq', 'Mortgage')] } }),
    rule({ id: 'scoped-elsewhere', priority: 3, sourceWorkspaceId: 'src-2', conditions: { all: [] } }),
    rule({ id: 'no-freemail', priority: 4, conditions: { all: [{ not: pr('email', 'matches', '@(gmail|yahoo)\\.com$') }, pr('product', 'starts_with', 'MORT'), pr('attributes.coBorrower', 'exists')] } }),
    rule({ id: 'tx-mid', priority: 5, sourceWorkspaceId: SOURCE, conditions: { all: [pr('state', 'neq', 'CA'), pr('attributes.loanAmount', 'between', [100000, 647200]), pr('attributes.propertyType', 'not_in', ['manufactured'])] } }),
    rule({ id: 'catch-all', priority: 1000 }),
  ];

  test('the first matching rule wins; the trace explains each miss', () => {
    const d = expectMatched(evaluateRules(lead, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('tx-mid');
    expect(d.trace).toEqual([
      expect.objectContaining({ ruleId: 'jumbo', matched: false, failedAt: { path: 'conditions.all[0]', field: 'attributes.loanAmount', op: 'gt' } }),
      expect.objectContaining({ ruleId: 'prime', matched: false, failedAt: { path: 'conditions.all[0]', field: 'attributes.creditScore', op: 'gte' } }),
      expect.objectContaining({ ruleId: 'no-freemail', matched: false, failedAt: { path: 'conditions.all[2]', field: 'attributes.coBorrower', op: 'exists' } }),
      { ruleId: 'tx-mid', ruleName: 'rule tx-mid', priority: 5, version: 1, matched: true },
    ]);
  });

  test('is applicableRules + checkRule, stopping at the winner', () => {
    const other = { ...lead, state: 'CA' };
    const d = expectMatched(evaluateRules(other, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('catch-all');
    expect(d.trace).toEqual(applicableRules(rules, SOURCE).map((r) => checkRule(other, r)));
  });

  test('type mismatches fall through instead of throwing', () => {
    const weird: LeadFields = { state: ['TX'], product: 5, email: { at: 'x' }, attributes: 'not an object' };
    const d = expectMatched(evaluateRules(weird, SOURCE, rules, everyoneEligible));
    expect(d.ruleId).toBe('catch-all');
    expect(d.trace.filter((t) => t.matched).map((t) => t.ruleId)).toEqual(['catch-all']);
  });
});
