// Write-time validation of rule condition trees (lib/rules/validate.ts): every problem must point at
// the exact spot in the definition, and pathological trees (too deep, too many nodes) are refused.
import { OPERATORS } from '../../lib/rules/types';
import { isCondition, validateConditions } from '../../lib/rules/validate';

const pred = (field = 'state', op: unknown = 'eq', value: unknown = 'CA') => ({ field, op, value });
const paths = (input: unknown) => validateConditions(input).map((p) => p.path);

/** n nested `not`s around one predicate: the predicate sits at depth n. */
function nestedNots(n: number): unknown {
  let c: unknown = pred();
  for (let i = 0; i < n; i++) c = { not: c };
  return c;
}

/** n nested single-child `all`s around one predicate. */
function nestedAlls(n: number): unknown {
  let c: unknown = pred();
  for (let i = 0; i < n; i++) c = { all: [c] };
  return c;
}

describe('validateConditions: valid trees', () => {
  test.each<[string, unknown]>([
    ['eq string', pred('state', 'eq', 'CA')],
    ['eq number', pred('attributes.loanAmount', 'eq', 250000)],
    ['eq zero', pred('n', 'eq', 0)],
    ['eq negative float', pred('n', 'eq', -1.5)],
    ['eq boolean false', pred('flag', 'eq', false)],
    ['eq empty string', pred('s', 'eq', '')],
    ['in mixed scalars', pred('x', 'in', ['a', 1, true])],
    ['field with underscores and digits', pred('_a1.b_2.C3', 'eq', 'x')],
    ['empty all', { all: [] }],
    ['empty any', { any: [] }],
    ['not', { not: pred() }],
    ['nested groups', { all: [pred(), { any: [pred('a', 'in', ['x']), { not: pred('b', 'eq', true) }] }, { all: [] }] }],
  ])('%s has no problems', (_name, input) => {
    expect(validateConditions(input)).toEqual([]);
    expect(isCondition(input)).toBe(true);
  });
});

describe('validateConditions: each problem names its path', () => {
  test.each<[string, unknown, string[]]>([
    ['bad op in the third child of all', { all: [pred(), pred(), pred('state', 'greater_than', 1)] }, ['conditions.all[2].op']],
    ['missing op', { field: 'state', value: 'CA' }, ['conditions.op']],
    ['op of the wrong type', pred('state', 1, 'CA'), ['conditions.op']],
    ['in with a non-array value', { any: [pred('state', 'in', 'CA')] }, ['conditions.any[0].value']],
    ['in with an empty array', { any: [pred(), pred('state', 'in', [])] }, ['conditions.any[1].value']],
    ['in with a nested array', pred('state', 'in', [['CA']]), ['conditions.value']],
    ['in with a null element', pred('state', 'in', ['CA', null]), ['conditions.value']],
    ['in with an object element', pred('state', 'in', [{}]), ['conditions.value']],
    ['eq with an array value', pred('state', 'eq', ['CA']), ['conditions.value']],
    ['eq with null', pred('state', 'eq', null), ['conditions.value']],
    ['eq with an object', pred('state', 'eq', { a: 1 }), ['conditions.value']],
    ['eq with NaN', pred('n', 'eq', NaN), ['conditions.value']],
    ['eq with Infinity', pred('n', 'eq', Infinity), ['conditions.value']],
    ['eq with no value', { field: 'state', op: 'eq' }, ['conditions.value']],
    ['bad field under not', { not: pred('1state') }, ['conditions.not.field']],
    ['field with a space', pred('first name'), ['conditions.field']],
    ['field with an empty step', pred('attributes..x'), ['conditions.field']],
    ['field with a trailing dot', pred('attributes.'), ['conditions.field']],
    ['field with a bracket', pred('tags[0]'), ['conditions.field']],
    ['empty field', pred(''), ['conditions.field']],
    ['non-string field', pred(42 as unknown as string), ['conditions.field']],
    ['missing field', { op: 'eq', value: 'CA' }, ['conditions.field']],
    ['unknown predicate key', { all: [{ ...pred(), negate: true }] }, ['conditions.all[0].negate']],
    ['all with extra keys', { all: [pred()], field: 'x' }, ['conditions']],
    ['all and any together', { all: [], any: [] }, ['conditions']],
    ['any with extra keys, nested', { not: { any: [pred()], op: 'eq' } }, ['conditions.not']],
    ['not with extra keys', { not: pred(), extra: 1 }, ['conditions']],
    ['all that is not an array', { all: pred() }, ['conditions.all']],
    ['any that is a string', { any: 'state' }, ['conditions.any']],
    ['array as the root', [pred()], ['conditions']],
    ['null root', null, ['conditions']],
    ['string root', 'state = CA', ['conditions']],
    ['number child of all', { all: [pred(), 7] }, ['conditions.all[1]']],
    ['null child of any', { any: [null] }, ['conditions.any[0]']],
    ['array under not', { not: [pred()] }, ['conditions.not']],
    ['missing not body', { not: undefined }, ['conditions.not']],
    ['array child of all', { all: [[pred()]] }, ['conditions.all[0]']],
  ])('%s', (_name, input, expected) => {
    const problems = validateConditions(input);
    expect(problems.map((p) => p.path)).toEqual(expected);
    for (const p of problems) expect(p.message).toEqual(expect.any(String));
    expect(isCondition(input)).toBe(false);
  });

  test('every problem in a tree is reported, each at its own path, in tree order', () => {
    const input = {
      all: [
        pred('ok'),
        pred('bad field', 'eq', 'x'),
        { any: [pred('a', 'in', 'x'), { not: { field: 'b', op: 'nope', value: 1, extra: true } }] },
        { all: 'not-an-array' },
      ],
    };
    expect(paths(input)).toEqual([
      'conditions.all[1].field',
      'conditions.all[2].any[0].value',
      'conditions.all[2].any[1].not.extra',
      'conditions.all[2].any[1].not.op',
      'conditions.all[3].all',
    ]);
  });

  test('a predicate can have field, op and value problems at once', () => {
    expect(paths({ field: '', op: 'in', value: 'x', bogus: 1 })).toEqual(['conditions.bogus', 'conditions.field', 'conditions.value']);
  });

  test('the root path can be chosen', () => {
    expect(validateConditions({ all: [pred('x', 'bogus')] }, 'rules[3].conditions').map((p) => p.path)).toEqual([
      'rules[3].conditions.all[0].op',
    ]);
    expect(validateConditions({ any: [pred(), pred('x', 'gt', 'CA')] }, 'rules[3].conditions').map((p) => p.path)).toEqual([
      'rules[3].conditions.any[1].value',
    ]);
  });

  test('the problem message for a bad op lists the allowed operators', () => {
    const [problem] = validateConditions(pred('x', 'bogus'));
    for (const op of OPERATORS) expect(problem?.message).toContain(op);
  });

  test('an operator name is case-sensitive and exact', () => {
    expect(paths(pred('x', 'EQ'))).toEqual(['conditions.op']);
    expect(paths(pred('x', 'not in', ['a']))).toEqual(['conditions.op']);
    expect(paths(pred('x', 'notExists'))).toEqual(['conditions.op']);
  });
});

