/**
 * Retry-queue processor benchmark (not a test): how many due retries the processor re-drives per minute.
 *
 *   npx tsx scripts/bench/retryQueue.ts [--rows 5000] [--batch 500] [--concurrency 16,32,64]
 *
 * Starts its own Postgres in a temp dir and, for each concurrency level given, a fresh Temporal dev server
 * (as test/support/globalSetup.ts does; fresh so no run inherits an earlier run's workflows); migrates;
 * per run: inserts `rows` pending leads, each with a due
 * lead_routing_queue row (one bulk INSERT ... SELECT FROM unnest(...) per table), then runs
 * processDueRetries (batches of `batch`) until no due row is left. No worker polls the task queue: this
 * measures re-driving (per lead: describe the workflow, which is not found, re-read the lead, start a run),
 * not routing. Prints rows processed per minute, batches, p50/p95 batch duration, and the query plans of the
 * due-rows and orphan queries. Target (spec): > 100 leads/min; aim: > 6,000.
 */
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { processDueRetries } from '../../lib/maintenance/retryQueue';
import { freePort } from '../local/freePort';
import { ensureDatabase, startLocalPostgres } from '../local/postgres';
import { startTemporalDevServer } from '../local/temporal';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}
function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

const TASK_QUEUE = 'bench-retry-queue-nobody-polls';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function seed(db: Db, sourceId: string, run: number, rows: number): Promise<void> {
  const ids = Array.from({ length: rows }, (_, i) => `bench-${run}-${i}`);
  const hashes = ids.map((id) => `hash-${id}`);
  await db.raw(
    `INSERT INTO leads (source_workspace_id, external_id, email_hash, payload, expires_at)
     SELECT ?::uuid, e.external_id, e.email_hash, '{}'::jsonb, now() + interval '90 days'
       FROM unnest(?::text[], ?::text[]) AS e(external_id, email_hash)`,
    [sourceId, ids, hashes],
  );
  // Due a minute ago, spread over distinct timestamps like a real ledger (one attempt each).
  await db.raw(
    `INSERT INTO lead_routing_queue (lead_id, workspace_id, attempt_number, next_retry_at, last_error)
     SELECT l.id, l.source_workspace_id, 1, now() - interval '1 minute' - (e.n * interval '1 millisecond'), 'bench'
       FROM unnest(?::text[]) WITH ORDINALITY AS e(external_id, n)
       JOIN leads l ON l.source_workspace_id = ?::uuid AND l.external_id = e.external_id`,
    [ids, sourceId],
  );
  await db.raw('ANALYZE leads; ANALYZE lead_routing_queue');
}

async function explain(db: Db, sql: string, bindings: number[]): Promise<string> {
  const { rows } = await db.raw(`EXPLAIN ${sql}`, bindings);
  return rows.map((r: { 'QUERY PLAN': string }) => `    ${r['QUERY PLAN']}`).join('\n');
}

export interface RetryQueueResult {
  concurrency: number;
  rows: number;
  redriven: number;
  errors: number;
  left: number;
  elapsedSeconds: number;
  perMinute: number;
  batchMs: { p50: number; p95: number };
  line: string;
}

/** A source workspace for the due rows (retry-ledger rows belong to a lead of a source). */
export async function createBenchSource(db: Db): Promise<string> {
  const [{ id }] = (await db.raw(
    `INSERT INTO workspaces (name, kind, api_key_hash) VALUES ('Bench source', 'source', 'bench-retry-' || gen_random_uuid()) RETURNING id`,
  )).rows;
  return id;
}

/**
 * One measured run: a fresh Temporal dev server (no workflows from earlier runs), `rows` new due rows in
 * `db` (migrated), processDueRetries in batches of `batch` until none is due. Returns rows re-driven per minute.
 */
