import type { Knex } from 'knex';

/**
 * Admission control (issue 10 §3, lib/admission): the gateway stores every lead and starts workflows at the
 * rate the system sustains, a bounded number in flight; the surplus waits here.
 *
 * - `leads.admitted_at`: when admission handed the lead to Temporal (its workflow start was claimed).
 *   NULL: the lead waits in the admission backlog. Leads stored before this migration were started by the
 *   API of their time (or are the retry-queue processor's orphans): they get the migration's time, in
 *   one catalogue-only step (ADD COLUMN with a non-volatile default rewrites nothing), then the default is
 *   dropped so new leads start in the backlog.
 * - `leads_admission_backlog`: the backlog, per source and oldest first (the claim's round-robin order).
 * - `leads_admitted_undecided`: admitted leads not yet decided, by admission time: the in-flight count
 *   scans its recent end only.
 * - `admission_claim_batch()` / `admission_claim_lead()`: the claims, serialised across every API/worker
 *   process by one transaction-level advisory lock, so "at most N in flight" holds for the whole
 *   deployment and no lead is claimed twice. Each statement of a plpgsql function takes a fresh snapshot
 *   under READ COMMITTED, so the count after the lock sees every claim committed before it.
 *
 * In flight (the definition every caller shares): admitted within the last `p_in_flight_seconds`, still
 * `pending`/`routing`, and no retry-ledger row yet, i.e. started and not yet through its first routing
 * attempt. A lead waiting on a retry timer costs Temporal nothing and does not count; neither does one
 * admitted so long ago that its workflow must be stuck or gone (the stale-lock sweeper and the retry-queue
 * processor's orphan pass own those), so a wedged lead can never close admission for good.
 */
const IN_FLIGHT = `
  l.admitted_at IS NOT NULL
  AND l.routing_status IN ('pending', 'routing')
  AND l.admitted_at > now() - make_interval(secs => p_in_flight_seconds)
  AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = l.id)`;

// A fixed advisory lock key: 'LRadmit' as bytes, arbitrary but unique within this database's users.
export const ADMISSION_LOCK_KEY = '5292432355502451060';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE leads ADD COLUMN admitted_at timestamptz DEFAULT now();
    ALTER TABLE leads ALTER COLUMN admitted_at DROP DEFAULT;

    CREATE INDEX leads_admission_backlog ON leads (source_workspace_id, created_at, id)
      WHERE admitted_at IS NULL AND routing_status = 'pending';
    CREATE INDEX leads_admitted_undecided ON leads (admitted_at)
      WHERE admitted_at IS NOT NULL AND routing_status IN ('pending', 'routing');

    -- Up to p_limit backlog leads, at most as many as there is room for: round-robin by source (every
    -- source's oldest lead, then every source's second, ...), oldest first within a source.
    CREATE FUNCTION admission_claim_batch(p_max_in_flight integer, p_in_flight_seconds double precision, p_limit integer)
    RETURNS TABLE (claimed_id uuid, claimed_source uuid)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_room integer;
    BEGIN
      PERFORM pg_advisory_xact_lock(${ADMISSION_LOCK_KEY});
      SELECT p_max_in_flight - count(*) INTO v_room FROM leads l WHERE ${IN_FLIGHT};
      v_room := least(v_room, p_limit);
      IF v_room <= 0 THEN
        RETURN;
      END IF;
      RETURN QUERY
        WITH ranked AS (
          SELECT l.id, l.created_at,
                 row_number() OVER (PARTITION BY l.source_workspace_id ORDER BY l.created_at, l.id) AS turn
            FROM leads l
           WHERE l.admitted_at IS NULL AND l.routing_status = 'pending' AND l.expires_at > now()),
        picked AS (SELECT r.id FROM ranked r ORDER BY r.turn, r.created_at, r.id LIMIT v_room)
        UPDATE leads l SET admitted_at = now()
          FROM picked
         WHERE l.id = picked.id AND l.admitted_at IS NULL
        RETURNING l.id, l.source_workspace_id;
    END $$;

    -- One lead (the request's own, the fast path): 'claimed', 'no_room', 'behind' (an older lead of the same
    -- source waits in the backlog: it goes first), or 'not_waiting' (already admitted, decided or expired).
    -- p_max_in_flight NULL: no bound, no order (a gateway without a starter loop: every lead starts at once).
    CREATE FUNCTION admission_claim_lead(p_lead_id uuid, p_max_in_flight integer, p_in_flight_seconds double precision)
    RETURNS text
    LANGUAGE plpgsql AS $$
    DECLARE
      v_source uuid;
      v_created timestamptz;
      v_in_flight integer;
    BEGIN
      SELECT source_workspace_id, created_at INTO v_source, v_created FROM leads
       WHERE id = p_lead_id AND admitted_at IS NULL AND routing_status = 'pending' AND expires_at > now();
      IF NOT FOUND THEN
        RETURN 'not_waiting';
      END IF;
      IF p_max_in_flight IS NULL THEN
        UPDATE leads SET admitted_at = now() WHERE id = p_lead_id AND admitted_at IS NULL AND routing_status = 'pending';
        RETURN CASE WHEN FOUND THEN 'claimed' ELSE 'not_waiting' END;
      END IF;
      PERFORM pg_advisory_xact_lock(${ADMISSION_LOCK_KEY});
      IF EXISTS (SELECT 1 FROM leads b
                  WHERE b.source_workspace_id = v_source AND b.admitted_at IS NULL AND b.routing_status = 'pending'
                    AND (b.created_at, b.id) < (v_created, p_lead_id) AND b.expires_at > now()) THEN
        RETURN 'behind';
      END IF;
      SELECT count(*) INTO v_in_flight FROM leads l WHERE ${IN_FLIGHT};
      IF v_in_flight >= p_max_in_flight THEN
        RETURN 'no_room';
      END IF;
      UPDATE leads SET admitted_at = now() WHERE id = p_lead_id AND admitted_at IS NULL AND routing_status = 'pending';
      RETURN CASE WHEN FOUND THEN 'claimed' ELSE 'not_waiting' END;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION admission_claim_lead(uuid, integer, double precision);
    DROP FUNCTION admission_claim_batch(integer, double precision, integer);
    DROP INDEX leads_admitted_undecided;
    DROP INDEX leads_admission_backlog;
    ALTER TABLE leads DROP COLUMN admitted_at;
  `);
}