const noValue = (field: string, op: string) => ({ field, op });
const message = (input: unknown) => {
  const problems = validateConditions(input);
  expect(problems).toHaveLength(1);
  return problems[0]?.message ?? '';
};

describe('validateConditions: every operator accepts its operand shape', () => {
  test.each<[string, unknown]>([
    ['neq string', pred('state', 'neq', 'CA')],
    ['neq number', pred('n', 'neq', 0)],
    ['neq boolean', pred('b', 'neq', true)],
    ['in a single item', pred('state', 'in', ['CA'])],
    ['in 1,000 items (the maximum)', pred('zip', 'in', Array.from({ length: 1000 }, (_, i) => String(i).padStart(5, '0')))],
    ['not_in mixed scalars', pred('x', 'not_in', ['a', 2, false])],
    ['contains', pred('email', 'contains', '@example')],
    ['contains 500 characters (the maximum)', pred('s', 'contains', 'x'.repeat(500))],
    ['starts_with', pred('phone', 'starts_with', '+1')],
    ['ends_with', pred('email', 'ends_with', '.org')],
    ['matches a simple pattern', pred('zip', 'matches', '^9[0-6]\\d{3}$')],
    ['matches with RE2 flags and classes', pred('name', 'matches', '(?i)^(mr|mrs|ms)\\.?\\s+\\pL+')],
    ['matches the empty pattern (holds on any string)', pred('s', 'matches', '')],
    ['matches 500 characters (the maximum)', pred('s', 'matches', 'a'.repeat(500))],
    ['matches a pattern that backtracking engines choke on', pred('s', 'matches', '(a+)+$')],
    ['gt integer', pred('n', 'gt', 5)],
    ['gte zero', pred('n', 'gte', 0)],
    ['lt negative float', pred('n', 'lt', -0.5)],
    ['lte large', pred('n', 'lte', 1e12)],
    ['between', pred('n', 'between', [1, 10])],
    ['between with min = max', pred('n', 'between', [5, 5])],
    ['between negative floats', pred('n', 'between', [-2.5, -1.5])],
    ['exists without a value', noValue('email', 'exists')],
    ['not_exists without a value', noValue('attributes.coSigner', 'not_exists')],
    ['exists with value undefined (dropped by JSON)', { field: 'x', op: 'exists', value: undefined }],
  ])('%s', (_name, input) => {
    expect(validateConditions(input)).toEqual([]);
    expect(isCondition(input)).toBe(true);
  });
});

