/**
 * Rule-engine benchmark (not a test): 1,000 realistic rules x 10,000 varied leads through evaluateRules.
 *
 *   npx tsx scripts/bench/rules.ts [--rules 1000] [--leads 10000] [--seed 42]
 *
 * Rules mix every operator (nested all / any / not, 2-6 predicates each, a few regexes, some scoped to a
 * source, a few disabled) and are specific enough that most do not match a given lead, so a typical lead
 * is checked against most of the list before it matches or reaches the catch-all at the end. A seeded
 * PRNG makes runs repeatable. Per-lead time is measured with process.hrtime.bigint() after a warm-up.
 * Target (DESIGN §6): p95 < 1 ms per lead.
 */
import { applicableRules, evaluateRules } from '../../lib/rules/evaluate';
import { clearRuleCache, ruleCacheStats } from '../../lib/rules/compile';
import type { Condition, LeadFields, Predicate, RoutingRule } from '../../lib/rules/types';
import { validateConditions } from '../../lib/rules/validate';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const RULES = arg('rules', 1000);
const LEADS = arg('leads', 10_000);
const SEED = arg('seed', 42);
const WARMUP_LEADS = 2_000;
const FRESH_LEADS = 1_000;

/* ---------------------------------------------------------------------------------------------------- */
/* Seeded data                                                                                          */
/* ---------------------------------------------------------------------------------------------------- */

/** mulberry32: tiny, fast, good enough for test data. */
function prng(seed: number) {
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

const rnd = prng(SEED);

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
const SOURCES = Array.from({ length: 8 }, () => rnd.uuid());
const BUYERS = Array.from({ length: 40 }, () => rnd.uuid());
const FIRST = ['jane', 'john', 'maria', 'wei', 'ahmed', 'olga', 'sam', 'lee', 'fatima', 'diego'] as const;

/* ---------------------------------------------------------------------------------------------------- */
/* Rules                                                                                                */
/* ---------------------------------------------------------------------------------------------------- */

const REGEXES = [
  '^9[0-4]\\d{3}$',
  '^(1|\\+1)?[2-9]\\d{2}[2-9]\\d{6}$',
  '@(gmail|yahoo|hotmail)\\.com$',
  '(?i)^(spring|summer)_',
  '^\\+1(415|650|408)',
  '^[0-2]\\d{4}$',
] as const;

/** One predicate of a kind that is realistic for a routing rule. */
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

/* ---------------------------------------------------------------------------------------------------- */
/* Measurement                                                                                          */
/* ---------------------------------------------------------------------------------------------------- */

const ms = (ns: bigint) => Number(ns) / 1e6;
const fmt = (x: number) => x.toFixed(3);

function percentiles(samples: Float64Array) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  let sum = 0;
  for (const x of sorted) sum += x;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] as number, mean: sum / sorted.length };
}

const always = () => true;

