import { deliveryUrlProblem, normalizeDeliveryUrl } from '../../api/schemas/admin';
import { RULE_LEAD_SHAPE } from '../../api/schemas/ruleLeadShape';
import { compileCondition } from '../../lib/rules/compile';
import { constantGroupProblems, leadShapeProblems } from '../../lib/rules/neverMatches';
import type { Condition } from '../../lib/rules/types';

const paths = (problems: Array<{ path: string }>) => problems.map((p) => p.path);
const shape = (c: unknown) => paths(leadShapeProblems(c, RULE_LEAD_SHAPE));

describe('leadShapeProblems (the lead shape derived from the lead schema)', () => {
  test.each<[string, unknown, string[]]>([
    ['country lower case', { field: 'country', op: 'eq', value: 'us' }, ['conditions.value']],
    ['country not a code', { field: 'country', op: 'in', value: ['US', 'XX', 'USA'] }, ['conditions.value[1]', 'conditions.value[2]']],
    ['a number on a string field', { field: 'state', op: 'neq', value: 1 }, ['conditions.value']],
    ['a boolean in not_in', { field: 'product', op: 'not_in', value: [false] }, ['conditions.value[0]']],
    ['between on a string field', { field: 'postalCode', op: 'between', value: [1, 2] }, ['conditions.op']],
    ['an invalid email', { field: 'email', op: 'eq', value: 'not-an-email' }, ['conditions.value']],
    ['an invisible character at an end', { field: 'state', op: 'eq', value: 'TX\u200B' }, ['conditions.value']],
    ['the attributes object', { field: 'attributes', op: 'neq', value: 'x' }, ['conditions.field']],
    ['an attribute name longer than the schema allows (64)', { field: `attributes.${'a'.repeat(65)}`, op: 'exists' }, ['conditions.field']],
    ['an unknown top-level field', { field: 'loanAmount', op: 'gt', value: 5 }, ['conditions.field']],
    ['a case typo', { field: 'State', op: 'eq', value: 'TX' }, ['conditions.field']],
  ])('%s', (_name, c, expected) => {
    expect(shape(c)).toEqual(expected);
  });

  test('values a lead can hold pass, and every refused one is indeed never matched by a lead that passes the schema', () => {
    expect(shape({ all: [
      { field: 'country', op: 'in', value: ['US', 'GB'] },
      { field: 'phone', op: 'eq', value: '+1 415 555 2671' },
      { field: 'state', op: 'matches', value: '^T' },
      { field: 'attributes.score', op: 'between', value: [1, 5] },
      { field: 'attributes', op: 'not_exists' },
      { field: 'externalId', op: 'eq', value: 'abc' },
      { field: 'state', op: 'eq', value: '' }, // left to unmatchableValueProblems
    ] })).toEqual([]);
    // The engine agrees: `country eq "us"` misses the lead the gateway stores for "us".
    const miss = compileCondition({ field: 'country', op: 'eq', value: 'us' } as Condition);
    expect(miss({ country: 'US' })).toBeDefined();
  });
});

describe('constantGroupProblems', () => {
  test.each<[string, unknown, string[]]>([
    ['not of an empty all', { not: { all: [] } }, ['conditions.not']],
    ['not of nested empty groups', { all: [{ not: { all: [{ all: [] }] } }] }, ['conditions.all[0].not']],
    ['an empty any', { any: [] }, ['conditions.any']],
    ['a catch-all', { all: [] }, []],
    ['a not of a real predicate', { not: { field: 'state', op: 'eq', value: 'TX' } }, []],
    ['an any with one constant branch', { any: [{ all: [] }, { field: 'state', op: 'eq', value: 'TX' }] }, []],
  ])('%s', (_name, c, expected) => {
    expect(paths(constantGroupProblems(c))).toEqual(expected);
  });
});

describe('deliveryUrlProblem and normalizeDeliveryUrl', () => {
  test.each(['HTTP://X.COM/', 'hTTps://buyer.example.com/x', 'http://x_y.com/', 'http://127.0.0.1:3000/', 'http://192.168.1.5/', 'http://[::1]/', 'http://0.example.com/', 'http://169.254.example.com/'])('%s is accepted', (url) => {
    expect(deliveryUrlProblem(url)).toBeUndefined();
  });
  test.each(['http://169.254.169.254/latest/meta-data/', 'http://169.254.0.1/', 'http://0.0.0.0/', 'http://0x0/', 'http://0.1.2.3/', 'http://[::]/', 'http://[fe80::1]/', 'http://[febf::1]/', 'http://[::ffff:169.254.169.254]/'])('%s is refused', (url) => {
    expect(deliveryUrlProblem(url)).toMatch(/link-local|unspecified/);
  });
  test('[fe8::1] is not link-local (fe80::/10 begins fe80-febf)', () => {
    expect(deliveryUrlProblem('http://[fe8::1]/')).toBeUndefined();
  });
  test('the scheme is stored in lower case, the rest as written', () => {
    expect(normalizeDeliveryUrl('HTTPS://Buyer.Example.com/Path')).toBe('https://Buyer.Example.com/Path');
  });
});
