// Write-time validation of rule condition trees (lib/rules/validate.ts): every problem must point at
// the exact spot in the definition, and pathological trees (too deep, too many nodes) are refused.
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
    ['bad op in the third child of all', { all: [pred(), pred(), pred('state', 'gt', 1)] }, ['conditions.all[2].op']],
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
    expect(validateConditions({ all: [pred('x', 'gt')] }, 'rules[3].conditions').map((p) => p.path)).toEqual([
      'rules[3].conditions.all[0].op',
    ]);
  });

  test('the problem message for a bad op lists the allowed operators', () => {
    const [problem] = validateConditions(pred('x', 'gt'));
    expect(problem?.message).toContain('eq');
    expect(problem?.message).toContain('in');
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
