import type { Knex } from 'knex';

/**
 * Which retry-ledger rows count against ROUTING_MAX_ATTEMPTS. A row is a failed attempt (a buyer's 5xx /
 * timeout, an outage: counts) or a wait (every matching buyer full until its cap reset, the person's
 * original lead still in flight: does not count, so a lead that waited through a day of hourly cap resets
 * still gets its retries when its buyer then fails). An operator's retry of a failed lead stops its earlier
 * rows counting: the lead gets a fresh set of attempts.
 * Rows written before this migration were all counted; the cap-reset waits among them are not any more.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE lead_routing_queue ADD COLUMN counts_toward_max_attempts boolean NOT NULL DEFAULT true;
    UPDATE lead_routing_queue SET counts_toward_max_attempts = false WHERE last_error = 'all_destinations_capped';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE lead_routing_queue DROP COLUMN IF EXISTS counts_toward_max_attempts');
}
