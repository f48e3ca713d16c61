import type { Knex } from 'knex';
import { ADMISSION_LOCK_KEY } from './0011_admission';
import { ADMITS_ON_INSERT, IN_FLIGHT } from './0021_store_lead_admits_on_insert';

/**
 * store_lead() answers a repeat before it takes the admission lock (review of 0021). 0021 decides a new lead's
 * claim under the global admission lock and then INSERTs; when the same (source, external id) was being inserted by
 * another transaction not yet committed, that INSERT waited for it while holding the lock, and every other lead's
 * store_lead() and the starter's claim waited too. Now the external id is looked up first (the unique index, no
 * lock): a repeat is answered as in 0017 (admission_claim_lead()), and only a new lead takes the lock. Two first
 * sends of one external id at once can still meet inside the lock (both found nothing): the second INSERT waits for
 * the first's commit, which follows at once, and then answers as a repeat. Everything else is 0021's (its
 * IN_FLIGHT condition imported; its function, imported, is what down() restores).
 */
const REPEAT_BEFORE_LOCK = `
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
      -- A repeat (the partner sent this external id before) is answered without the admission lock.
      SELECT * INTO v_lead FROM leads l WHERE l.source_workspace_id = p_source AND l.external_id = p_external_id;
      IF FOUND THEN
        v_claim := CASE WHEN p_claim THEN admission_claim_lead(v_lead.id, p_max_in_flight, p_in_flight_seconds) END;
        RETURN jsonb_build_object('created', false, 'claim', v_claim,
                                  'lead', to_jsonb(v_lead) - 'payload' - 'email_hash' - 'phone_hash');
      END IF;
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

export async function up(knex: Knex): Promise<void> {
  await knex.raw(REPEAT_BEFORE_LOCK);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(ADMITS_ON_INSERT);
}
