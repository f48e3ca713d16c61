import { MockActivityEnvironment } from '@temporalio/testing';
import crypto from 'node:crypto';
import { createActivities, type ActivityDeps } from '../../activities';
import { loadConfig } from '../../lib/config';
import type { Db } from '../../lib/db/createDb';
import { createLogger } from '../../lib/logger';
import { createLeadHandOff, type LeadHandOff } from '../../lib/routing/leadHandOff';
import { readLeadForDecision } from '../../lib/store/routing';
import { insertRule } from '../../lib/store/rules';
import type { Metrics } from '../../lib/telemetry/metrics';
import { closedLoop, summarize, type ClosedLoopResult, type LatencySummary } from './closedLoop';
import { createRuleSet } from './ruleSet';

/**
 * The routing steps without Temporal: the product's activity functions (activities/*.ts: acquire_routing_lock(),
 * decide() with the worker's rules cache, complete_routing()) called directly against Postgres, each inside a
 * MockActivityEnvironment that plays the workflow run the routing lock belongs to. Logs are silenced and
 * metrics built but not sent, so the numbers are the SQL and the rules engine.
 *
 * Data: 1,000 seeded rules from scripts/bench/ruleSet.ts (the rules bench's) over 8 sources and 40 buyers
 * (no delivery URL, no caps) and leads from the same generator, each a new person (no duplicates).
 */

/** An activity as a plain function (by name: the workflow's shape may change, the names are looked up). */
type ActivityFn = (...args: unknown[]) => Promise<unknown>;

export interface RoutingData {
  /** Inserts `n` new pending leads and returns their ids. */
  insertLeads(n: number): Promise<string[]>;
  rules: number;
}

/** Seeds sources, buyers and `rules` rules (one transaction) into an empty, migrated database. */
export async function seedRoutingData(db: Db, rules: number, seed = 42): Promise<RoutingData> {
  const set = createRuleSet(seed);
  const generated = set.makeRules(rules);
  await db.transaction(async (trx) => {
    await trx('workspaces').insert(set.sources.map((id, i) => ({ id, name: `Bench source ${i}`, kind: 'source', api_key_hash: `bench-${id}` })));
    await trx('workspaces').insert(set.buyers.map((id, i) => ({ id, name: `Bench buyer ${i}`, kind: 'partner' })));
    for (const rule of generated) await insertRule(trx, rule);
  });
  let n = 0;
  const insertLeads = async (count: number) => {
    const rows = Array.from({ length: count }, () => {
      n += 1;
      const { lead, source } = set.makeLead();
      return { source, externalId: `bench-${n}`, emailHash: crypto.randomBytes(16).toString('hex'), payload: JSON.stringify(lead) };
    });
    const ids: string[] = [];
    for (let i = 0; i < rows.length; i += 5_000) {
      const chunk = rows.slice(i, i + 5_000);
      const { rows: inserted } = await db.raw<{ rows: Array<{ id: string }> }>(
        `INSERT INTO leads (source_workspace_id, external_id, email_hash, payload, expires_at)
         SELECT e.source, e.external_id, e.email_hash, e.payload, now() + interval '90 days'
           FROM unnest(?::uuid[], ?::text[], ?::text[], ?::jsonb[]) AS e(source, external_id, email_hash, payload)
         RETURNING id`,
        [chunk.map((r) => r.source), chunk.map((r) => r.externalId), chunk.map((r) => r.emailHash), chunk.map((r) => r.payload)],
      );
      ids.push(...inserted.map((r) => r.id));
    }
    await db.raw('ANALYZE leads');
    return ids;
  };
  return { insertLeads, rules };
}

/**
 * The routing activities bound to `db`, as the worker builds them (same code, same rules cache). The separate
 * lock and decide activities serve runs started before issue 10's one-task shape; lockAndDecide (the lead read,
 * then lock and decision in one statement) is the first step of every routeAttempt, when the product has it.
 * `handOff`: where the combined process's gateway hands new leads over (lib/routing/leadHandOff.ts), if the
 * product has one. `rulesLatency`: the routing.rules.latency values the activities report, in order (the
 * decision's share of lockAndDecide, as the product measures it); no metric is sent.
 */
