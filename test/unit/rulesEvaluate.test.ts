// Pure tests of the rule engine (lib/rules/evaluate.ts): field reads, the first-miss explanation,
// strict predicate semantics (every operator: rulesOperators.test.ts), applicableRules / checkRule, and the
// ordering / scoping / fall-through of evaluateRules.
import { applicableRules, checkRule, evaluateRules, firstMiss, readField } from '../../lib/rules/evaluate';
import type { Condition, LeadFields, Predicate } from '../../lib/rules/types';
import { eq, everyoneEligible, expectMatched, isIn, pr, rule } from '../support/ruleBuilders';

describe('readField', () => {
  const lead: LeadFields = {
    state: 'CA',
    zero: 0,
    no: false,
    empty: '',
    nothing: null,
    attributes: { loanAmount: 250000, nested: { deep: 'yes' }, nil: null },
  };

  test.each<[string, unknown]>([
    ['state', 'CA'],
    ['zero', 0],
    ['no', false],
    ['empty', ''],
    ['nothing', null],
    ['attributes.loanAmount', 250000],
    ['attributes.nested.deep', 'yes'],
    ['attributes.nil', null],
  ])('reads %s', (field, expected) => {
    expect(readField(lead, field)).toBe(expected);
  });

  test('returns the nested object itself for a partial path', () => {
    expect(readField(lead, 'attributes.nested')).toEqual({ deep: 'yes' });
  });

  test.each([
    'missing',
    'attributes.missing',
    'attributes.missing.deeper',
    'missing.deeper',
    // stepping through a scalar or through null yields undefined, never a property of the primitive
    'state.length',
    'zero.toFixed',
    'nothing.anything',
    'attributes.nil.anything',
    'attributes.loanAmount.x',
    '',
    'attributes.',
  ])('%p is undefined', (field) => {
    expect(readField(lead, field)).toBeUndefined();
  });

  test.each([
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__proto__.constructor',
    'constructor.name',
    'constructor.prototype',
    'attributes.__proto__',
    'attributes.constructor',
    'attributes.constructor.name',
    'attributes.nested.__proto__.constructor',
  ])('does not read through the prototype: %p is undefined', (field) => {
    expect(readField(lead, field)).toBeUndefined();
  });

  test('does not read inherited properties', () => {
    const inherited = Object.create({ state: 'NY' }) as LeadFields;
    expect(readField(inherited, 'state')).toBeUndefined();
    expect(readField({ a: Object.create({ b: 1 }) }, 'a.b')).toBeUndefined();
  });

  test('reads own properties even when they share a name with an Object.prototype member', () => {
    expect(readField({ constructor: 'own' }, 'constructor')).toBe('own');
    expect(readField({ a: { toString: 'own' } }, 'a.toString')).toBe('own');
  });

  test('works on a lead without a prototype', () => {
    const bare = Object.assign(Object.create(null) as LeadFields, { state: 'TX' });
    expect(readField(bare, 'state')).toBe('TX');
    expect(readField(bare, 'missing')).toBeUndefined();
  });
});

