import type { Knex } from 'knex';

/**
 * The trigger that gives up a failed or expired lead's identity claims and capacity (migration 0003) fires only
 * when it has something to do (issue 10: Postgres CPU per lead). Every lead's routing_status changes twice on
 * the happy path (pending -> routing -> routed); each change ran the plpgsql function, which did nothing, and
 * queued an after-trigger event. A WHEN clause tests the same condition as the function's IF before any of it:
 * Postgres evaluates it on the row versions and neither calls the function nor queues the event when false.
 * Replacing a trigger locks `leads` exclusively for an instant; a lock_timeout makes the migration fail (and the
 * deploy retry) rather than queue every lead behind a long transaction that holds the table.
 */
const CONDITION = "NEW.routing_status IN ('failed', 'expired') AND OLD.routing_status NOT IN ('failed', 'expired')";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    SET LOCAL lock_timeout = '10s';
    DROP TRIGGER leads_release_claims_on_failure ON leads;
    CREATE TRIGGER leads_release_claims_on_failure AFTER UPDATE OF routing_status ON leads
      FOR EACH ROW WHEN (${CONDITION}) EXECUTE FUNCTION leads_release_claims_on_failure();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER leads_release_claims_on_failure ON leads;
    CREATE TRIGGER leads_release_claims_on_failure AFTER UPDATE OF routing_status ON leads
      FOR EACH ROW EXECUTE FUNCTION leads_release_claims_on_failure();
  `);
}
