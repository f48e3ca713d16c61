import type { Knex } from 'knex';
import { ADMISSION_LOCK_KEY } from './0011_admission';

/**
 * store_lead() admits a new lead in its INSERT (issue 10: Postgres CPU per lead). 0017 inserted the lead, then
 * admission_claim_lead() read it back and, when there was room, UPDATEd admitted_at: a second version of the
 * row, and since admitted_at is indexed, a new entry in every index of `leads`, for nearly every lead.
 *
 * Now, for a new lead with a claim asked for, the claim is decided first, under the same advisory lock and with
 * the same rules as admission_claim_lead() (migration 0011): the lead's id is drawn before the insert so that
 * "behind" compares (created_at, id) exactly as before (created_at is the transaction's now(), as the column
 * default gives it); room is "fewer than p_max_in_flight in flight" (IN_FLIGHT, copied from 0011: a migration
 * is a frozen snapshot). Then one INSERT writes admitted_at = now() when claimed, NULL otherwise. The lock
 * is held to the commit as before; under it the insert replaces the update, so it is held no longer.
 * A repeat of an external id (the insert conflicts) is claimed by admission_claim_lead() as in 0017.
 * Answers are 0017's: jsonb {created, claim, lead: the row without its payload and identity hashes}.
 */
export const IN_FLIGHT = `
  l.admitted_at IS NOT NULL
  AND l.routing_status IN ('pending', 'routing')
  AND l.admitted_at > now() - make_interval(secs => p_in_flight_seconds)
  AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = l.id)`;

/** store_lead() as this migration defines it (0023's down() restores it). */
export const ADMITS_ON_INSERT = `
    CREATE OR REPLACE FUNCTION store_lead(
      p_source uuid, p_external_id text, p_email_hash text, p_phone_hash text, p_payload jsonb, p_ttl_days integer,
      p_claim boolean, p_max_in_flight integer, p_in_flight_seconds double precision)
    RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE
      v_lead leads%ROWTYPE;
      v_id uuid := gen_random_uuid();
      v_created boolean := true;
      v_claim text;
      v_in_flight integer;
      v_expires timestamptz := now() + make_interval(days => p_ttl_days);
    BEGIN
      IF p_claim THEN
        -- admission_claim_lead()'s checks for the lead about to be inserted ('not_waiting' if born expired).
        IF v_expires <= now() THEN
          v_claim := 'not_waiting';
        ELSIF p_max_in_flight IS NULL THEN
          v_claim := 'claimed';
        ELSE
          PERFORM pg_advisory_xact_lock(${ADMISSION_LOCK_KEY});
          IF EXISTS (SELECT 1 FROM leads b
                      WHERE b.source_workspace_id = p_source AND b.admitted_at IS NULL AND b.routing_status = 'pending'
                        AND (b.created_at, b.id) < (now(), v_id) AND b.expires_at > now()) THEN
            v_claim := 'behind';
          ELSE
            SELECT count(*) INTO v_in_flight FROM leads l WHERE ${IN_FLIGHT};
            v_claim := CASE WHEN v_in_flight >= p_max_in_flight THEN 'no_room' ELSE 'claimed' END;
          END IF;
        END IF;
      END IF;
      INSERT INTO leads (id, source_workspace_id, external_id, email_hash, phone_hash, payload, expires_at, admitted_at)
      VALUES (v_id, p_source, p_external_id, p_email_hash, p_phone_hash, p_payload, v_expires,
              CASE WHEN v_claim = 'claimed' THEN now() END)
      ON CONFLICT (source_workspace_id, external_id) DO NOTHING
      RETURNING * INTO v_lead;
      IF NOT FOUND THEN
        v_created := false;
        SELECT * INTO v_lead FROM leads l WHERE l.source_workspace_id = p_source AND l.external_id = p_external_id;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'store_lead: lead vanished between insert conflict and read';
        END IF;
        v_claim := CASE WHEN p_claim THEN admission_claim_lead(v_lead.id, p_max_in_flight, p_in_flight_seconds) END;
      END IF;
      RETURN jsonb_build_object('created', v_created, 'claim', v_claim,
                                'lead', to_jsonb(v_lead) - 'payload' - 'email_hash' - 'phone_hash');
    END $$;`;

/** 0017's function, verbatim: what down() restores. */
const CLAIMS_AFTER_INSERT = `
    CREATE OR REPLACE FUNCTION store_lead(
      p_source uuid, p_external_id text, p_email_hash text, p_phone_hash text, p_payload jsonb, p_ttl_days integer,
      p_claim boolean, p_max_in_flight integer, p_in_flight_seconds double precision)
    RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE
      v_lead leads%ROWTYPE;
      v_created boolean := true;
      v_claim text;
    BEGIN
      INSERT INTO leads (source_workspace_id, external_id, email_hash, phone_hash, payload, expires_at)
      VALUES (p_source, p_external_id, p_email_hash, p_phone_hash, p_payload, now() + make_interval(days => p_ttl_days))
      ON CONFLICT (source_workspace_id, external_id) DO NOTHING
      RETURNING * INTO v_lead;
      IF NOT FOUND THEN
        v_created := false;
        SELECT * INTO v_lead FROM leads l WHERE l.source_workspace_id = p_source AND l.external_id = p_external_id;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'store_lead: lead vanished between insert conflict and read';
        END IF;
      END IF;
      IF p_claim THEN
        v_claim := admission_claim_lead(v_lead.id, p_max_in_flight, p_in_flight_seconds);
      END IF;
      RETURN jsonb_build_object('created', v_created, 'claim', v_claim,
                                'lead', to_jsonb(v_lead) - 'payload' - 'email_hash' - 'phone_hash');
    END $$;`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(ADMITS_ON_INSERT);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(CLAIMS_AFTER_INSERT);
}
