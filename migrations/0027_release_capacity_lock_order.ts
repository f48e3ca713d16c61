import type { Knex } from 'knex';

/**
 * release_capacity() locks a buyer's three period counters in reserve_capacity()'s order (daily, hourly, monthly).
 *
 * Why: 0003's release_capacity() decremented the counters with one UPDATE whose rows are locked in the order the
 * scan meets them, which is their place in the table; each update moves a counter's row version, so that order
 * drifts (hourly, monthly, daily ...). reserve_capacity() locks the same rows `ORDER BY c.period` (0003, 0024), so
 * a buyer's rejection (lock_and_decide() releases, 0016) racing a reservation for that buyer could each hold a row
 * the other waits on: Postgres found the deadlock after deadlock_timeout (1 s), failed one of them with 40P01 and
 * the activity retried. Now the rows are locked first, `ORDER BY c.period FOR UPDATE`, then updated. Same signature
 * and answers; the test is test/integration/releaseCapacityLockOrder.test.ts.
 */
const COUNTERS_OF_RESERVATION = `c.workspace_id = r.workspace_id
         AND ((c.period = 'hourly' AND c.period_start = r.hour_start)
           OR (c.period = 'daily' AND c.period_start = r.day_start)
           OR (c.period = 'monthly' AND c.period_start = r.month_start))`;

function releaseCapacitySql(lockInPeriodOrder: boolean): string {
  const lock = lockInPeriodOrder
    ? `
      -- reserve_capacity()'s order: two transactions taking the same rows in one order cannot deadlock on them.
      PERFORM 1 FROM capacity_counters c
       WHERE ${COUNTERS_OF_RESERVATION}
       ORDER BY c.period FOR UPDATE;`
    : '';
  return `
    CREATE OR REPLACE FUNCTION release_capacity(p_lead_id uuid, p_reason text) RETURNS uuid
    LANGUAGE plpgsql AS $$
    DECLARE
      r capacity_reservations%ROWTYPE;
    BEGIN
      UPDATE capacity_reservations SET released_at = now(), release_reason = p_reason
       WHERE lead_id = p_lead_id AND released_at IS NULL
      RETURNING * INTO r;
      IF NOT FOUND THEN
        RETURN NULL;
      END IF;${lock}
      UPDATE capacity_counters c SET used = c.used - 1
       WHERE ${COUNTERS_OF_RESERVATION};
      RETURN r.workspace_id;
    END $$;
  `;
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(releaseCapacitySql(true));
}

/** 0003's release_capacity(): one UPDATE, rows locked in scan order. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(releaseCapacitySql(false));
}
