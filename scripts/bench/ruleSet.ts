import type { Condition, LeadFields, Predicate, RoutingRule } from '../../lib/rules/types';

/**
 * Realistic, seeded routing rules and leads for the benchmarks (scripts/bench/rules.ts: the rules engine alone;
 * scripts/bench/routingSteps.ts: the same rules in Postgres, through decide()). A seed makes runs repeatable.
 */
/**
 * mulberry32: tiny, fast, good enough for test data. `next()` in [0, 1); int(min, max) inclusive; pick, chance(p),
 * sample(xs, k) without repeats, uuid() (v4-shaped). The same seed gives the same sequence.
 */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const chance = (p: number) => next() < p;
  const sample = <T>(xs: readonly T[], k: number): T[] => {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, k);
  };
  const uuid = () =>
    'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (ch) => {
      const r = Math.floor(next() * 16);
      return (ch === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
  return { next, int, pick, chance, sample, uuid };
}

const STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
  'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC',
  'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;
const PRODUCTS = ['mortgage', 'refinance', 'heloc', 'auto', 'personal', 'student', 'business', 'credit_card'] as const;
const PROPERTY_TYPES = ['single_family', 'condo', 'townhouse', 'multi_family', 'manufactured'] as const;
const EMPLOYMENT = ['employed', 'self_employed', 'retired', 'unemployed', 'student'] as const;
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'aol.com', 'proton.me', 'acme-corp.com', 'example.org'] as const;
const CAMPAIGNS = ['spring_refi', 'summer_auto', 'brand_search', 'retarget_q3', 'partner_feed', 'tv_promo'] as const;
const FIRST = ['jane', 'john', 'maria', 'wei', 'ahmed', 'olga', 'sam', 'lee', 'fatima', 'diego'] as const;

const REGEXES = [
  '^9[0-4]\\d{3}$',
  '^(1|\\+1)?[2-9]\\d{2}[2-9]\\d{6}$',
  '@(gmail|yahoo|hotmail)\\.com$',
  '(?i)^(spring|summer)_',
  '^\\+1(415|650|408)',
  '^[0-2]\\d{4}$',
] as const;

/** One predicate of a kind that is realistic for a routing rule. */
/**
 * The generators of one seeded run: `sources` (8) and `buyers` (40) are the workspace ids the rules use;
 * `makeRules(n)` gives n - 1 narrow rules (every operator, nested all/any/not, a few regexes, some scoped to
 * a source, a few disabled) and a catch-all, shuffled; `makeLead()` a varied lead and its source. Calls
 * consume the same PRNG, so the order of calls is part of the data set.
 */
