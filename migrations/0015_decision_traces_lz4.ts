import type { Knex } from 'knex';

/**
 * Decision traces compressed with LZ4 instead of pglz (Postgres ≥ 14 built --with-lz4, as the official
 * packages and images are).
 *
 * A decision's trace lists every rule checked up to the one that took the lead: with 1,000 rules it is
 * 50-150 kB of JSON, written twice by complete_routing() (leads.decision and lead_routing_logs.decision;
 * the capacity reservation keeps the matched rules only since migration 0013, but can be large too). pglz
 * compresses it at a few ms per copy, in the routing transaction; LZ4 several times faster for a similar
 * ratio on JSON (issue 10: the bench's complete step, 1,000 rules, p95 9.9 / 7.6 ms with pglz, 6.1 / 5.8 ms
 * with LZ4 in alternating runs). Only values written after this migration are LZ4; old ones stay readable.
 */
const COLUMNS: Array<[table: string, column: string]> = [
  ['leads', 'decision'],
  ['lead_routing_logs', 'decision'],
  ['capacity_reservations', 'decision'],
];

export async function up(knex: Knex): Promise<void> {
  // SET COMPRESSION is a catalog change, but it takes an ACCESS EXCLUSIVE lock: during a rolling deploy it
  // must not wait behind a long transaction while every insert queues behind it. Fail fast instead (the
  // migration is in one transaction, so nothing is half done); the deploy's next start retries it.
  await knex.raw("SET LOCAL lock_timeout = '5s'");
  for (const [table, column] of COLUMNS) await knex.raw(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION lz4`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, column] of COLUMNS) await knex.raw(`ALTER TABLE ${table} ALTER COLUMN ${column} SET COMPRESSION DEFAULT`);
}