function main() {
  const shuffled = makeRules(RULES);
  // The order lib/store/rules.ts returns them in (ORDER BY priority, id), as the activity passes them.
  const rules = [...shuffled].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const leads = Array.from({ length: LEADS }, makeLead);

  const invalid = rules.filter((r) => validateConditions(r.conditions).length > 0);
  if (invalid.length > 0) throw new Error(`generated ${invalid.length} invalid rules, e.g. ${JSON.stringify(validateConditions(invalid[0]?.conditions))}`);
  const opCounts = new Map<string, number>();
  const countOps = (c: Condition): void => {
    if ('all' in c) c.all.forEach(countOps);
    else if ('any' in c) c.any.forEach(countOps);
    else if ('not' in c) countOps(c.not);
    else opCounts.set(c.op, (opCounts.get(c.op) ?? 0) + 1);
  };
  rules.forEach((r) => countOps(r.conditions));

  console.log(`node ${process.version} (${process.platform}/${process.arch}), seed ${SEED}`);
  console.log(
    `${rules.length} rules (${rules.filter((r) => r.sourceWorkspaceId).length} source-scoped, ${rules.filter((r) => !r.enabled).length} disabled), ` +
      `${[...opCounts.values()].reduce((a, b) => a + b, 0)} predicates: ` +
      [...opCounts.entries()].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`).join(', '),
  );

  // Cold: the first lead compiles every applicable rule.
  clearRuleCache();
  const first = leads[0] as { lead: LeadFields; source: string };
  let t = process.hrtime.bigint();
  evaluateRules(first.lead, first.source, rules, always);
  console.log(`cold first lead (compiles ${ruleCacheStats().compilations} rules): ${fmt(ms(process.hrtime.bigint() - t))} ms`);

  // Warm-up (JIT, caches), untimed.
  for (let i = 0; i < WARMUP_LEADS; i++) {
    const { lead, source } = leads[i % leads.length] as { lead: LeadFields; source: string };
    evaluateRules(lead, source, rules, always);
  }

  // Main run: every lead against all rules, passed in the store's order.
  const samples = new Float64Array(leads.length);
  let checked = 0;
  let checkedMax = 0;
  let catchAll = 0;
  const wall = process.hrtime.bigint();
  for (let i = 0; i < leads.length; i++) {
    const { lead, source } = leads[i] as { lead: LeadFields; source: string };
    t = process.hrtime.bigint();
    const decision = evaluateRules(lead, source, rules, always);
    samples[i] = ms(process.hrtime.bigint() - t);
    checked += decision.trace.length;
    checkedMax = Math.max(checkedMax, decision.trace.length);
    if (decision.kind === 'matched' && decision.trace.length > 0 && decision.trace[decision.trace.length - 1]?.ruleName === 'catch-all') catchAll++;
  }
  const wallMs = ms(process.hrtime.bigint() - wall);
  const applicable = leads.reduce((n, { source }) => n + applicableRules(rules, source).length, 0) / leads.length;
  const s = percentiles(samples);
  console.log(
    `rules checked per lead: mean ${(checked / leads.length).toFixed(0)} of ${applicable.toFixed(0)} applicable (max ${checkedMax}); ` +
      `${((catchAll / leads.length) * 100).toFixed(1)}% of leads fell through to the catch-all`,
  );
  console.log(`per lead (ms): p50=${fmt(s.p50)} p95=${fmt(s.p95)} p99=${fmt(s.p99)} max=${fmt(s.max)} mean=${fmt(s.mean)}`);
  console.log(`throughput: ${leads.length} leads in ${wallMs.toFixed(0)} ms = ${Math.round(leads.length / (wallMs / 1000))} leads/s (single thread)`);

  const unsorted = new Float64Array(FRESH_LEADS);
  for (let i = 0; i < FRESH_LEADS; i++) {
    const { lead, source } = leads[i] as { lead: LeadFields; source: string };
    t = process.hrtime.bigint();
    evaluateRules(lead, source, shuffled, always);
    unsorted[i] = ms(process.hrtime.bigint() - t);
  }
  const u = percentiles(unsorted);
  console.log(`same rules in random order (sorted per lead), ${FRESH_LEADS} leads: p50=${fmt(u.p50)} p95=${fmt(u.p95)} p99=${fmt(u.p99)} max=${fmt(u.max)} ms/lead`);

  // Rules freshly loaded from the database for every lead (new objects, same id:version): the compile
  // cache is hit after a structural check. The JSON round trip happens outside the timed region.
  const fresh = new Float64Array(FRESH_LEADS);
  const compiledBefore = ruleCacheStats().compilations;
  const json = JSON.stringify(rules);
  for (let i = 0; i < FRESH_LEADS; i++) {
    const { lead, source } = leads[i] as { lead: LeadFields; source: string };
    const loaded = JSON.parse(json) as RoutingRule[];
    t = process.hrtime.bigint();
    evaluateRules(lead, source, loaded, always);
    fresh[i] = ms(process.hrtime.bigint() - t);
  }
  const f = percentiles(fresh);
  console.log(
    `fresh rule objects per lead (as loaded from the DB), ${FRESH_LEADS} leads: p50=${fmt(f.p50)} p95=${fmt(f.p95)} p99=${fmt(f.p99)} max=${fmt(f.max)} ms/lead, ` +
      `${ruleCacheStats().compilations - compiledBefore} recompilations`,
  );

  console.log(`rules bench: ${rules.length} rules x ${leads.length} leads: p50=${fmt(s.p50)} p95=${fmt(s.p95)} p99=${fmt(s.p99)} ms/lead`);
}

main();