export function createRuleSet(seed: number) {
  const rnd = prng(seed);
  const SOURCES = Array.from({ length: 8 }, () => rnd.uuid());
  const BUYERS = Array.from({ length: 40 }, () => rnd.uuid());

  function predicate(): Predicate {
    switch (rnd.int(0, 15)) {
      case 0: return { field: 'attributes.loanAmount', op: 'between', value: [rnd.int(1, 40) * 10_000, rnd.int(41, 100) * 10_000] };
      case 1: return { field: 'attributes.loanAmount', op: rnd.pick(['gt', 'gte'] as const), value: rnd.int(5, 80) * 10_000 };
      case 2: return { field: 'attributes.creditScore', op: rnd.pick(['gte', 'gt'] as const), value: rnd.int(58, 80) * 10 };
      case 3: return { field: 'attributes.creditScore', op: rnd.pick(['lt', 'lte'] as const), value: rnd.int(60, 75) * 10 };
      case 4: return { field: 'email', op: 'ends_with', value: `@${rnd.pick(DOMAINS)}` };
      case 5: return { field: 'email', op: 'contains', value: rnd.pick(FIRST) };
      case 6: return { field: 'zip', op: 'starts_with', value: String(rnd.int(0, 99)).padStart(2, '0') };
      case 7: return { field: 'attributes.propertyType', op: 'not_in', value: rnd.sample(PROPERTY_TYPES, rnd.int(1, 2)) };
      case 8: return { field: 'attributes.propertyType', op: 'in', value: rnd.sample(PROPERTY_TYPES, rnd.int(1, 3)) };
      case 9: return { field: 'phone', op: 'exists' };
      case 10: return { field: 'attributes.coBorrower', op: rnd.pick(['exists', 'not_exists'] as const) };
      case 11: return { field: 'utm.campaign', op: rnd.pick(['eq', 'starts_with'] as const), value: rnd.pick(CAMPAIGNS) };
      case 12: return { field: 'attributes.employment', op: rnd.pick(['neq', 'eq'] as const), value: rnd.pick(EMPLOYMENT) };
      case 13: return { field: 'attributes.homeowner', op: 'eq', value: rnd.chance(0.5) };
      case 14: return { field: 'attributes.age', op: 'between', value: [rnd.int(18, 40), rnd.int(41, 80)] };
      default: return { field: 'attributes.income', op: 'gte', value: rnd.int(3, 20) * 10_000 };
    }
  }

  function wrapped(): Condition {
    const roll = rnd.next();
    if (roll < 0.2) return { any: [predicate(), predicate()] };
    if (roll < 0.3) return { not: predicate() };
    if (roll < 0.35) return { any: [{ all: [predicate(), predicate()] }, { not: predicate() }] };
    return predicate();
  }

  /** Every rule is narrow on state and product (the way buyers buy), then 0-4 more conditions. */
  function conditions(withRegex: boolean): Condition {
    const state: Predicate = rnd.chance(0.3)
      ? { field: 'state', op: 'eq', value: rnd.pick(STATES) }
      : { field: 'state', op: 'in', value: rnd.sample(STATES, rnd.int(2, 6)) };
    const product: Predicate = rnd.chance(0.7)
      ? { field: 'product', op: 'eq', value: rnd.pick(PRODUCTS) }
      : { field: 'product', op: 'in', value: rnd.sample(PRODUCTS, 2) };
    const more: Condition[] = Array.from({ length: rnd.int(0, 4) }, wrapped);
    if (withRegex) more.push({ field: rnd.pick(['zip', 'phone', 'email', 'utm.campaign'] as const), op: 'matches', value: rnd.pick(REGEXES) });
    // Some rules lead with the cheap, selective checks; some put them last (authors are not optimisers).
    return rnd.chance(0.8) ? { all: [state, product, ...more] } : { all: [...more, { all: [product, state] }] };
  }

  function makeRules(n: number): RoutingRule[] {
    const rules: RoutingRule[] = [];
    for (let i = 0; i < n - 1; i++) {
      rules.push({
        id: rnd.uuid(),
        name: `rule ${i}`,
        priority: rnd.int(1, 100_000),
        sourceWorkspaceId: rnd.chance(0.2) ? rnd.pick(SOURCES) : null,
        conditions: conditions(rnd.chance(0.04)),
        destinations: rnd.sample(BUYERS, rnd.int(1, 4)).map((workspaceId) => ({ workspaceId })),
        distribution: 'priority',
        enabled: rnd.chance(0.97),
        version: rnd.int(1, 12),
      });
    }
    rules.push({
      id: rnd.uuid(),
      name: 'catch-all',
      priority: 1_000_000,
      sourceWorkspaceId: null,
      conditions: { all: [] },
      destinations: [{ workspaceId: rnd.pick(BUYERS) }],
      distribution: 'priority',
      enabled: true,
      version: 1,
    });
    // Shuffled: the engine must not depend on the caller's order (main() also tries the store's order).
    return rnd.sample(rules, rules.length);
  }

  /* ---------------------------------------------------------------------------------------------------- */
  /* Leads                                                                                                */
  /* ---------------------------------------------------------------------------------------------------- */

  /** Sometimes missing, sometimes null, otherwise the value. */
  function maybe<T>(value: T, missing = 0.08, nil = 0.03): T | null | undefined {
    const r = rnd.next();
    if (r < missing) return undefined;
    if (r < missing + nil) return null;
    return value;
  }

  function setIf(target: Record<string, unknown>, key: string, value: unknown) {
    if (value !== undefined) target[key] = value;
  }

  function makeLead(): { lead: LeadFields; source: string } {
    const first = rnd.pick(FIRST);
    const lead: Record<string, unknown> = {};
    // a few big states dominate, as in real traffic
    setIf(lead, 'state', maybe(rnd.chance(0.4) ? rnd.pick(['CA', 'TX', 'FL', 'NY'] as const) : rnd.pick(STATES), 0.02, 0.01));
    setIf(lead, 'product', maybe(rnd.pick(PRODUCTS), 0.01, 0.01));
    setIf(lead, 'email', maybe(`${first}.${rnd.int(1, 9999)}@${rnd.pick(DOMAINS)}`.replace(/^./, (c) => (rnd.chance(0.3) ? c.toUpperCase() : c))));
    setIf(lead, 'phone', maybe(`+1${rnd.int(201, 989)}${rnd.int(200, 999)}${String(rnd.int(0, 9999)).padStart(4, '0')}`, 0.25));
    setIf(lead, 'zip', maybe(rnd.chance(0.02) ? rnd.int(10000, 99999) : String(rnd.int(1000, 99999)).padStart(5, '0')));
    setIf(lead, 'firstName', first);
    if (rnd.chance(0.6)) lead.utm = { campaign: maybe(rnd.pick(CAMPAIGNS)), medium: rnd.pick(['cpc', 'email', 'display'] as const) };
    const attributes: Record<string, unknown> = {};
    // 2% of amounts arrive as strings: a type mismatch, never coerced
    setIf(attributes, 'loanAmount', maybe(rnd.chance(0.02) ? String(rnd.int(5, 100) * 10_000) : rnd.int(5, 1000) * 1_000));
    setIf(attributes, 'creditScore', maybe(rnd.int(520, 850)));
    setIf(attributes, 'propertyType', maybe(rnd.pick(PROPERTY_TYPES), 0.2));
    setIf(attributes, 'employment', maybe(rnd.pick(EMPLOYMENT)));
    setIf(attributes, 'homeowner', maybe(rnd.chance(0.55)));
    setIf(attributes, 'age', maybe(rnd.int(18, 85)));
    setIf(attributes, 'income', maybe(rnd.int(15, 400) * 1_000, 0.15));
    if (rnd.chance(0.15)) attributes.coBorrower = { firstName: rnd.pick(FIRST) };
    if (rnd.chance(0.95)) lead.attributes = attributes;
    return { lead, source: rnd.pick(SOURCES) };
  }

  return { sources: SOURCES, buyers: BUYERS, makeRules, makeLead };
}
