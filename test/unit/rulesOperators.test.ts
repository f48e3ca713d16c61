// Predicate semantics of every operator (lib/rules/operators.ts, via the public firstMiss / checkRule):
// strict types, missing and null fields, case-insensitive string operators, inclusive between,
// RE2 regexes that run in linear time, and operands the validator would refuse.
import { RE2JS } from 're2js';
import { checkRule, firstMiss, readField } from '../../lib/rules/evaluate';
import { OPERATORS, type Condition, type LeadFields, type Operator, type Predicate, type RoutingRule } from '../../lib/rules/types';

let ruleSeq = 0;
/** Evaluates through both entry points (the uncompiled firstMiss and the cached checkRule) and insists they agree. */
function holds(lead: LeadFields, c: Condition): boolean {
  const viaFirstMiss = firstMiss(lead, c) === undefined;
  const rule: RoutingRule = {
    id: `op-rule-${++ruleSeq}`,
    name: 'op',
    priority: 1,
    sourceWorkspaceId: null,
    conditions: c,
    destinations: [],
    distribution: 'priority',
    enabled: true,
    version: 1,
  };
  const viaCheckRule = checkRule(lead, rule).matched;
  expect(viaCheckRule).toBe(viaFirstMiss);
  return viaFirstMiss;
}

const p = (field: string, op: Operator | string, value?: unknown): Predicate =>
  (value === undefined ? { field, op } : { field, op, value }) as Predicate;

const lead: LeadFields = {
  state: 'CA',
  zip: '94107',
  n: 5,
  five: '5',
  zero: 0,
  neg: -3.5,
  yes: true,
  no: false,
  empty: '',
  nil: null,
  email: 'Jane.Doe@Example.ORG',
  city: 'École-Ville',
  tags: ['CA', 'NY'],
  obj: { code: 'CA' },
  emptyObj: {},
  attributes: { loanAmount: 250000, creditScore: 720, propertyType: 'Condo', nil: null },
};

type Case = [string, Predicate, boolean];

