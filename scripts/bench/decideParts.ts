/**
 * `npm run bench:decide` (a measurement, not a test): where one decision's time goes, one lead at a time, on
 * Postgres alone (durable, its own scratch data dir; no Temporal), with the bench's 1,000 seeded rules
 * (scripts/bench/ruleSet.ts, as `npm run bench`).
 *
 *   npm run bench:decide -- [--leads 2000] [--rules 1000] [--rounds 2]
 *
 * Phase 1, decide as the worker runs it (lib/routing/decide.ts through lock_and_decide(), the rules cache
 * warm): per lead the JavaScript (the lead's rule view, the rules' walk, the candidates, the driver's work around
 * the statement) and the statement (lock_and_decide()'s round trip minus its lock step's time in Postgres: the
 * decision's SQL, the commit and the trip), and the two together (what routing.rules.latency reports, without the
 * activity around it).
 * Phase 2, the rules' walk alone, in the state decide() meets it: right after the lead's read from Postgres
 * (the caches as the round trip left them), leads alternating between the snapshot walk the worker uses
 * (lib/rules/rulePass.ts) and the plain one (applicableRules + checkRule: evaluate.ts, what decide() used
 * before session 11), so that both meet the same noise; each lead is then decided as in phase 1.
 * `--rounds`: phases 1 and 2 repeated on fresh leads, to show the run-to-run spread. Prints p50/p95/p99 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { decide } from '../../lib/routing/decide';
import { applicableRules, checkRule } from '../../lib/rules/evaluate';
import { ruleLeadView } from '../../lib/rules/leadView';
import { startRulePass } from '../../lib/rules/rulePass';
import { lockAndDecideInDatabase, readLeadForDecision } from '../../lib/store/routing';
import { createRulesCache, type RulesLoader } from '../../lib/store/rulesCache';
import { freePort } from '../local/freePort';
import { ensureDatabase, startLocalPostgres } from '../local/postgres';
import { positiveInt } from './args';
import { summarize } from './closedLoop';
import { seedRoutingData, type RoutingData } from './routingSteps';

const summary = (xs: number[]) => {
  const { p50, p95, p99 } = summarize(xs);
  return `p50 ${p50.toFixed(3)}  p95 ${p95.toFixed(3)}  p99 ${p99.toFixed(3)} ms`;
};

const DEFAULT_PHONE_COUNTRY = 'US';

/**
 * decide() for one lead as the worker calls it, timing its statement(s): `js` its JavaScript (all but the
 * statements), `statement` the statements minus their lock step's time in Postgres (lockMs), as routing.rules.latency
 * leaves the lock step out.
 */
async function decideTimed(db: Db, leadId: string, loadRules: RulesLoader, owner: string): Promise<{ js: number; statement: number }> {
  const { lead, rulesFingerprint } = await readLeadForDecision(db, leadId);
  if (!lead) throw new Error(`lead ${leadId} not found`);
  let statements = 0;
  let lockMs = 0;
  const started = performance.now();
  await decide(db, lead, {
    excludeDestinations: [], dedupeWindowDays: 30, loadRules, rulesFingerprint, defaultPhoneCountry: DEFAULT_PHONE_COUNTRY,
    call: async (conn, args, n) => {
      const t = performance.now();
      const answer = await lockAndDecideInDatabase(conn, { ...args, owner, takeLock: n === 1, staleSeconds: 300 });
      statements += performance.now() - t;
      lockMs += answer.lockMs;
      if (!answer.outcome) throw new Error(`lock of ${leadId}: ${answer.lock.outcome}`);
      return answer.outcome;
    },
  });
  return { js: performance.now() - started - statements, statement: statements - lockMs };
}

export interface DecideParts {
  /** Phase 1, per lead (ms): decide() in all, its JavaScript, its statement (lock_and_decide() minus the lock step). */
  decide: { total: number[]; js: number[]; statement: number[] };
  /** Phase 2, per lead (ms): the lead's rule view and the rules' walk up to the first match, each lead one way. */
  walk: { snapshot: number[]; plain: number[]; rulesChecked: number[] };
}