export function routingActivities(db: Db) {
  const config = loadConfig({
    DATABASE_URL: 'postgres://unused',
    ADMIN_TOKEN: 'bench-not-a-real-admin-token-0123456789',
    IDENTITY_HMAC_KEY: 'bench-not-a-real-hmac-key-0123456789',
  } as NodeJS.ProcessEnv);
  const rulesLatency: number[] = [];
  const metrics: Metrics = {
    increment: () => undefined,
    gauge: () => undefined,
    distribution: (name, value) => void (name === 'routing.rules.latency' && rulesLatency.push(value)),
    close: async () => undefined,
  };
  const handOff = createLeadHandOff();
  const deps: ActivityDeps & { leadHandOff?: LeadHandOff } = { db, config, log: createLogger('silent'), metrics, temporal: undefined as never, leadHandOff: handOff };
  const all = createActivities(deps) as unknown as Record<string, ActivityFn | undefined>;
  const get = (name: string) => {
    const fn = all[name];
    if (typeof fn !== 'function') throw new Error(`activities/index.ts has no ${name}: update scripts/bench/routingSteps.ts to the workflow's steps`);
    return fn;
  };
  return {
    acquireRoutingLock: get('acquireRoutingLock'),
    decideRouting: get('decideRouting'),
    completeRouting: get('completeRouting'),
    lockAndDecide: typeof all.lockAndDecide === 'function' ? all.lockAndDecide : undefined,
    db,
    handOff,
    rulesLatency,
  };
}

type Steps = ReturnType<typeof routingActivities>;

const call = (env: MockActivityEnvironment, fn: ActivityFn, input: unknown): Promise<unknown> => env.run<[unknown], unknown, ActivityFn>(fn, input);

interface DecisionFields {
  kind: string;
  destinationWorkspaceId?: string;
  ruleId?: string;
  ruleVersion?: number;
  trace: unknown;
}

/**
 * One lead routed as one workflow run would, without the delivery (the buyers have no URL): `split` takes
 * the lock and decides in two activities (two transactions), `merged` in lockAndDecide (one), `handed` too,
 * with the lead handed over first as the combined process's gateway does (not timed). Returns each step's ms
 * (for merged and handed, `lock` is the whole lockAndDecide and `decide` its routing.rules.latency, read from
 * the metric's list: not with `concurrent` calls, whose values interleave there; `decide` is then 0).
 */
async function routeOne(steps: Steps, leadId: string, path: 'split' | 'merged' | 'handed', concurrent = false): Promise<{ lock: number; decide: number; complete: number }> {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `route-lead-${leadId}`, runId: crypto.randomUUID() }, attempt: 1 });
  if (path === 'handed') {
    const { lead } = await readLeadForDecision(steps.db, leadId);
    steps.handOff.put(lead!, JSON.stringify(lead!.payload).length);
  }
  const t0 = performance.now();
  let decision: DecisionFields;
  let t1: number;
  if (path !== 'split' && steps.lockAndDecide) {
    const reported = steps.rulesLatency.length;
    const out = (await call(env, steps.lockAndDecide, { leadId, excludeDestinations: [] })) as DecisionFields & { lock: { outcome: string } };
    if (out.lock.outcome !== 'acquired') throw new Error(`lock of ${leadId}: ${out.lock.outcome}`);
    t1 = performance.now();
    if (!concurrent && steps.rulesLatency.length !== reported + 1) throw new Error('lockAndDecide reported no routing.rules.latency');
    decision = out;
    const t2 = performance.now();
    const done = await completeOne(steps, env, leadId, decision);
    if (concurrent) steps.rulesLatency.length = 0; // not read: keep the list from growing
    return { lock: t1 - t0, decide: concurrent ? 0 : steps.rulesLatency[reported]!, complete: done - t2 };
  } else {
    const lock = (await call(env, steps.acquireRoutingLock, { leadId })) as { outcome: string };
    if (lock.outcome !== 'acquired') throw new Error(`lock of ${leadId}: ${lock.outcome}`);
    t1 = performance.now();
    decision = (await call(env, steps.decideRouting, { leadId, excludeDestinations: [] })) as DecisionFields;
  }
  const t2 = performance.now();
  return { lock: t1 - t0, decide: t2 - t1, complete: (await completeOne(steps, env, leadId, decision)) - t2 };
}

