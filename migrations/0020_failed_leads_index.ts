import type { Knex } from 'knex';

/**
 * The index behind an operator paging through failed leads (GET /api/admin/leads?status=failed, keyset on
 * (created_at, id) newest first: lib/maintenance/listLeads.ts). Failed leads are few among many routed
 * ones: without it a page walks leads_created_at backwards and reads every routed lead of the day to find
 * the failed ones. Partial (failed only): a lead enters it once, when it fails; routing never writes it.
 *
 * Built CONCURRENTLY, outside a transaction (knex's per-migration `config`): a plain CREATE INDEX blocks every
 * insert and update of `leads` while it reads the whole table, minutes of refused leads on a large one. If a
 * concurrent build is interrupted it leaves an INVALID index behind; up() drops such a leftover and builds again.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: Array<{ valid: boolean }> }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = 'leads_failed_created' AND c.relnamespace = current_schema()::regnamespace`,
  );
  if (rows[0] && !rows[0].valid) await knex.raw('DROP INDEX CONCURRENTLY leads_failed_created');
  await knex.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS leads_failed_created ON leads (created_at, id) WHERE routing_status = 'failed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS leads_failed_created');
}