describe.each<[Operator, Case[]]>([
  ['eq', [
    ['equal string', p('state', 'eq', 'CA'), true],
    ['different string', p('state', 'eq', 'NY'), false],
    ['case-sensitive', p('state', 'eq', 'ca'), false],
    ['equal number', p('n', 'eq', 5), true],
    ['number field vs string value', p('n', 'eq', '5'), false],
    ['string field vs number value', p('five', 'eq', 5), false],
    ['zero vs false', p('zero', 'eq', false), false],
    ['false vs false', p('no', 'eq', false), true],
    ['true vs "true"', p('yes', 'eq', 'true'), false],
    ['empty string', p('empty', 'eq', ''), true],
    ['object field', p('obj', 'eq', 'CA'), false],
    ['array field', p('tags', 'eq', 'CA'), false],
    ['nested', p('attributes.propertyType', 'eq', 'Condo'), true],
  ]],
  ['neq', [
    ['different string', p('state', 'neq', 'NY'), true],
    ['equal string', p('state', 'neq', 'CA'), false],
    ['case differs, so not equal', p('state', 'neq', 'ca'), true],
    ['equal number', p('n', 'neq', 5), false],
    ['string "5" is not the number 5', p('five', 'neq', 5), true],
    ['zero is not false', p('zero', 'neq', false), true],
    ['object field is a type mismatch', p('obj', 'neq', 'NY'), false],
    ['array field is a type mismatch', p('tags', 'neq', 'TX'), false],
    ['nested', p('attributes.creditScore', 'neq', 600), true],
  ]],
  ['in', [
    ['member', p('state', 'in', ['NY', 'CA']), true],
    ['not a member', p('state', 'in', ['NY', 'TX']), false],
    ['case-sensitive', p('state', 'in', ['ca']), false],
    ['number member', p('n', 'in', [1, 5]), true],
    ['number vs string list', p('n', 'in', ['5']), false],
    ['string vs number list', p('five', 'in', [5]), false],
    ['false member', p('no', 'in', [false]), true],
    ['zero vs false', p('zero', 'in', [false, '0']), false],
    ['array field is not searched by element', p('tags', 'in', ['CA']), false],
    ['object field', p('obj', 'in', ['CA']), false],
  ]],
  ['not_in', [
    ['not a member', p('state', 'not_in', ['NY', 'TX']), true],
    ['member', p('state', 'not_in', ['NY', 'CA']), false],
    ['case differs, so not a member', p('state', 'not_in', ['ca']), true],
    ['number member', p('n', 'not_in', [5]), false],
    ['number vs string list', p('n', 'not_in', ['5']), true],
    ['array field is a type mismatch', p('tags', 'not_in', ['TX']), false],
    ['object field is a type mismatch', p('obj', 'not_in', ['TX']), false],
  ]],
  ['contains', [
    ['substring', p('email', 'contains', 'doe@'), true],
    ['case-insensitive value', p('email', 'contains', 'EXAMPLE.org'), true],
    ['case-insensitive field', p('state', 'contains', 'c'), true],
    ['non-ASCII case-insensitive', p('city', 'contains', 'éCOLE'), true],
    ['absent substring', p('email', 'contains', 'gmail'), false],
    ['whole string', p('zip', 'contains', '94107'), true],
    ['longer than the field', p('zip', 'contains', '941070'), false],
    ['number field', p('n', 'contains', '5'), false],
    ['array field (no element search)', p('tags', 'contains', 'CA'), false],
    ['boolean field', p('yes', 'contains', 'true'), false],
  ]],
  ['starts_with', [
    ['prefix', p('zip', 'starts_with', '941'), true],
    ['case-insensitive', p('email', 'starts_with', 'JANE.'), true],
    ['not a prefix', p('zip', 'starts_with', '107'), false],
    ['number field', p('n', 'starts_with', '5'), false],
    ['empty string field', p('empty', 'starts_with', 'a'), false],
  ]],
  ['ends_with', [
    ['suffix', p('email', 'ends_with', '.org'), true],
    ['case-insensitive', p('email', 'ends_with', '@EXAMPLE.ORG'), true],
    ['not a suffix', p('email', 'ends_with', '.com'), false],
    ['number field', p('attributes.loanAmount', 'ends_with', '000'), false],
  ]],
  ['matches', [
    ['anchored full match', p('zip', 'matches', '^9[0-6]\\d{3}$'), true],
    ['unanchored search finds a substring', p('zip', 'matches', '410'), true],
    ['anchor that fails', p('zip', 'matches', '^410'), false],
    ['case-sensitive by default', p('state', 'matches', '^ca$'), false],
    ['(?i) for case-insensitive', p('state', 'matches', '(?i)^ca$'), true],
    ['RE2 unicode class', p('city', 'matches', '^\\p{Lu}'), true],
    ['alternation', p('attributes.propertyType', 'matches', '^(Condo|Townhouse)$'), true],
    ['number field is not stringified', p('n', 'matches', '5'), false],
    ['boolean field', p('yes', 'matches', 'true'), false],
    ['array field', p('tags', 'matches', 'CA'), false],
    ['empty pattern on a string', p('empty', 'matches', ''), true],
  ]],
  ['gt', [
    ['greater', p('n', 'gt', 4), true],
    ['equal', p('n', 'gt', 5), false],
    ['less', p('n', 'gt', 6), false],
    ['negative float', p('neg', 'gt', -4), true],
    ['numeric string is not a number', p('five', 'gt', 1), false],
    ['boolean is not a number', p('yes', 'gt', 0), false],
    ['nested', p('attributes.loanAmount', 'gt', 200000), true],
  ]],
  ['gte', [
    ['greater', p('n', 'gte', 4), true],
    ['equal', p('n', 'gte', 5), true],
    ['less', p('n', 'gte', 5.0001), false],
    ['zero vs zero', p('zero', 'gte', 0), true],
    ['numeric string', p('five', 'gte', 5), false],
  ]],
  ['lt', [
    ['less', p('n', 'lt', 6), true],
    ['equal', p('n', 'lt', 5), false],
    ['greater', p('n', 'lt', 4), false],
    ['negative', p('neg', 'lt', 0), true],
    ['false is not 0', p('no', 'lt', 1), false],
    ['empty string is not 0', p('empty', 'lt', 1), false],
  ]],
  ['lte', [
    ['less', p('n', 'lte', 6), true],
    ['equal', p('n', 'lte', 5), true],
    ['greater', p('n', 'lte', 4.999), false],
    ['numeric string', p('five', 'lte', 10), false],
  ]],
  ['between', [
    ['inside', p('attributes.creditScore', 'between', [700, 800]), true],
    ['at the lower bound (inclusive)', p('n', 'between', [5, 10]), true],
    ['at the upper bound (inclusive)', p('n', 'between', [1, 5]), true],
    ['min = max = value', p('n', 'between', [5, 5]), true],
    ['just below', p('n', 'between', [5.000001, 10]), false],
    ['just above', p('n', 'between', [1, 4.999999]), false],
    ['negative range', p('neg', 'between', [-4, -3]), true],
    ['numeric string', p('five', 'between', [1, 10]), false],
    ['boolean', p('yes', 'between', [0, 1]), false],
  ]],
  ['exists', [
    ['a string', p('state', 'exists'), true],
    ['an empty string', p('empty', 'exists'), true],
    ['zero', p('zero', 'exists'), true],
    ['false', p('no', 'exists'), true],
    ['an empty object', p('emptyObj', 'exists'), true],
    ['an array', p('tags', 'exists'), true],
    ['nested', p('attributes.loanAmount', 'exists'), true],
    ['through a scalar', p('state.length', 'exists'), false],
    ['an inherited member', p('constructor', 'exists'), false],
    ['__proto__', p('__proto__', 'exists'), false],
  ]],
  ['not_exists', [
    ['a string', p('state', 'not_exists'), false],
    ['an empty string', p('empty', 'not_exists'), false],
    ['false', p('no', 'not_exists'), false],
    ['nested', p('attributes.loanAmount', 'not_exists'), false],
    ['nested missing', p('attributes.coSigner', 'not_exists'), true],
    ['through a scalar', p('zip.length', 'not_exists'), true],
    ['an inherited member', p('toString', 'not_exists'), true],
  ]],
])('%s', (_op, cases) => {
  test.each(cases)('%s', (_name, predicate, expected) => {
    expect(holds(lead, predicate)).toBe(expected);
    // `not` inverts exactly
    expect(holds(lead, { not: predicate })).toBe(!expected);
  });
});

