// firstMiss (lib/rules/evaluate.ts): strict eq / in semantics and the path of the first predicate that fails
// (every operator on its own: rulesOperators.test.ts).
import { firstMiss } from '../../lib/rules/evaluate';
import type { Condition, LeadFields, Predicate } from '../../lib/rules/types';
import { eq, isIn, pr } from '../support/ruleBuilders';

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
