import type { Knex } from 'knex';
import { ADMISSION_LOCK_KEY } from './0011_admission';

/**
 * Fair admission across passes (issue 10 §3, found when the fairness test failed in CI).
 *
 * 0011's admission_claim_batch ranked each source's waiting leads (its 1st, 2nd, ...) and took the lowest
 * ranks first, oldest first among equal ranks. That is round-robin only within ONE pass that claims several
 * leads. Under load room frees one lead at a time, so most passes claim one lead: every such pass compared
 * the busy source's oldest waiting lead with the quiet source's oldest, and the busy source's — sent
 * earlier — won every time: a quiet source waited for the whole of a busy source's burst.
 *
 * Now a source's k-th waiting lead counts as its (k + leads it has in flight)-th turn: the source with the
 * fewest leads in flight goes first, whatever the pass size, so each source gets an equal share of the room
 * (a fair share, as round-robin intends). Order within a source is unchanged (oldest first), and so are the
 * lock, the room and the in-flight definition (copied from 0011: a migration is a frozen snapshot).
 */
const IN_FLIGHT = (alias: string) => `
  ${alias}.admitted_at IS NOT NULL
  AND ${alias}.routing_status IN ('pending', 'routing')
  AND ${alias}.admitted_at > now() - make_interval(secs => p_in_flight_seconds)
  AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = ${alias}.id)`;

function claimBatch(fairShare: boolean): string {
  const order = fairShare ? 'r.turn + coalesce(f.n, 0), r.created_at, r.id' : 'r.turn, r.created_at, r.id';
  return `
    CREATE OR REPLACE FUNCTION admission_claim_batch(p_max_in_flight integer, p_in_flight_seconds double precision, p_limit integer)
    RETURNS TABLE (claimed_id uuid, claimed_source uuid)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_room integer;
    BEGIN
      PERFORM pg_advisory_xact_lock(${ADMISSION_LOCK_KEY});
      SELECT p_max_in_flight - count(*) INTO v_room FROM leads l WHERE ${IN_FLIGHT('l')};
      v_room := least(v_room, p_limit);
      IF v_room <= 0 THEN
        RETURN;
      END IF;
      RETURN QUERY
        WITH ranked AS (
          SELECT l.id, l.source_workspace_id, l.created_at,
                 row_number() OVER (PARTITION BY l.source_workspace_id ORDER BY l.created_at, l.id) AS turn
            FROM leads l
           WHERE l.admitted_at IS NULL AND l.routing_status = 'pending' AND l.expires_at > now()),
        flying AS (
          SELECT i.source_workspace_id, count(*) AS n FROM leads i WHERE ${IN_FLIGHT('i')} GROUP BY i.source_workspace_id),
        picked AS (
          SELECT r.id FROM ranked r LEFT JOIN flying f ON f.source_workspace_id = r.source_workspace_id
           ORDER BY ${order} LIMIT v_room)
        UPDATE leads l SET admitted_at = now()
          FROM picked
         WHERE l.id = picked.id AND l.admitted_at IS NULL
        RETURNING l.id, l.source_workspace_id;
    END $$;`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(claimBatch(true));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(claimBatch(false));
}