describe('predicate strictness (eq / in)', () => {
  const matches = (lead: LeadFields, p: Predicate) => firstMiss(lead, p) === undefined;

  test.each<[string, LeadFields, Predicate, boolean]>([
    ['eq number = number', { n: 5 }, eq('n', 5), true],
    ['eq string "5" vs number 5', { n: 5 }, eq('n', '5'), false],
    ['eq number 5 vs string "5"', { n: '5' }, eq('n', 5), false],
    ['eq zero matches zero', { n: 0 }, eq('n', 0), true],
    ['eq false matches false', { b: false }, eq('b', false), true],
    ['eq true vs "true"', { b: 'true' }, eq('b', true), false],
    ['eq true vs 1', { b: 1 }, eq('b', true), false],
    ['eq false vs 0', { b: 0 }, eq('b', false), false],
    ['eq empty string matches empty string', { s: '' }, eq('s', ''), true],
    ['eq is case-sensitive', { state: 'ca' }, eq('state', 'CA'), false],
    ['eq on a missing field', {}, eq('state', 'CA'), false],
    ['eq false on a missing field', {}, eq('b', false), false],
    ['eq on a null field', { state: null }, eq('state', 'CA'), false],
    ['eq on a nested path', { attributes: { loanAmount: 250000 } }, eq('attributes.loanAmount', 250000), true],
    ['eq against an object value', { state: { code: 'CA' } }, eq('state', 'CA'), false],
    ['in with a matching string', { state: 'CA' }, isIn('state', ['NY', 'CA']), true],
    ['in is case-sensitive', { state: 'ca' }, isIn('state', ['NY', 'CA']), false],
    ['in ["5"] vs number 5', { n: 5 }, isIn('n', ['5']), false],
    ['in [5] vs string "5"', { n: '5' }, isIn('n', [5]), false],
    ['in [5] vs number 5', { n: 5 }, isIn('n', [1, 5]), true],
    ['in [true] vs "true"', { b: 'true' }, isIn('b', [true]), false],
    ['in [false] vs false', { b: false }, isIn('b', [false]), true],
    ['in [0] vs 0', { n: 0 }, isIn('n', [0]), true],
    ['in on a missing field', {}, isIn('state', ['CA']), false],
    ['in on a null field', { state: null }, isIn('state', ['CA']), false],
    ['in with a scalar (non-array) value never matches', { state: 'CA' }, isIn('state', 'CA'), false],
    ['in does not match an array field by element', { tags: ['CA'] }, isIn('tags', ['CA']), false],
  ])('%s', (_name, lead, predicate, expected) => {
    expect(matches(lead, predicate)).toBe(expected);
  });
});

describe('firstMiss', () => {
  const lead: LeadFields = { state: 'CA', product: 'mortgage', attributes: { loanAmount: 250000 } };
  const ok1 = eq('state', 'CA');
  const ok2 = eq('product', 'mortgage');
  const bad1 = eq('state', 'NY');
  const bad2 = isIn('product', ['auto', 'personal']);

  test.each<[string, Condition]>([
    ['a holding predicate', ok1],
    ['empty all', { all: [] }],
    ['empty any', { any: [] }],
    ['all of holding predicates', { all: [ok1, ok2] }],
    ['any with one holding branch (last)', { any: [bad1, bad2, ok2] }],
    ['not of a failing predicate', { not: bad1 }],
    ['not of a predicate on a missing field', { not: eq('missing', 'x') }],
    ['not not of a holding predicate', { not: { not: ok1 } }],
    ['nested groups', { all: [{ any: [bad1, ok1] }, { not: { all: [ok1, bad2] } }, { all: [] }] }],
  ])('%s holds', (_name, c) => {
    expect(firstMiss(lead, c)).toBeUndefined();
  });

  test('a failing bare predicate reports the root path', () => {
    expect(firstMiss(lead, bad1)).toEqual({ path: 'conditions', predicate: bad1 });
  });

  test('all reports the first failing child, not a later one', () => {
    expect(firstMiss(lead, { all: [ok1, bad1, bad2] })).toEqual({ path: 'conditions.all[1]', predicate: bad1 });
    expect(firstMiss(lead, { all: [ok1, ok2, bad2] })).toEqual({ path: 'conditions.all[2]', predicate: bad2 });
  });

  test('any where every branch fails reports the first branch', () => {
    expect(firstMiss(lead, { any: [bad2, bad1] })).toEqual({ path: 'conditions.any[0]', predicate: bad2 });
  });

  test('any reports the first failing predicate inside its first branch', () => {
    const c: Condition = { any: [{ all: [ok1, bad2] }, bad1] };
    expect(firstMiss(lead, c)).toEqual({ path: 'conditions.any[0].all[1]', predicate: bad2 });
  });

  test('a not whose subtree holds reports the not, with the subtree\'s first predicate', () => {
    expect(firstMiss(lead, { not: ok1 })).toEqual({ path: 'conditions.not', predicate: ok1 });
    const nested: Condition = { all: [ok1, { not: { any: [bad1, ok2] } }] };
    expect(firstMiss(lead, nested)).toEqual({ path: 'conditions.all[1].not', predicate: bad1 });
  });

  test('a not over an empty group (which holds) fails at the not', () => {
    expect(firstMiss(lead, { not: { all: [] } })?.path).toBe('conditions.not');
    expect(firstMiss(lead, { not: { any: [] } })?.path).toBe('conditions.not');
  });

  test('paths compose through deep nesting', () => {
    const c: Condition = { all: [ok1, { any: [bad1, { all: [ok2, { not: ok1 }] }] }] };
    // any[1] is reached only after any[0] failed; the first miss is any[0] since every branch failed.
    expect(firstMiss(lead, c)).toEqual({ path: 'conditions.all[1].any[0]', predicate: bad1 });
  });

  test('the path prefix can be chosen', () => {
    expect(firstMiss(lead, { all: [bad1] }, 'rule.conditions')?.path).toBe('rule.conditions.all[0]');
  });
});

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

