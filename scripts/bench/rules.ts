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
import type { Condition, LeadFields, RoutingRule } from '../../lib/rules/types';
import { validateConditions } from '../../lib/rules/validate';
import { createRuleSet } from './ruleSet';

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

const { makeRules, makeLead } = createRuleSet(SEED);

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
