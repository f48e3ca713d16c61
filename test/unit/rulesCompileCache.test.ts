// The per-rule compile cache of lib/rules/compile.ts, through the evaluator's public functions.
import { clearRuleCache, ruleCacheStats, RULE_CACHE_LIMIT } from '../../lib/rules/compile';
import { checkRule, evaluateRules, firstMiss } from '../../lib/rules/evaluate';
import type { Condition, LeadFields, Predicate, RoutingRule } from '../../lib/rules/types';
import { eq, everyoneEligible, expectMatched, isIn, pr, rule } from '../support/ruleBuilders';

describe('the per-rule compile cache', () => {
  const lead: LeadFields = { state: 'CA', product: 'mortgage' };
  beforeEach(() => clearRuleCache());

  test('rules freshly loaded for each lead (same id and version, new objects) are compiled once', () => {
    const rows = () => [
      rule({ id: 'r1', priority: 1, version: 3, conditions: { all: [eq('state', 'NY'), pr('product', 'contains', 'mort')] } }),
      rule({ id: 'r2', priority: 2, version: 1, conditions: { any: [pr('state', 'matches', '^(NV|AZ)$'), pr('zip', 'exists')] } }),
      rule({ id: 'r3', priority: 3, version: 8, conditions: pr('product', 'eq', 'mortgage') }),
    ];
    const first = evaluateRules(lead, 'src', rows(), everyoneEligible);
    const compiledAfterFirst = ruleCacheStats().compilations;
    expect(compiledAfterFirst).toBe(3);
    for (let i = 0; i < 20; i++) expect(evaluateRules(lead, 'src', JSON.parse(JSON.stringify(rows())) as RoutingRule[], everyoneEligible)).toEqual(first);
    expect(ruleCacheStats()).toEqual({ size: 3, compilations: 3 });
    expect(expectMatched(first).ruleId).toBe('r3');
  });

  test('a new version is compiled anew and replaces the old one', () => {
    expect(checkRule(lead, rule({ id: 'v', version: 1, conditions: eq('state', 'CA') })).matched).toBe(true);
    expect(checkRule(lead, rule({ id: 'v', version: 2, conditions: eq('state', 'NY') })).matched).toBe(false);
    expect(ruleCacheStats()).toEqual({ size: 1, compilations: 2 });
    expect(checkRule(lead, rule({ id: 'v', version: 2, conditions: eq('state', 'NY') })).matched).toBe(false);
    expect(ruleCacheStats()).toEqual({ size: 1, compilations: 2 });
    // going back to an old version (a replay) is correct, at the price of a compile
    expect(checkRule(lead, rule({ id: 'v', version: 1, conditions: eq('state', 'CA') })).matched).toBe(true);
    expect(ruleCacheStats()).toEqual({ size: 1, compilations: 3 });
  });

  test('a hand-built rule reusing an id and version for a different tree is not confused with the cached one', () => {
    expect(checkRule(lead, rule({ id: 'same', conditions: eq('state', 'CA') })).matched).toBe(true);
    expect(checkRule(lead, rule({ id: 'same', conditions: eq('state', 'NY') })).failedAt).toEqual({ path: 'conditions', field: 'state', op: 'eq' });
    expect(checkRule(lead, rule({ id: 'same', conditions: { all: [eq('state', 'CA')] } })).matched).toBe(true);
    expect(checkRule(lead, rule({ id: 'same', conditions: { all: [eq('state', 'CA'), eq('product', 'auto')] } })).matched).toBe(false);
    expect(checkRule(lead, rule({ id: 'same', conditions: isIn('state', ['CA', 'NY']) })).matched).toBe(true);
    expect(checkRule(lead, rule({ id: 'same', conditions: isIn('state', ['NY', 'TX']) })).matched).toBe(false);
    expect(ruleCacheStats().size).toBe(1);
  });

  test.each<[string, Condition, Condition]>([
    ['a later child differs', { all: [eq('state', 'CA'), eq('product', 'mortgage')] }, { all: [eq('state', 'CA'), eq('product', 'auto')] }],
    ['a group kind differs', { not: eq('state', 'NY') }, { any: [eq('state', 'NY')] }],
    ['all vs any', { all: [eq('state', 'CA'), eq('product', 'auto')] }, { any: [eq('state', 'CA'), eq('product', 'auto')] }],
    ['a child count differs', { all: [eq('state', 'CA')] }, { all: [eq('state', 'CA'), eq('product', 'auto')] }],
    ['an empty group vs a non-empty one', { any: [] }, { any: [eq('state', 'NY')] }],
    ['a list member differs', isIn('state', ['CA', 'NY']), isIn('state', ['NY', 'TX'])],
    ['a list is longer', isIn('state', ['NY']), isIn('state', ['NY', 'CA'])],
    ['between bounds differ', pr('n', 'between', [1, 10]), pr('n', 'between', [20, 30])],
    ['the operator differs', pr('state', 'eq', 'CA'), pr('state', 'neq', 'CA')],
    ['the field differs', pr('state', 'exists'), pr('zip', 'exists')],
    ['a value type differs', pr('n', 'eq', 5), pr('n', 'eq', '5')],
    ['a predicate vs a group', eq('state', 'CA'), { all: [eq('state', 'CA'), eq('product', 'auto')] }],
    ['deep inside a not', { not: { any: [eq('state', 'NY'), eq('product', 'auto')] } }, { not: { any: [eq('state', 'NY'), eq('product', 'mortgage')] } }],
  ])('same id and version, different trees (%s): each is evaluated as written', (_name, a, b) => {
    const withN = { ...lead, n: 5 };
    for (const c of [a, b, a, JSON.parse(JSON.stringify(b)) as Condition, JSON.parse(JSON.stringify(a)) as Condition, b]) {
      const trace = checkRule(withN, rule({ id: 'shared', version: 4, conditions: c }));
      const truth = firstMiss(withN, c);
      expect(trace.matched).toBe(truth === undefined);
      expect(trace.failedAt).toEqual(truth && { path: truth.path, field: truth.predicate.field, op: truth.predicate.op });
    }
    expect(ruleCacheStats().size).toBe(1);
  });

  test('keys the compiler ignores do not force a recompile; copies are checked, not recompiled', () => {
    const c: Condition = { all: [eq('state', 'CA'), { any: [isIn('product', ['auto', 'mortgage']), pr('zip', 'exists')] }, { not: pr('x', 'exists') }] };
    checkRule(lead, rule({ id: 'k', conditions: c }));
    for (let i = 0; i < 5; i++) checkRule(lead, rule({ id: 'k', conditions: JSON.parse(JSON.stringify(c)) as Condition }));
    expect(ruleCacheStats().compilations).toBe(1);
  });

  test('randomised: cached evaluation always agrees with a fresh compile, across colliding ids and copies', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const leaf = (): Predicate =>
      pick([
        () => pr('state', pick(['eq', 'neq'] as const), pick(['CA', 'NY', 5])),
        () => pr('state', pick(['in', 'not_in'] as const), [pick(['CA', 'NY', 'TX']), pick(['CA', 'WA'])]),
        () => pr('n', pick(['gt', 'gte', 'lt', 'lte'] as const), pick([1, 5, 9])),
        () => pr('n', 'between', pick([[1, 5], [5, 9], [6, 9]])),
        () => pr(pick(['zip', 'state', 'nil']), pick(['exists', 'not_exists'] as const)),
        () => pr('product', pick(['contains', 'starts_with', 'ends_with'] as const), pick(['MORT', 'gage', 'auto'])),
        () => pr('product', 'matches', pick(['^mort', 'auto$', '(?i)GAGE'])),
      ])();
    const tree = (depth: number): Condition => {
      const r = rnd();
      if (depth > 2 || r < 0.4) return leaf();
      if (r < 0.65) return { all: Array.from({ length: Math.floor(rnd() * 4) }, () => tree(depth + 1)) };
      if (r < 0.9) return { any: Array.from({ length: Math.floor(rnd() * 4) }, () => tree(depth + 1)) };
      return { not: tree(depth + 1) };
    };
    const leads: LeadFields[] = [
      { state: 'CA', n: 5, product: 'mortgage', zip: '94107', nil: null },
      { state: 'NY', n: 9, product: 'Auto' },
      { state: 5, n: '5', product: null },
      {},
    ];
    const trees = Array.from({ length: 60 }, () => tree(0));
    for (let i = 0; i < 3000; i++) {
      const c = pick(trees);
      const l = pick(leads);
      // three ids shared by all 60 trees, same version: maximal collisions; half the time a copy
      const conditions = rnd() < 0.5 ? c : (JSON.parse(JSON.stringify(c)) as Condition);
      const trace = checkRule(l, rule({ id: pick(['x', 'y', 'z']), conditions }));
      const truth = firstMiss(l, c);
      expect(trace.matched).toBe(truth === undefined);
      if (truth) expect(trace.failedAt).toEqual({ path: truth.path, field: truth.predicate.field, op: truth.predicate.op });
    }
  });

  test(`is bounded at ${RULE_CACHE_LIMIT} entries, evicting the oldest`, () => {
    for (let i = 0; i <= RULE_CACHE_LIMIT + 50; i++) checkRule(lead, rule({ id: `bulk-${i}`, conditions: eq('state', 'CA') }));
    expect(ruleCacheStats().size).toBe(RULE_CACHE_LIMIT);
    const before = ruleCacheStats().compilations;
    // the newest is still cached; the oldest was evicted and is compiled again (and still correct)
    checkRule(lead, rule({ id: `bulk-${RULE_CACHE_LIMIT + 50}`, conditions: eq('state', 'CA') }));
    expect(ruleCacheStats().compilations).toBe(before);
    expect(checkRule(lead, rule({ id: 'bulk-0', conditions: eq('state', 'CA') })).matched).toBe(true);
    expect(ruleCacheStats().compilations).toBe(before + 1);
    expect(ruleCacheStats().size).toBe(RULE_CACHE_LIMIT);
  });
});
