import type { Knex } from 'knex';

/**
 * The index behind an operator paging through failed leads (GET /api/admin/leads?status=failed, keyset on
 * (created_at, id) newest first: lib/maintenance/listLeads.ts). Failed leads are few among many routed
 * ones: without it a page walks leads_created_at backwards and reads every routed lead of the day to find
 * the failed ones. Partial (failed only): a lead enters it once, when it fails; routing never writes it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX IF NOT EXISTS leads_failed_created ON leads (created_at, id) WHERE routing_status = 'failed'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS leads_failed_created');
}
