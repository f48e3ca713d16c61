/**
 * `npm run bench` (a measurement, not a test): the routing path's costs and ceilings, side by side in one run.
 *
 *   npm run bench -- [--quick] [--concurrency 20] [--duration S] [--mode separate|combined] [--built]
 *                    [--step-leads N] [--rules 1000] [--retry-rows N]
 *
 * On one production-shaped stack (scripts/load/stack.ts: durable Postgres, the Temporal dev server with its
 * SQLite file, the product's processes, buyers answering 200):
 *  1. lock, decide (1,000 rules), lock+decide (lockAndDecide: the read and lock_and_decide(), what each attempt's routeAttempt runs first) and
 *     complete: p50/p95/p99 ms per step, one lead at a time, through the activities' code straight against
 *     Postgres (scripts/bench/routingSteps.ts), in a database of its own;
 *  2. (b) the database's ceiling: the same steps as new runs take them for new leads, `--concurrency` closed
 *     loops, no Temporal;
 *  3. (a) the Temporal ceiling: the product's workflow with no-op activities on a fresh dev server started with
 *     the product's flags, worker in its own process (scripts/bench/bareTemporal.ts), same closed loops
 *     (`--mode combined`: driven from the worker's process with eager starts, as the combined product starts);
 *  4. the product end to end: leads POSTed to the gateway, same closed loops, created -> routed from Postgres
 *     (scripts/bench/endToEnd.ts); its throughput as a share of (a) and of (b);
 *  5. retry processing: due retry-ledger rows re-driven per minute (scripts/bench/retryQueue.ts).
 * Throughput phases are closed-loop at a fixed concurrency (default 20 in flight: in issue 10's measurements
 * the dev server did most with ~20 workflows in flight and less with more). Durations: `--duration` seconds
 * per throughput phase (default 60; `--quick`: 10 s and smaller samples, about two minutes in all).
 * `--built`: the product's processes (and the bare worker) from dist/ with plain node, as the Docker image
 * runs them (`npm run build` first); through tsx otherwise.
 * Prints a table with the targets and writes .data/bench/<time>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { ensureDatabase } from '../local/postgres';
import { checkMode, makeScratchDir, startLoadStack } from '../load/stack';
import { arg, positiveInt } from './args';
import { measureBareTemporal } from './bareTemporal';
import { measureEndToEnd } from './endToEnd';
import { createBenchSource, measureRetryQueue } from './retryQueue';
import { measureDatabaseCeiling, measureSteps, seedRoutingData } from './routingSteps';
import { formatBench, type BenchReport } from './table';

const root = path.resolve(__dirname, '../..');

async function main() {
  const quick = process.argv.includes('--quick');
  const settings = {
    quick,
    mode: checkMode(arg('mode') ?? 'separate'),
    built: process.argv.includes('--built'),
    concurrency: positiveInt('concurrency', 20),
    durationSeconds: positiveInt('duration', quick ? 10 : 60),
    stepLeads: positiveInt('step-leads', quick ? 300 : 2_000),
    rules: positiveInt('rules', 1_000),
    retryRows: positiveInt('retry-rows', quick ? 1_000 : 5_000),
  };
  const log = (line: string) => console.log(`bench: ${line}`);
  const scratch = makeScratchDir(path.join(os.tmpdir(), 'lead-router-bench'));
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg()[0]!;
  log(`${JSON.stringify(settings)}; scratch ${scratch}`);
  log('starting the product stack (Postgres, Temporal dev server, the product processes) ...');
  const productEnv = { MAINTENANCE_SCHEDULES: 'false' }; // no schedule runs in the middle of a measurement
  const stack = await startLoadStack(scratch, productEnv, { mode: settings.mode, built: settings.built });
  let ok = false;
  try {
    const otherDb = async (name: string, poolMax: number) => {
      await ensureDatabase(stack.otherDatabaseUrl!('postgres'), name);
      const db = createDb(stack.otherDatabaseUrl!(name), { poolMax, applicationName: `bench-${name}` });
      await migrateLatest(db);
      return db;
    };

    const stepsDb = await otherDb('bench_steps', settings.concurrency + 2);
    let steps, databaseCeiling;
    try {
      log(`seeding ${settings.rules} rules; lock / decide / complete for ${settings.stepLeads} leads, one at a time ...`);
      const data = await seedRoutingData(stepsDb, settings.rules);
      steps = await measureSteps(stepsDb, data, settings.stepLeads);
      log(`(b) database ceiling: ${settings.concurrency} loops for ${settings.durationSeconds} s ...`);
      databaseCeiling = await measureDatabaseCeiling(stepsDb, data, { concurrency: settings.concurrency, durationSeconds: settings.durationSeconds, maxLeads: settings.durationSeconds * 600 });
    } finally {
      await stepsDb.destroy();
    }

    log(`(a) bare Temporal workflow: fresh dev server, no-op activities, ${settings.concurrency} loops for ${settings.durationSeconds} s${settings.mode === 'combined' ? ', eager starts from the worker\'s process' : ''} ...`);
    const workerEnv = { ...process.env, DATABASE_URL: stack.otherDatabaseUrl!('postgres'), IDENTITY_HMAC_KEY: 'bench-not-a-real-hmac-key-0123456789', LOG_LEVEL: 'warn', ...productEnv };
    const bareTemporal = await measureBareTemporal(scratch, workerEnv, { concurrency: settings.concurrency, durationSeconds: settings.durationSeconds, eager: settings.mode === 'combined', built: settings.built });

    log(`product end to end (${settings.mode}): ${settings.concurrency} loops for ${settings.durationSeconds} s ...`);
    const endToEnd = await measureEndToEnd(stack, { concurrency: settings.concurrency, durationSeconds: settings.durationSeconds });

    log(`retry processing: ${settings.retryRows} due rows ...`);
    const retryDb = await otherDb('bench_retry', 10);
    let retry;
    try {
      retry = await measureRetryQueue(retryDb, scratch, await createBenchSource(retryDb), 0, { concurrency: 16, rows: settings.retryRows, batch: 500 });
    } finally {
      await retryDb.destroy();
    }

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      settings,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', node: process.version, loadAverageAtStart, loadAverageAtEnd: os.loadavg()[0]! },
      steps,
      databaseCeiling,
      bareTemporal,
      endToEnd,
      ratios: { ofBareTemporal: endToEnd.perSecond / bareTemporal.perSecond, ofDatabase: endToEnd.perSecond / databaseCeiling.perSecond },
      retry,
    };
    const outDir = path.join(root, '.data', 'bench');
    fs.mkdirSync(outDir, { recursive: true });
    const outFile = path.join(outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(outFile, JSON.stringify(report, null, 2));
    console.log(formatBench(report));
    console.log(`written to ${path.relative(root, outFile)}`);
    ok = true;
  } finally {
    await stack.stop();
    if (ok) fs.rmSync(scratch, { recursive: true, force: true });
    else console.error(`bench: logs kept in ${scratch}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