/**
 * One round of both phases (see the module comment) on `data` (seedRoutingData: the rules and a lead factory),
 * `leads` leads each, with `loadRules` (warm it first: its first lead loads and prepares the rules).
 */
export async function measureDecideParts(db: Db, data: RoutingData, loadRules: RulesLoader, leads: number): Promise<DecideParts> {
  const owner = 'bench-decide';
  const out: DecideParts = { decide: { total: [], js: [], statement: [] }, walk: { snapshot: [], plain: [], rulesChecked: [] } };
  for (const id of await data.insertLeads(leads)) {
    const t = await decideTimed(db, id, loadRules, owner);
    out.decide.js.push(t.js);
    out.decide.statement.push(t.statement);
    out.decide.total.push(t.js + t.statement);
  }
  for (const [i, id] of (await data.insertLeads(leads)).entries()) {
    const { lead, rulesFingerprint } = await readLeadForDecision(db, id);
    const rules = await loadRules(db, rulesFingerprint);
    const t = performance.now();
    const seen = ruleLeadView(lead!.payload, rules, { defaultPhoneCountry: DEFAULT_PHONE_COUNTRY });
    let checked = 0;
    if (i % 2 === 0) {
      const pass = startRulePass(rules, lead!.sourceWorkspaceId, seen);
      while (pass.advance()) if ((checked++, pass.trace.matched)) break;
      out.walk.snapshot.push(performance.now() - t);
    } else {
      for (const rule of applicableRules(rules, lead!.sourceWorkspaceId)) if ((checked++, checkRule(seen, rule).matched)) break;
      out.walk.plain.push(performance.now() - t);
    }
    out.walk.rulesChecked.push(checked);
    await decideTimed(db, id, loadRules, owner);
  }
  return out;
}

async function main() {
  const leads = positiveInt('leads', 2_000);
  const ruleCount = positiveInt('rules', 1_000);
  const rounds = positiveInt('rounds', 2);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-bench-decide-'));
  const log = (line: string) => console.log(`bench:decide: ${line}`);
  log(`${JSON.stringify({ leads, rules: ruleCount, rounds })}; Postgres in ${scratch}`);
  const pg = await startLocalPostgres({ dataDir: path.join(scratch, 'pg'), port: await freePort(), durable: true });
  let db: Db | undefined;
  try {
    await ensureDatabase(pg.url(), 'decide');
    db = createDb(pg.url('decide'), { poolMax: 2, applicationName: 'bench-decide' });
    await migrateLatest(db);
    const data = await seedRoutingData(db, ruleCount);
    const loadRules = createRulesCache();
    // Warm-up: the rules cache loads, the snapshot is prepared, the code is compiled.
    for (const id of await data.insertLeads(200)) await decideTimed(db, id, loadRules, 'bench-decide');
    for (let round = 1; round <= rounds; round++) {
      const r = await measureDecideParts(db, data, loadRules, leads);
      log(`round ${round}, phase 1: decide() as the worker runs it, ${leads} leads`);
      console.log(`  decide (JS + statement)  ${summary(r.decide.total)}`);
      console.log(`    its JavaScript         ${summary(r.decide.js)}`);
      console.log(`    its statement          ${summary(r.decide.statement)}`);
      log(`round ${round}, phase 2: the lead's rule view and the rules' walk up to the first match, right after the lead's read (${leads} leads, alternating)`);
      console.log(`  rules checked per lead   p50 ${summarize(r.walk.rulesChecked).p50}  p95 ${summarize(r.walk.rulesChecked).p95}`);
      console.log(`  view + snapshot walk     ${summary(r.walk.snapshot)}`);
      console.log(`  view + plain walk        ${summary(r.walk.plain)}`);
    }
  } finally {
    await db?.destroy();
    await pg.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
