import type { Knex } from 'knex';

/**
 * acquire_routing_lock() waits at most 5 s for a lead's row lock, then fails with SQLSTATE 55P03
 * (lock_not_available): shorter than the lock activity's 10 s start-to-close timeout, so a blocked lock shows
 * as a database lock timeout (counted as routing.lock.timeout_errors, retried) rather than an opaque
 * activity timeout. A function-level setting: Postgres applies it on entry and restores it on exit, so the
 * call stays one statement and nothing else in the session is affected.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER FUNCTION acquire_routing_lock(uuid, text, integer) SET lock_timeout = '5s'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER FUNCTION acquire_routing_lock(uuid, text, integer) RESET lock_timeout');
}
