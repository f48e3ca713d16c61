import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../lib/db/createDb';
import { migrations } from '../migrations';
import { freePort } from './local/freePort';
import { startLocalPostgres } from './local/postgres';

/**
 * How long one starter claim (admission_claim_batch) takes with a huge admission backlog, before and after
 * migration 0014 (the bounded read). A private throw-away Postgres; nothing else runs against it.
 *
 *   npx tsx scripts/admissionClaimTiming.ts [waiting=100000] [sources=3] [room=32] [history=waiting] [--explain]
 *
 * Seeds `waiting` backlog leads spread over `sources` sources, migrates to 0012, times the claim (each call
 * in a rolled-back transaction, so every call sees the same backlog), applies 0014, times it again. Prints
 * the median and p95 of 30 calls (after 3 warm-ups), in milliseconds, client-side (includes the round trip).
 * room 32 is ADMISSION_MAX_IN_FLIGHT's default (an empty room after an outage); under load most passes claim 1.
 * --explain also prints the plan of each statement inside the function (auto_explain, EXPLAIN ANALYZE's output).
 */
async function main() {
  const explain = process.argv.includes('--explain');
  const [waiting = 100_000, sources = 3, room = 32, history = waiting] = process.argv.slice(2).filter((a) => a !== '--explain').map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admission-timing-'));
  fs.chmodSync(dir, 0o711);
  const pg = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), durable: false });
  const db = createDb(pg.url(), { poolMax: 2 });
  try {
    const upTo = migrations.findIndex(([name]) => name === '0012_admission_fair_share');
    for (const [, m] of migrations.slice(0, upTo + 1)) await m.up(db);
    await seed(db, waiting, sources, history);
    console.log(`${waiting} leads waiting across ${sources} sources (on ${history} decided ones), room ${room}`);
    console.log(`0012 (ranks the whole backlog): ${format(await timeClaim(db, room))}`);
    if (explain) await printPlan(db, room);
    for (const [, m] of migrations.slice(upTo + 1)) await m.up(db);
    console.log(`0014 (reads what it can take):  ${format(await timeClaim(db, room))}`);
    if (explain) await printPlan(db, room);
  } finally {
    await db.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(db: Db, waiting: number, sources: number, history: number) {
  const ids: string[] = [];
  for (let s = 0; s < sources; s++) {
    const [ws] = await db('workspaces').insert({ name: `timing source ${s}`, kind: 'source', api_key_hash: `timing-${s}` }).returning('id');
    ids.push(ws.id);
  }
  // One busy source sends 98% of the backlog; each other source 1% (the fairness case: a quiet source's leads
  // sit far apart in created_at order). `history` decided leads, older: the history a backlog sits on.
  await db.raw(
    `INSERT INTO leads (source_workspace_id, external_id, email_hash, payload, created_at, expires_at, admitted_at, routing_status, routing_result, last_error)
     SELECT (?::uuid[])[CASE WHEN i % 100 < ? - 1 THEN 2 + i % 100 ELSE 1 END], 'timing-' || i, md5(i::text), '{}',
            now() - make_interval(secs => ? - i), now() + interval '7 days',
            CASE WHEN i <= ? THEN now() - make_interval(secs => ? - i) END, CASE WHEN i <= ? THEN 'failed' ELSE 'pending' END,
            CASE WHEN i <= ? THEN 'failed' END, CASE WHEN i <= ? THEN 'timing' END
       FROM generate_series(1, ?) AS i`,
    [ids, sources, history + waiting, history, history + waiting, history, history, history, history + waiting],
  );
  await db.raw('VACUUM ANALYZE leads');
}

async function timeClaim(db: Db, room: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 33; i++) {
    const trx = await db.transaction();
    try {
      const started = process.hrtime.bigint();
      const { rows } = await trx.raw('SELECT count(*)::int AS n FROM admission_claim_batch(?, 60, ?)', [room, room]);
      if (i >= 3) times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (rows[0].n !== room) throw new Error(`claimed ${rows[0].n} leads, expected ${room}`);
    } finally {
      await trx.rollback();
    }
  }
  return times.sort((a, b) => a - b);
}

/** One claim with auto_explain on: Postgres sends the plans of the function's statements back as notices. */
async function printPlan(db: Db, room: number) {
  const trx = await db.transaction();
  const conn = (await trx.client.acquireConnection()) as import('pg').Client;
  const onNotice = (n: { message?: string }) => console.log(n.message);
  try {
    await trx.raw(`LOAD 'auto_explain'`);
    for (const setting of ['log_min_duration = 0', 'log_analyze = on', 'log_nested_statements = on', "log_level = 'notice'", 'log_timing = on'])
      await trx.raw(`SET LOCAL auto_explain.${setting}`);
    conn.on('notice', onNotice);
    await trx.raw('SELECT count(*) FROM admission_claim_batch(?, 60, ?)', [room, room]);
  } finally {
    conn.off('notice', onNotice);
    await trx.rollback();
  }
}

const format = (sorted: number[]) =>
  `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p95 ${sorted[Math.ceil(sorted.length * 0.95) - 1]!.toFixed(1)} ms`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
