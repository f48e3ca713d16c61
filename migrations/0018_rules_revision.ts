import type { Knex } from 'knex';

/**
 * A revision number for the routing rules, raised by every statement that writes routing_rules (issue 10:
 * decide p95 < 2 ms with 1,000 rules).
 *
 * The worker keeps the active rules in memory and reads a fingerprint with every lead to know whether they
 * changed (lib/store/rulesCache.ts). Until now that fingerprint was `count(*), sum(version)` over the whole
 * table: a scan of every rule for every lead, ~0.15 ms of Postgres CPU per lead with 1,000 rules on a quiet
 * machine and ~0.5 ms on a busy one (pg_stat_statements). Reading one row instead costs the same whatever
 * the number of rules, and the revision is also raised by writes the old fingerprint could not see (a
 * change that keeps count and versions, made by hand in SQL).
 *
 * A statement-level trigger: one update of the single row per statement, however many rules it writes, in
 * the writer's transaction, so a decision never sees new rules with an old revision. Writers of rules queue
 * on that row (admin edits: rare); readers never wait (MVCC).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE routing_rules_revision (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      revision bigint NOT NULL
    );
    INSERT INTO routing_rules_revision (revision) VALUES (1);

    CREATE FUNCTION routing_rules_raise_revision() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE routing_rules_revision SET revision = revision + 1;
      RETURN NULL;
    END $$;
    CREATE TRIGGER routing_rules_raise_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
      FOR EACH STATEMENT EXECUTE FUNCTION routing_rules_raise_revision();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS routing_rules_raise_revision ON routing_rules;
    DROP FUNCTION IF EXISTS routing_rules_raise_revision();
    DROP TABLE IF EXISTS routing_rules_revision;
  `);
}
