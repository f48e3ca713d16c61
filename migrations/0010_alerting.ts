import type { Knex } from 'knex';

/**
 * Alerting (issue 9 §2):
 *  - `routing_lock_events`: lock acquisitions that failed — `timeout` (lock_timeout, statement timeout or pool
 *    timeout) and `held` (held by another owner; once per lead, on its first attempt). There was no row for
 *    either; the local evaluator counts them like routing.lock.timeout_errors and routing.lock.failed.
 *    Append only, written only on those failure paths (never on a normal acquisition), pruned after 35 days
 *    by the SLO report. No foreign key: a telemetry row must never block or fail on the lead's lifecycle.
 *  - `alert_states`: one row per alert instance (`key` = alert id, or id + ':' + workspace id for a grouped
 *    alert; `<digest id>:<date>` for a daily digest): status, since when it fires, the last value, and per
 *    notification channel what was delivered and what is still owed (`channels`, JSON, see
 *    lib/store/alertStates.ts). Error texts stored there never carry webhook URLs or routing keys.
 *  - an index on lead_routing_queue (created_at) for the "retry inserts over 30 minutes" signal.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE routing_lock_events (
      id            bigserial PRIMARY KEY,
      occurred_at   timestamptz NOT NULL DEFAULT now(),
      kind          text NOT NULL CHECK (kind IN ('timeout', 'held')),
      lead_id       uuid NOT NULL,
      workspace_id  uuid
    );
    CREATE INDEX routing_lock_events_kind_time ON routing_lock_events (kind, occurred_at);

    CREATE TABLE alert_states (
      key                text PRIMARY KEY,
      alert_id           text NOT NULL,
      group_key          text,
      status             text NOT NULL CHECK (status IN ('ok', 'firing', 'sent')),
      firing_since       timestamptz,
      last_value         double precision,
      last_evaluated_at  timestamptz NOT NULL,
      channels           jsonb NOT NULL DEFAULT '{}'::jsonb,
      CHECK (status <> 'firing' OR firing_since IS NOT NULL)
    );
    CREATE INDEX alert_states_firing ON alert_states (alert_id) WHERE status = 'firing';

    CREATE INDEX lead_routing_queue_created_at ON lead_routing_queue (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS lead_routing_queue_created_at;
    DROP TABLE IF EXISTS alert_states;
    DROP TABLE IF EXISTS routing_lock_events;
  `);
}