describe('firstMiss with the full operator set', () => {
  const lead: LeadFields = {
    state: 'CA',
    email: 'Jane@Example.org',
    zip: '94107',
    attributes: { loanAmount: 250000, creditScore: 640, coSigner: null },
  };
  const ok = {
    state: pr('state', 'in', ['CA', 'NV']),
    email: pr('email', 'ends_with', '@EXAMPLE.ORG'),
    zip: pr('zip', 'matches', '^94'),
    amount: pr('attributes.loanAmount', 'between', [100000, 500000]),
    noCoSigner: pr('attributes.coSigner', 'not_exists'),
  };
  const bad = {
    score: pr('attributes.creditScore', 'gte', 680),
    phone: pr('phone', 'exists'),
    state: pr('state', 'not_in', ['CA']),
    email: pr('email', 'contains', 'gmail'),
  };

  test('the first failing predicate is reported with its operator and field', () => {
    const c: Condition = { all: [ok.state, ok.email, { any: [bad.phone, { all: [ok.zip, ok.amount, bad.score] }] }, bad.state] };
    expect(firstMiss(lead, c)).toEqual({ path: 'conditions.all[2].any[0]', predicate: bad.phone });
  });

  test('a failing branch deep inside all / any / not is named by its full path', () => {
    const c: Condition = { any: [{ all: [ok.zip, { not: ok.noCoSigner }] }, bad.email] };
    expect(firstMiss(lead, c)).toEqual({ path: 'conditions.any[0].all[1].not', predicate: ok.noCoSigner });
    const c2: Condition = { all: [ok.state, { all: [ok.amount, { any: [bad.score, bad.email] }] }] };
    expect(firstMiss(lead, c2)).toEqual({ path: 'conditions.all[1].all[1].any[0]', predicate: bad.score });
  });

  test('a realistic rule that holds', () => {
    const c: Condition = { all: [ok.state, ok.amount, { any: [ok.zip, bad.phone] }, { not: bad.score }, { not: bad.email }] };
    expect(firstMiss(lead, c)).toBeUndefined();
  });

  test('a custom root path prefixes every path', () => {
    expect(firstMiss(lead, { all: [ok.state, { not: ok.email }] }, 'rules[2].conditions')?.path).toBe('rules[2].conditions.all[1].not');
    expect(firstMiss(lead, bad.score, 'x')?.path).toBe('x');
  });
});

