import crypto from 'node:crypto';
import { Client as PgClient } from 'pg';
import { createDb } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { migrations } from '../../migrations';
import { sharedEnv } from '../support/env';

async function emptyDatabase(): Promise<string> {
  const { pgPort } = sharedEnv();
  const name = `m_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return `postgres://postgres@127.0.0.1:${pgPort}/${name}`;
}

test('three processes migrating one empty database at once all succeed, and each migration runs once', async () => {
  const url = await emptyDatabase();
  const dbs = [1, 2, 3].map(() => createDb(url, { poolMax: 3 }));
  try {
    const applied = await Promise.all(dbs.map((db) => migrateLatest(db)));
    // One migrator applied everything; the others waited on the advisory lock and found nothing to do.
    expect(applied.map((a) => a.length).sort()).toEqual([0, 0, migrations.length]);
    const rows = await dbs[0]!('knex_migrations').select('name').orderBy('id');
    expect(rows.map((r) => r.name)).toEqual(migrations.map(([name]) => name));
    expect(await migrateLatest(dbs[0]!)).toEqual([]);
    const { rows: fns } = await dbs[0]!.raw("SELECT proname FROM pg_proc WHERE proname IN ('acquire_routing_lock', 'complete_routing') ORDER BY 1");
    expect(fns.map((f: { proname: string }) => f.proname)).toEqual(['acquire_routing_lock', 'complete_routing']);
  } finally {
    await Promise.all(dbs.map((db) => db.destroy()));
  }
});

test('every migration can be rolled back and re-applied (down() matches up())', async () => {
  const url = await emptyDatabase();
  const db = createDb(url, { poolMax: 3 });
  try {
    await migrateLatest(db);
    for (const [, m] of [...migrations].reverse()) await m.down!(db);
    const { rows } = await db.raw("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('leads', 'workspaces', 'routing_rules')");
    expect(rows[0].n).toBe(0);
    for (const [, m] of migrations) await m.up(db);
    const { rows: after } = await db.raw("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('leads', 'workspaces', 'routing_rules')");
    expect(after[0].n).toBe(3);
  } finally {
    await db.destroy();
  }
});

/** 0015: decision traces (50-150 kB with 1,000 rules, written three times per lead) compressed with LZ4. */
test('decision traces are stored with LZ4 (the columns complete_routing() and decide_routing() write)', async () => {
  const url = await emptyDatabase();
  const db = createDb(url, { poolMax: 3 });
  try {
    await migrateLatest(db);
    const { rows } = await db.raw(`SELECT attrelid::regclass::text AS tbl, attcompression AS method FROM pg_attribute
                                    WHERE attname = 'decision' AND attrelid::regclass::text IN ('leads', 'lead_routing_logs', 'capacity_reservations')
                                    ORDER BY 1`);
    expect(rows).toEqual([
      { tbl: 'capacity_reservations', method: 'l' },
      { tbl: 'lead_routing_logs', method: 'l' },
      { tbl: 'leads', method: 'l' },
    ]);
  } finally {
    await db.destroy();
  }
});

test('the failed-leads index is built concurrently (0020: outside a transaction, so writes to leads go on) and is valid', async () => {
  const url = await emptyDatabase();
  const db = createDb(url, { poolMax: 3 });
  try {
    expect((migrations.find(([name]) => name === '0020_failed_leads_index')?.[1] as { config?: { transaction?: boolean } }).config).toEqual({ transaction: false });
    await migrateLatest(db);
    const valid = async () => (await db.raw("SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'leads_failed_created'")).rows as Array<{ valid: boolean }>;
    expect(await valid()).toEqual([{ valid: true }]);
    // An interrupted concurrent build leaves an INVALID index: up() replaces it with a valid one.
    await db.raw('UPDATE pg_index SET indisvalid = false WHERE indexrelid = \'leads_failed_created\'::regclass');
    expect(await valid()).toEqual([{ valid: false }]);
    const m0020 = migrations.find(([name]) => name === '0020_failed_leads_index')![1];
    await m0020.up(db);
    expect(await valid()).toEqual([{ valid: true }]);
  } finally {
    await db.destroy();
  }
});
