import type { Knex } from 'knex';
import { ADMISSION_LOCK_KEY } from './0011_admission';

/**
 * The starter's claim reads only what it can take (issue 10 follow-up: admission at a huge backlog).
 *
 * 0012's admission_claim_batch ranked EVERY waiting lead (row_number() over the whole backlog) to take at
 * most `room` of them: about 80 ms per call with 100k leads waiting (a long Temporal outage), under the
 * advisory lock every other claim waits on, every ADMISSION_BUSY_POLL_MS. The work grew with the backlog.
 *
 * Same semantics, bounded read: a lead is picked only if every older lead of its source is picked too (its
 * key, turn + in flight, grows with its turn), so a pass that takes `room` leads takes at most `room` of any
 * one source: its `room` oldest. So the claim
 *   1. lists the sources with leads waiting: a loose index scan (one probe of the partial index
 *      leads_admission_backlog per source, a recursive CTE, as Postgres has no skip scan);
 *   2. reads each one's `room` oldest waiting leads (LATERAL ... ORDER BY created_at, id LIMIT room: the
 *      same index, in its order);
 *   3. ranks that small set exactly as 0012 ranked the whole backlog (a source's k-th waiting lead counts
 *      as its (k + leads in flight)-th turn; ties oldest first, then by id) and takes `room`.
 * Rows read: at most (sources waiting) x room, whatever the backlog. The lock, the room and the in-flight
 * definition are 0012's (copied: a migration is a frozen snapshot); no index is added (0011's serves both
 * reads). Leads past their TTL still waiting (until the daily expiry job) are skipped as before, which reads
 * past them in the index.
 */
const IN_FLIGHT = (alias: string) => `
  ${alias}.admitted_at IS NOT NULL
  AND ${alias}.routing_status IN ('pending', 'routing')
  AND ${alias}.admitted_at > now() - make_interval(secs => p_in_flight_seconds)
  AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = ${alias}.id)`;

/** The backlog condition of partial index leads_admission_backlog (0011): the planner must see it verbatim. */
const BACKLOG = (alias: string) => `${alias}.admitted_at IS NULL AND ${alias}.routing_status = 'pending'`;

const BOUNDED_CLAIM = `
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
        WITH RECURSIVE waiting_sources AS (
          (SELECT b.source_workspace_id AS source FROM leads b WHERE ${BACKLOG('b')}
            ORDER BY b.source_workspace_id LIMIT 1)
          UNION ALL
          SELECT (SELECT b.source_workspace_id FROM leads b
                   WHERE ${BACKLOG('b')} AND b.source_workspace_id > w.source
                   ORDER BY b.source_workspace_id LIMIT 1)
            FROM waiting_sources w
           WHERE w.source IS NOT NULL),
        heads AS (
          SELECT h.id, w.source AS source_workspace_id, h.created_at
            FROM waiting_sources w
            CROSS JOIN LATERAL (
              SELECT b.id, b.created_at FROM leads b
               WHERE b.source_workspace_id = w.source AND ${BACKLOG('b')} AND b.expires_at > now()
               ORDER BY b.created_at, b.id
               LIMIT v_room) h
           WHERE w.source IS NOT NULL),
        ranked AS (
          SELECT h.id, h.source_workspace_id, h.created_at,
                 row_number() OVER (PARTITION BY h.source_workspace_id ORDER BY h.created_at, h.id) AS turn
            FROM heads h),
        flying AS (
          SELECT i.source_workspace_id, count(*) AS n FROM leads i WHERE ${IN_FLIGHT('i')} GROUP BY i.source_workspace_id),
        picked AS (
          SELECT r.id FROM ranked r LEFT JOIN flying f ON f.source_workspace_id = r.source_workspace_id
           ORDER BY r.turn + coalesce(f.n, 0), r.created_at, r.id LIMIT v_room)
        UPDATE leads l SET admitted_at = now()
          FROM picked
         WHERE l.id = picked.id AND l.admitted_at IS NULL
        RETURNING l.id, l.source_workspace_id;
    END $$;`;

/** 0012's function, verbatim: what down() restores. */
const FULL_SCAN_CLAIM = `
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
           ORDER BY r.turn + coalesce(f.n, 0), r.created_at, r.id LIMIT v_room)
        UPDATE leads l SET admitted_at = now()
          FROM picked
         WHERE l.id = picked.id AND l.admitted_at IS NULL
        RETURNING l.id, l.source_workspace_id;
    END $$;`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(BOUNDED_CLAIM);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(FULL_SCAN_CLAIM);
}
