import type { Knex } from 'knex';
import { lockAndDecideSql } from './0016_lock_and_decide';

/**
 * lock_and_decide() checks the rules' revision itself (issue 10: decide p95 < 2 ms), so that a routing attempt
 * whose lead is already in memory needs no read before it.
 *
 * Each attempt read the lead and the rules' revision (routing_rules_revision, migration 0018) in one query, then
 * evaluated the cached rules in JS and called lock_and_decide(). In the combined process the gateway has just
 * stored the lead and hands it to the worker in memory (lib/routing/leadHandOff.ts); the one thing that read
 * still told is whether the cached rules are current. The new last argument p_rules_revision (DEFAULT NULL:
 * callers passing twelve arguments are unaffected, a rolling deploy) says which revision the candidates were
 * evaluated from; when it is not the current one the function answers {rulesChanged: true} before it does
 * anything (no lock taken, nothing written) and the caller reads the lead and the rules as before.
 *
 * The old function is dropped first: a second overload with a defaulted thirteenth argument would make every
 * twelve-argument call ambiguous. Both statements run in the migration's transaction.
 */
const OLD_SIGNATURE = 'lock_and_decide(uuid, text, boolean, integer, uuid, jsonb, jsonb, jsonb, text[], integer, double precision, double precision)';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`DROP FUNCTION ${OLD_SIGNATURE}`);
  await knex.raw(lockAndDecideSql({ rulesRevision: true, previousSecret: false }));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP FUNCTION ${OLD_SIGNATURE.replace(')', ', bigint)')}`);
  await knex.raw(lockAndDecideSql({ rulesRevision: false, previousSecret: false }));
}