/** A valid operand for each operator, so only the field decides. */
const SAMPLE_VALUE: Record<Operator, unknown> = {
  eq: 'CA',
  neq: 'CA',
  in: ['CA'],
  not_in: ['CA'],
  contains: 'a',
  starts_with: 'a',
  ends_with: 'a',
  matches: '',
  gt: 0,
  gte: 0,
  lt: 0,
  lte: 0,
  between: [-1e9, 1e9],
  exists: undefined,
  not_exists: undefined,
};

describe('missing and null fields', () => {
  const cases = OPERATORS.flatMap((op) =>
    ['missing', 'nil', 'attributes.missing', 'attributes.nil', 'missing.deeper', 'nil.deeper', 'state.length', 'constructor', '__proto__'].map(
      (field) => [op, field] as const,
    ),
  );

  test('every operator is covered', () => {
    expect(new Set(cases.map(([op]) => op))).toEqual(new Set(OPERATORS));
  });

  test.each(cases)('%s on %p holds only for not_exists', (op, field) => {
    expect(holds(lead, p(field, op, SAMPLE_VALUE[op]))).toBe(op === 'not_exists');
  });

  test('the same predicates on a lead without a prototype', () => {
    const bare = Object.assign(Object.create(null) as LeadFields, { nil: null });
    for (const op of OPERATORS) {
      expect(holds(bare, p('missing', op, SAMPLE_VALUE[op]))).toBe(op === 'not_exists');
      expect(holds(bare, p('nil', op, SAMPLE_VALUE[op]))).toBe(op === 'not_exists');
    }
  });

  test('an own property named like an Object.prototype member is read', () => {
    expect(holds({ constructor: 'own' }, p('constructor', 'eq', 'own'))).toBe(true);
    expect(holds({ attributes: { toString: 'x' } }, p('attributes.toString', 'exists'))).toBe(true);
  });
});

describe('an object or array field is a type mismatch for every value operator', () => {
  test.each(OPERATORS.filter((op) => op !== 'exists' && op !== 'not_exists'))('%s', (op) => {
    for (const field of ['obj', 'tags', 'emptyObj']) {
      expect(holds(lead, p(field, op, SAMPLE_VALUE[op]))).toBe(false);
    }
  });
});

