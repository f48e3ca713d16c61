import type { Knex } from 'knex';

/**
 * store_lead(): the gateway's insert and its admission claim as ONE statement (issue 10: a round trip per lead
 * less on the partner's clock). Same rules as the two calls it replaces: the lead is inserted unless its source
 * sent this external id before (then the stored lead is returned, `created` false), and when `p_claim` the
 * lead is offered to admission_claim_lead() (migration 0011: 'claimed', 'no_room', 'behind', 'not_waiting';
 * p_max_in_flight NULL claims without a bound). Later statements of a plpgsql function see the insert, so the
 * claim reads the new row as before; the insert commits with the claim.
 *
 * Returns jsonb {created, claim (null without p_claim), lead: the row without its payload and identity hashes}.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION store_lead(
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
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS store_lead(uuid, text, text, text, jsonb, integer, boolean, integer, double precision)');
}