export async function measureRetryQueue(db: Db, dir: string, sourceId: string, run: number, opts: { concurrency: number; rows: number; batch: number }): Promise<RetryQueueResult> {
  const { concurrency } = opts;
  const temporal = await startTemporalDevServer({ port: await freePort(), logFile: path.join(dir, `temporal-${run}.log`) });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  try {
    await seed(db, sourceId, run, opts.rows);
    const durations: number[] = [];
    const totals = { scanned: 0, redriven: 0, running: 0, finished: 0, errors: 0 };
    const started = process.hrtime.bigint();
    for (;;) {
      const t0 = process.hrtime.bigint();
      const r = await processDueRetries({ db, temporal: client, taskQueue: TASK_QUEUE }, {
        limit: opts.batch,
        concurrency,
        orphans: false, // none exist (every lead has a due row); the orphan query's plan is printed below
        onError: (leadId, err) => console.error(`re-drive of ${leadId} failed: ${String(err)}`),
      });
      if (r.scanned === 0) break;
      durations.push(Number(process.hrtime.bigint() - t0) / 1e6);
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r[k];
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const left = (await db('lead_routing_queue').whereNull('processed_at').count<Array<{ n: string }>>('* as n'))[0]!.n;
    const sorted = [...durations].sort((a, b) => a - b);
    const perMinute = Math.round((totals.redriven / elapsedMs) * 60_000);
    const line = `concurrency ${String(concurrency).padStart(3)}: ${totals.redriven} re-driven (${totals.errors} errors, ${left} rows left) in ${(elapsedMs / 1000).toFixed(2)} s `
      + `= ${perMinute.toLocaleString('en-US')} rows/min; ${durations.length} batches, batch p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms`;
    return { concurrency, rows: opts.rows, ...totals, left: Number(left), elapsedSeconds: elapsedMs / 1000, perMinute, batchMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95) }, line };
  } finally {
    await connection.close();
    await temporal.stop();
  }
}

async function main() {
  const ROWS = positive('rows', arg('rows', '5000'));
  const BATCH = positive('batch', arg('batch', '500'));
  const CONCURRENCIES = arg('concurrency', '16').split(',').map((c) => positive('concurrency', c));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-bench-'));
  fs.chmodSync(dir, 0o711); // when run as root, Postgres runs as `postgres` and must pass through
  const pgPort = await freePort();
  console.log(`starting Postgres :${pgPort} in ${dir}; a fresh Temporal dev server per run ...`);
  const pg = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, durable: false });
  await ensureDatabase(pg.url(), 'bench');
  const db = createDb(pg.url('bench'), { poolMax: 10, applicationName: 'retry-queue-bench' });
  try {
    await migrateLatest(db);
    const sourceId = await createBenchSource(db);

    console.log(`\nretry-queue processor: ${ROWS} due rows per run, batch ${BATCH}, no worker (re-drive only)`);
    console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)} at start; `
      + 'Postgres + Temporal dev server (in-memory SQLite) + this process co-located\n');
    const results: RetryQueueResult[] = [];
    for (const [run, concurrency] of CONCURRENCIES.entries()) {
      results.push(await measureRetryQueue(db, dir, sourceId, run, { concurrency, rows: ROWS, batch: BATCH }));
      console.log(results[results.length - 1]!.line);
    }

    console.log('\nplan of the due-rows query:');
    console.log(await explain(db, `SELECT q.id FROM lead_routing_queue q JOIN leads l ON l.id = q.lead_id
      WHERE q.processed_at IS NULL AND q.next_retry_at <= now() ORDER BY q.next_retry_at, q.id LIMIT ? FOR UPDATE OF q SKIP LOCKED`, [BATCH]));
    console.log('plan of the orphan query (every bench lead is pending: its worst case):');
    console.log(await explain(db, `SELECT l.id FROM leads l WHERE l.routing_status IN ('pending') AND l.expires_at > now()
      AND l.created_at < now() - make_interval(secs => ?)
      AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = l.id AND (q.processed_at IS NULL OR q.processed_at > now() - make_interval(secs => ?)))
      ORDER BY l.expires_at LIMIT ?`, [60, 60, BATCH]));
    console.log(`\nsummary (load average now ${os.loadavg()[0]!.toFixed(2)}):\n  ${results.map((r) => r.line).join('\n  ')}`);
  } finally {
    await db.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Also a module: scripts/bench/index.ts (npm run bench) runs measureRetryQueue in its own run.
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
