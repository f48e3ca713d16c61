import type { Knex } from 'knex';

/**
 * One row per SLO report (the every-minute sloReport workflow, issue 9 §1): the SLOs' current values, the
 * error budget left and the burn rates, kept so on-call can see how they moved, and so the alert evaluator
 * reads what the report saw. `report` holds the whole computed report (lib/slo/report.ts) as JSON.
 * Snapshots older than 35 days carry nothing the 30-day SLOs need; the report deletes them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE slo_snapshots (
      id                      bigserial PRIMARY KEY,
      computed_at             timestamptz NOT NULL,
      availability_30d        numeric,
      error_budget_remaining  numeric,
      latency_p95_ms_1h       numeric,
      retry_queue_depth       integer NOT NULL CHECK (retry_queue_depth >= 0),
      stale_locks             integer NOT NULL CHECK (stale_locks >= 0),
      report                  jsonb NOT NULL
    );
    CREATE INDEX slo_snapshots_computed_at ON slo_snapshots (computed_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS slo_snapshots');
}
