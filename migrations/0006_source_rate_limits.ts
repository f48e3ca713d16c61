import type { Knex } from 'knex';

/**
 * A source's own request limit (issue 7, item 9): requests per minute an operator sets per source
 * workspace through the admin API; NULL means the service default (RATE_LIMIT_PER_MINUTE).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE workspaces ADD COLUMN rate_limit_per_minute integer
      CONSTRAINT workspaces_rate_limit_positive CHECK (rate_limit_per_minute > 0),
      ADD CONSTRAINT workspaces_rate_limit_only_sources CHECK (rate_limit_per_minute IS NULL OR kind = 'source');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE workspaces DROP COLUMN IF EXISTS rate_limit_per_minute');
}