/** complete_routing() for a decided lead; returns performance.now() when it is done. */
async function completeOne(steps: Steps, env: MockActivityEnvironment, leadId: string, decision: DecisionFields): Promise<number> {
  const outcome = decision.kind === 'assigned'
    ? { result: 'success', destinationWorkspaceId: decision.destinationWorkspaceId, ruleId: decision.ruleId, ruleVersion: decision.ruleVersion }
    : { result: 'failed', errorCode: 'no_matching_rule', errorMessage: `bench decision ${decision.kind}` };
  const done = (await call(env, steps.completeRouting, { leadId, outcome, trace: decision.trace, attemptStartedAtMs: Date.now() })) as { status: string };
  if (done.status !== 'routed' && done.status !== 'failed') throw new Error(`complete of ${leadId}: ${done.status}`);
  return performance.now();
}

export interface StepLatencies {
  leads: number;
  /** acquireRoutingLock alone. */
  lock: LatencySummary;
  /** decideRouting alone (its transaction: lead row lock, dedupe, rules, distribution, capacity). */
  decide: LatencySummary;
  /** lockAndDecide (the lead read, then lock + decide in one statement), the current shape; absent if the product has none. */
  lockAndDecide?: LatencySummary;
  /** Its decision (routing.rules.latency: lockAndDecide minus the lock step's time in Postgres), the separate mode's. */
  lockAndDecideDecide?: LatencySummary;
  /** lockAndDecide and its decision for a lead handed over in memory (the combined mode: no read); absent if none. */
  handedOff?: { lockAndDecide: LatencySummary; decide: LatencySummary };
  complete: LatencySummary;
}

/**
 * Per-step latency, one lead at a time (no contention): `leads` leads through the separate lock and decide
 * activities, then `leads` more through lockAndDecide (if the product has it), each followed by complete,
 * after `warmup` untimed leads (the rules cache loads and compiles on the first lead).
 */
export async function measureSteps(db: Db, data: RoutingData, leads: number, warmup = 50): Promise<StepLatencies> {
  const steps = routingActivities(db);
  const times = async (path: 'split' | 'merged' | 'handed') => {
    const ids = await data.insertLeads(leads + warmup);
    const out = { lock: [] as number[], decide: [] as number[], complete: [] as number[] };
    for (const [i, id] of ids.entries()) {
      const t = await routeOne(steps, id, path);
      if (i < warmup) continue;
      out.lock.push(t.lock);
      out.decide.push(t.decide);
      out.complete.push(t.complete);
    }
    return out;
  };
  const split = await times('split');
  const merged = steps.lockAndDecide ? await times('merged') : undefined;
  const handed = steps.lockAndDecide ? await times('handed') : undefined;
  return {
    leads,
    lock: summarize(split.lock),
    decide: summarize(split.decide),
    ...(merged ? { lockAndDecide: summarize(merged.lock), lockAndDecideDecide: summarize(merged.decide) } : {}),
    ...(handed ? { handedOff: { lockAndDecide: summarize(handed.lock), decide: summarize(handed.decide) } } : {}),
    complete: summarize(merged?.complete ?? split.complete),
  };
}

/**
 * The database's ceiling: `concurrency` closed loops each routing new leads the way routeAttempt does (lockAndDecide
 * if the product has it, else lock then decide; then complete) for `durationSeconds`, no Temporal and no
 * delivery. `poolMax` of `db` should be at least `concurrency`.
 */
export async function measureDatabaseCeiling(db: Db, data: RoutingData, opts: { concurrency: number; durationSeconds: number; maxLeads: number }): Promise<ClosedLoopResult> {
  const steps = routingActivities(db);
  const ids = await data.insertLeads(opts.maxLeads);
  return closedLoop({ concurrency: opts.concurrency, durationSeconds: opts.durationSeconds, items: ids.length, run: async (i) => void (await routeOne(steps, ids[i]!, 'merged', true)) });
}
