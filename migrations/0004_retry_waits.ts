import type { Knex } from 'knex';

/**
 * A retry-ledger row is either a failed attempt (a buyer's 5xx / timeout, an outage) or a wait (every
 * matching buyer is full until its cap resets; the person's original lead from another partner is still
 * being routed). Only failed attempts count against ROUTING_MAX_ATTEMPTS: a lead that waited through a
 * day of hourly cap resets must still get its retries when its buyer then fails.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE lead_routing_queue ADD COLUMN is_wait boolean NOT NULL DEFAULT false;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE lead_routing_queue DROP COLUMN IF EXISTS is_wait');
}