describe('an operand the validator would refuse never holds (and never throws)', () => {
  test.each<[string, Predicate]>([
    ['eq with an array', p('tags', 'eq', ['CA', 'NY'])],
    ['eq with an object', p('obj', 'eq', { code: 'CA' })],
    ['eq with null', p('nil', 'eq', null)],
    ['neq with an array', p('state', 'neq', ['NY'])],
    ['neq with no value', p('state', 'neq')],
    ['in with a scalar', p('state', 'in', 'CA')],
    ['in with an empty list', p('state', 'in', [])],
    ['in with a null member', p('nil', 'in', [null, 'CA'])],
    ['not_in with a scalar', p('state', 'not_in', 'NY')],
    ['not_in with an empty list', p('state', 'not_in', [])],
    ['contains with a number', p('zip', 'contains', 941)],
    ['starts_with with no value', p('zip', 'starts_with')],
    ['matches with a pattern that does not compile', p('zip', 'matches', '(94')],
    ['matches with a backreference', p('zip', 'matches', '(9)\\1')],
    ['matches with a lookahead', p('zip', 'matches', '9(?=4)')],
    ['matches with a number', p('n', 'matches', 5)],
    ['gt with a numeric string', p('n', 'gt', '4')],
    ['lt with Infinity', p('n', 'lt', Infinity)],
    ['gte with NaN', p('n', 'gte', NaN)],
    ['between with min > max', p('n', 'between', [10, 1])],
    ['between with one bound', p('n', 'between', [1])],
    ['between with strings', p('n', 'between', ['1', '10'])],
    ['exists with a value', p('state', 'exists', true)],
    ['not_exists with a value', p('missing', 'not_exists', true)],
    ['an unknown operator', p('state', 'like', 'CA')],
    ['a non-string field', { field: 5, op: 'exists' } as unknown as Predicate],
  ])('%s', (_name, predicate) => {
    expect(holds(lead, predicate)).toBe(false);
    expect(holds(lead, { not: predicate })).toBe(true);
  });

  test('malformed group nodes fail at their own path instead of throwing', () => {
    expect(firstMiss(lead, { all: 'x' } as unknown as Condition)?.path).toBe('conditions');
    expect(firstMiss(lead, { any: [null] } as unknown as Condition)?.path).toBe('conditions.any[0]');
    expect(firstMiss(lead, { all: [p('state', 'eq', 'CA'), 7] } as unknown as Condition)?.path).toBe('conditions.all[1]');
  });
});

describe('matches: RE2 in linear time', () => {
  test.each<[string, string, string]>([
    ['nested quantifier', '(a+)+$', `${'a'.repeat(100_000)}!`],
    ['overlapping alternation', '^(a|a)*$', `${'a'.repeat(100_000)}!`],
    ['nested star with a suffix', '(.*a){12}$', 'a'.repeat(100_000)],
    ['email-validation classic', '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$', `${'a'.repeat(50_000)}!`],
  ])('%s against 100k hostile characters finishes in milliseconds', (_name, pattern, input) => {
    const started = process.hrtime.bigint();
    const result = holds({ s: input }, p('s', 'matches', pattern));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(typeof result).toBe('boolean');
    // a backtracking engine needs longer than the age of the universe for these; RE2 takes a few ms
    expect(ms).toBeLessThan(500);
  });

  test('(a+)+$ gives the right answers', () => {
    expect(holds({ s: `${'a'.repeat(100_000)}!` }, p('s', 'matches', '(a+)+$'))).toBe(false);
    expect(holds({ s: `!${'a'.repeat(100_000)}` }, p('s', 'matches', '(a+)+$'))).toBe(true);
  });

  test('each pattern is compiled once and cached', () => {
    const compile = jest.spyOn(RE2JS, 'compile');
    try {
      const pattern = '^cache-probe-[0-9]+$';
      const predicate = p('s', 'matches', pattern);
      for (let i = 0; i < 5; i++) {
        expect(holds({ s: `cache-probe-${i}` }, predicate)).toBe(true);
        expect(holds({ s: 'cache-probe-x' }, { all: [p('s', 'matches', pattern)] })).toBe(false);
      }
      expect(compile.mock.calls.filter(([source]) => source === pattern)).toHaveLength(1);
    } finally {
      compile.mockRestore();
    }
  });
});

describe('readField agrees with the operators', () => {
  test.each(['state', 'attributes.loanAmount', 'attributes.nil', 'missing', 'constructor'])('%p', (field) => {
    const value = readField(lead, field);
    expect(holds(lead, p(field, 'exists'))).toBe(value !== undefined && value !== null);
  });
});