describe('validateConditions: every operator refuses a wrong operand, at the value path', () => {
  test.each<[string, unknown]>([
    ['neq array', pred('s', 'neq', ['CA'])],
    ['neq null', pred('s', 'neq', null)],
    ['neq missing', noValue('s', 'neq')],
    ['neq NaN', pred('n', 'neq', NaN)],
    ['not_in scalar', pred('s', 'not_in', 'CA')],
    ['not_in empty', pred('s', 'not_in', [])],
    ['not_in with null', pred('s', 'not_in', ['CA', null])],
    ['in with Infinity', pred('n', 'in', [1, Infinity])],
    ['in 1,001 items', pred('zip', 'in', Array.from({ length: 1001 }, (_, i) => i))],
    ['not_in 1,001 items', pred('zip', 'not_in', Array.from({ length: 1001 }, (_, i) => i))],
    ['contains empty string', pred('s', 'contains', '')],
    ['contains number', pred('s', 'contains', 5)],
    ['contains array', pred('s', 'contains', ['a'])],
    ['contains 501 characters', pred('s', 'contains', 'x'.repeat(501))],
    ['starts_with empty string', pred('s', 'starts_with', '')],
    ['starts_with boolean', pred('s', 'starts_with', true)],
    ['ends_with missing', noValue('s', 'ends_with')],
    ['ends_with 501 characters', pred('s', 'ends_with', 'x'.repeat(501))],
    ['matches number', pred('s', 'matches', 5)],
    ['matches missing', noValue('s', 'matches')],
    ['matches 501 characters', pred('s', 'matches', 'a'.repeat(501))],
    ['matches unclosed class', pred('s', 'matches', '[a-z')],
    ['matches unclosed group', pred('s', 'matches', '(ab')],
    ['matches dangling repeat', pred('s', 'matches', '*a')],
    ['matches repeat count over 1000', pred('s', 'matches', 'a{1001}')],
    ['matches backreference', pred('s', 'matches', '(a)\\1')],
    ['matches lookahead', pred('s', 'matches', 'a(?=b)')],
    ['matches negative lookahead', pred('s', 'matches', '^(?!test)')],
    ['matches lookbehind', pred('s', 'matches', '(?<=\\$)\\d+')],
    ['gt string', pred('n', 'gt', '5')],
    ['gte boolean', pred('n', 'gte', true)],
    ['lt NaN', pred('n', 'lt', NaN)],
    ['lte Infinity', pred('n', 'lte', Infinity)],
    ['gt missing', noValue('n', 'gt')],
    ['gt array', pred('n', 'gt', [1])],
    ['between scalar', pred('n', 'between', 5)],
    ['between one number', pred('n', 'between', [5])],
    ['between three numbers', pred('n', 'between', [1, 2, 3])],
    ['between strings', pred('n', 'between', ['1', '10'])],
    ['between with Infinity', pred('n', 'between', [0, Infinity])],
    ['between min > max', pred('n', 'between', [10, 1])],
    ['between missing', noValue('n', 'between')],
    ['exists with a value', pred('s', 'exists', true)],
    ['exists with null', pred('s', 'exists', null)],
    ['not_exists with a value', pred('s', 'not_exists', 'x')],
  ])('%s', (_name, input) => {
    const problems = validateConditions({ all: [pred(), { any: [input] }] });
    expect(problems.map((p) => p.path)).toEqual(['conditions.all[1].any[0].value']);
    expect(problems[0]?.message).toEqual(expect.any(String));
    expect(isCondition(input)).toBe(false);
  });

  test('messages name the operator and what it needs', () => {
    expect(message(pred('n', 'gt', '5'))).toMatch(/finite number.*"gt"/);
    expect(message(pred('s', 'not_in', []))).toMatch(/non-empty array.*"not_in"/);
    expect(message(pred('s', 'in', Array.from({ length: 1001 }, (_, i) => i)))).toMatch(/at most 1000 items/);
    expect(message(pred('s', 'contains', ''))).toMatch(/non-empty string.*"contains"/);
    expect(message(pred('s', 'starts_with', 'x'.repeat(501)))).toMatch(/at most 500 characters/);
    expect(message(pred('n', 'between', [10, 1]))).toMatch(/min <= max/);
    expect(message(pred('n', 'between', [1]))).toMatch(/\[min, max\]/);
    expect(message(pred('s', 'exists', true))).toMatch(/omitted.*"exists"/);
    expect(message(pred('s', 'neq', null))).toMatch(/string, number or boolean.*"neq"/);
  });

  test('a regex that does not compile reports the RE2 error briefly', () => {
    const m = message(pred('s', 'matches', '[a-z'));
    expect(m).toMatch(/not a valid RE2 regular expression/);
    expect(m).toMatch(/missing closing \]/);
    expect(m).not.toMatch(/error parsing regexp/);
    expect(m).not.toMatch(/backreference|lookahead/);
  });

  test('a backreference or lookaround is refused with the reason: RE2 does not support it', () => {
    expect(message(pred('s', 'matches', '(a)\\1'))).toMatch(/RE2 does not support backreferences/);
    expect(message(pred('s', 'matches', '(?P<x>a)\\k<x>'))).toMatch(/backreferences/);
    expect(message(pred('s', 'matches', 'a(?=b)'))).toMatch(/RE2 does not support lookahead\/lookbehind/);
    expect(message(pred('s', 'matches', 'a(?!b)'))).toMatch(/lookahead\/lookbehind/);
    expect(message(pred('s', 'matches', '(?<=a)b'))).toMatch(/lookahead\/lookbehind/);
    expect(message(pred('s', 'matches', '(?<!a)b'))).toMatch(/lookahead\/lookbehind/);
  });

  test('a regex that compiles to a huge program is refused (linear time, but pattern-size x input-size)', () => {
    // within the 500-character limit and each repeat within RE2's 1000, but ~5,000 instructions
    expect(message(pred('s', 'matches', '[\\s\\S]{1000}'.repeat(5)))).toMatch(/too complex/);
    expect(validateConditions(pred('s', 'matches', '[\\s\\S]{10}'))).toEqual([]);
    // small, but a new run of 100 at every position: too costly (regexWidth.ts)
    expect(message(pred('s', 'matches', '[\\s\\S]{100}'))).toMatch(/too costly to match/);
  });

  test('an operator problem hides the value check (the value cannot be judged without the operator)', () => {
    expect(paths(pred('s', 'gtt', 'not a number'))).toEqual(['conditions.op']);
  });

  test('field and value problems are both reported for the new operators', () => {
    expect(paths({ not: pred('bad field', 'between', [3, 1]) })).toEqual(['conditions.not.field', 'conditions.not.value']);
  });
});