describe('applicableRules', () => {
  const rules = [
    rule({ id: 'c', priority: 10 }),
    rule({ id: 'off', priority: 0, enabled: false }),
    rule({ id: 'b', priority: 10, sourceWorkspaceId: 'src-1' }),
    rule({ id: 'other', priority: 1, sourceWorkspaceId: 'src-2' }),
    rule({ id: 'a', priority: 20 }),
    rule({ id: 'neg', priority: -5, sourceWorkspaceId: 'src-1' }),
    rule({ id: 'nine', priority: 9 }),
  ];

  test('enabled rules of this source or of every source, by priority then id', () => {
    expect(applicableRules(rules, 'src-1').map((r) => r.id)).toEqual(['neg', 'nine', 'b', 'c', 'a']);
    expect(applicableRules(rules, 'src-2').map((r) => r.id)).toEqual(['other', 'nine', 'c', 'a']);
    expect(applicableRules(rules, 'src-3').map((r) => r.id)).toEqual(['nine', 'c', 'a']);
  });

  test('returns a new array and leaves the input alone', () => {
    const before = rules.map((r) => r.id);
    const out = applicableRules(rules, 'src-1');
    expect(out).not.toBe(rules);
    expect(rules.map((r) => r.id)).toEqual(before);
    expect(out[0]).toBe(rules[5]); // the same rule objects, not copies
  });

  test('ties on priority are broken by id in code-unit order (locale-independent, as Postgres orders uuids)', () => {
    const tied = ['rule-9', 'Rule-b', 'rule-10', 'rule-a', '0f0e'].map((id) => rule({ id, priority: 1 }));
    expect(applicableRules(tied, 'src-1').map((r) => r.id)).toEqual(['0f0e', 'Rule-b', 'rule-10', 'rule-9', 'rule-a']);
    const uuids = ['f47ac10b-58cc-4372-a567-0e02b2c3d479', '0b7e1b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'];
    expect(applicableRules(uuids.map((id) => rule({ id, priority: 3 })), 'src-1').map((r) => r.id)).toEqual([...uuids].sort());
  });

  test('no rules, or none applicable', () => {
    expect(applicableRules([], 'src-1')).toEqual([]);
    expect(applicableRules([rule({ id: 'x', enabled: false })], 'src-1')).toEqual([]);
  });
});

describe('checkRule', () => {
  const lead: LeadFields = { state: 'CA', attributes: { loanAmount: 90000 } };

  test('a matching rule: a trace entry with no failedAt', () => {
    const r = rule({ id: 'm', name: 'CA loans', priority: 4, version: 2, conditions: { all: [eq('state', 'CA'), pr('attributes.loanAmount', 'gt', 50000)] } });
    const trace = checkRule(lead, r);
    expect(trace).toEqual({ ruleId: 'm', ruleName: 'CA loans', priority: 4, version: 2, matched: true });
    expect('failedAt' in trace).toBe(false);
  });

  test('a failing rule: the path, field and operator of the first failing predicate, never the value', () => {
    const r = rule({
      id: 'f',
      name: 'big loans',
      priority: 5,
      conditions: { all: [eq('state', 'CA'), { any: [pr('attributes.loanAmount', 'between', [100000, 900000]), pr('attributes.jumbo', 'exists')] }] },
    });
    const trace = checkRule(lead, r);
    expect(trace).toEqual({
      ruleId: 'f',
      ruleName: 'big loans',
      priority: 5,
      version: 1,
      matched: false,
      failedAt: { path: 'conditions.all[1].any[0]', field: 'attributes.loanAmount', op: 'between' },
    });
    expect(JSON.stringify(trace)).not.toContain('90000');
  });

  test('a failing not names the not and the first predicate of its tree', () => {
    const r = rule({ id: 'n', conditions: { all: [{ not: { all: [pr('state', 'starts_with', 'c'), pr('state', 'ends_with', 'A')] } }] } });
    expect(checkRule(lead, r).failedAt).toEqual({ path: 'conditions.all[0].not', field: 'state', op: 'starts_with' });
  });

  test('a fresh object each call (callers add to it)', () => {
    const r = rule({ id: 'fresh' });
    const a = checkRule(lead, r);
    const b = checkRule(lead, r);
    expect(a).not.toBe(b);
    a.noEligibleDestination = true;
    expect(b.noEligibleDestination).toBeUndefined();
  });

  test('does not look at enabled or the source (that is applicableRules\' job)', () => {
    expect(checkRule(lead, rule({ id: 'off', enabled: false, sourceWorkspaceId: 'elsewhere' })).matched).toBe(true);
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