describe('validateConditions: limits', () => {
  test('16 levels of nesting are allowed', () => {
    expect(validateConditions(nestedNots(16))).toEqual([]);
    expect(validateConditions(nestedAlls(16))).toEqual([]);
  });

  test('17 levels of nesting are refused, at the node that is too deep', () => {
    expect(paths(nestedNots(17))).toEqual([`conditions${'.not'.repeat(17)}`]);
    expect(paths(nestedAlls(17))).toEqual([`conditions${'.all[0]'.repeat(17)}`]);
    expect(validateConditions(nestedNots(17))[0]?.message).toMatch(/deeper than 16/);
  });

  test('a very deep tree gives one problem and does not blow the stack', () => {
    const problems = validateConditions(nestedNots(50_000));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe(`conditions${'.not'.repeat(17)}`);
  });

  test('500 nodes are allowed', () => {
    // root + 499 predicates = 500 nodes
    const input = { all: Array.from({ length: 499 }, (_, i) => pred(`f${i}`)) };
    expect(validateConditions(input)).toEqual([]);
  });

  test('501 nodes are refused with a single problem at the root', () => {
    const input = { all: Array.from({ length: 500 }, (_, i) => pred(`f${i}`)) };
    const problems = validateConditions(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('conditions');
    expect(problems[0]?.message).toMatch(/more than 500 nodes/);
  });

  test('a huge tree is refused with one node-count problem (problems do not grow with its size)', () => {
    // 20 groups of 100 predicates, each predicate invalid: the node limit must cap the report
    const input = { any: Array.from({ length: 20 }, () => ({ all: Array.from({ length: 100 }, () => pred('x', 'bogus')) })) };
    const problems = validateConditions(input);
    expect(problems.filter((p) => /nodes/.test(p.message))).toEqual([{ path: 'conditions', message: expect.stringMatching(/500/) }]);
    expect(problems.length).toBeLessThanOrEqual(501);
  });

  test('nodes are counted across branches, not per branch', () => {
    // three wide groups, each well under the limit alone, together over it
    const group = () => ({ all: Array.from({ length: 200 }, () => pred()) });
    expect(paths({ all: [group(), group()] })).toEqual([]);
    expect(paths({ all: [group(), group(), group()] })).toEqual(['conditions']);
  });
});
