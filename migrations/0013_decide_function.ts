import type { Knex } from 'knex';

/**
 * The routing decision's database half in ONE call (issue 10: decide p95 < 2 ms with 1,000 rules).
 *
 * lib/routing/decide.ts evaluates the rules in JS (the worker's rules cache) and hands over the rules that
 * matched, in evaluation order; decide_routing() then does what used to take ~10 round trips, in the same
 * order and with the same locks as before (claims in the caller's key order, then per rule its counters
 * ordered by workspace_id, then each destination's capacity through reserve_capacity()):
 *  1. a decision committed by an earlier attempt (the lead's live reservation) is returned as it was;
 *  2. the person's identity keys are claimed; a key held by another lead makes this one a duplicate of the
 *     routed owner, or, while no owner is routed yet, an original_in_flight with when to look again;
 *  3. each candidate rule in turn: its counters locked (weighted / round_robin), its destinations ordered as
 *     the order lib/routing/distribution.ts gave (now test/support/distributionModel.ts, the tests' reference model) (smallest (assigned + 1) / weight first, listed order
 *     on ties), an excluded one skipped, the first with capacity reserved and counted, and the decision
 *     recorded on the reservation (an activity retry finds it again through step 1).
 * Anything but an assignment is undone: the inner block runs as a subtransaction that ends with a raised
 * 'LR001' (caught here), so no claim, counter row or capacity row is left behind, as the savepoint did.
 *
 * The decision recorded on the reservation is the returned one with only the MATCHED rules in its trace
 * (each with its destinations as tried, `noEligibleDestination` or `chosen`) and `unmatchedRulesOmitted:
 * true`: with 1,000 rules the whole trace is ~50-150 kB of JSON, and serialising, sending, parsing,
 * compressing and WAL-writing it was about half of the decision's CPU (node and Postgres). When an activity
 * retry gets the decision back, lib/routing/decide.ts puts the unmatched rules' entries back in (they
 * depend only on the lead and the rules).
 *
 * Arguments: p_keys [{kind, hash}] in claim order; p_candidates [{id, version, distribution, destinations:
 * [{workspaceId, weight?}], trace}] (trace: the rule's own trace entry); p_earlier the trace entries of the
 * matched rules an earlier call for this decision tried in vain (recorded first); p_exclude the
 * destinations that rejected the lead (recorded as `excluded` when not empty); the dedupe window in days;
 * the original_in_flight wait (base seconds, doubling per earlier wait, at most max). Returns (timestamps
 * as jsonb timestamptz):
 *   {decision}                                      the decision an earlier attempt committed;
 *   {dedupe: {originalLeadId, matchedOn, retryAt}}  a duplicate (retryAt null) or original_in_flight;
 *   {tried: [[DestinationTrace]], assigned, nextResetAt}  the candidates tried, in order: the last one's
 *     last destination `assigned` (written), or none (undone; nextResetAt: the first cap reset, if any).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION decide_routing(
      p_lead_id uuid, p_keys jsonb, p_candidates jsonb, p_earlier jsonb, p_exclude text[],
      p_dedupe_window_days integer, p_original_wait_base double precision, p_original_wait_max double precision)
    RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE
      v_committed jsonb;
      v_key jsonb;
      v_owner uuid;
      v_taken jsonb := '[]';
      v_original uuid;
      v_retry_at timestamptz;
      v_result jsonb;
      v_cand jsonb;
      v_rule uuid;
      v_distribution text;
      v_counts jsonb;
      v_ws text;
      v_tried jsonb;
      v_all_tried jsonb := '[]';
      v_rules jsonb := p_earlier;
      v_done jsonb;
      v_decision jsonb;
      v_res record;
      v_next_reset timestamptz;
    BEGIN
      SELECT r.decision INTO v_committed FROM capacity_reservations r WHERE r.lead_id = p_lead_id AND r.released_at IS NULL;
      IF v_committed IS NOT NULL THEN
        RETURN jsonb_build_object('decision', v_committed);
      END IF;

      BEGIN
        -- Claims, in the caller's order (sorted by hash: two leads sharing both keys cannot deadlock).
        FOR v_key IN SELECT k.e FROM jsonb_array_elements(p_keys) WITH ORDINALITY k(e, n) ORDER BY k.n LOOP
          INSERT INTO identity_claims AS c (key_hash, lead_id) VALUES (v_key->>'hash', p_lead_id)
          ON CONFLICT (key_hash) DO UPDATE SET lead_id = EXCLUDED.lead_id, claimed_at = now()
            WHERE c.lead_id = EXCLUDED.lead_id
               OR c.claimed_at < now() - make_interval(days => p_dedupe_window_days)
          RETURNING c.lead_id INTO v_owner;
          IF NOT FOUND THEN
            SELECT c.lead_id INTO v_owner FROM identity_claims c WHERE c.key_hash = v_key->>'hash';
            v_taken := v_taken || jsonb_build_array(jsonb_build_object('kind', v_key->'kind', 'owner', v_owner));
          END IF;
        END LOOP;

        IF jsonb_array_length(v_taken) > 0 THEN
          -- A duplicate is final, so only of a routed original; one still in flight may yet fail.
          SELECT l.id INTO v_original
            FROM jsonb_array_elements(v_taken) WITH ORDINALITY t(e, n) JOIN leads l ON l.id = (t.e->>'owner')::uuid
           WHERE l.routing_status = 'routed' ORDER BY t.n LIMIT 1;
          IF v_original IS NULL THEN
            v_original := (v_taken->0->>'owner')::uuid;
            v_retry_at := GREATEST(
              now() + make_interval(secs => least(p_original_wait_base * 2 ^ (SELECT count(*) FROM lead_routing_queue q
                                                                                 WHERE q.lead_id = p_lead_id AND q.last_error = 'original_in_flight'),
                                                  p_original_wait_max)),
              (SELECT min(q.next_retry_at) FROM lead_routing_queue q WHERE q.lead_id = v_original AND q.processed_at IS NULL));
          END IF;
          v_result := jsonb_build_object('dedupe', jsonb_build_object(
            'originalLeadId', v_original,
            'matchedOn', (SELECT jsonb_agg(t.e->'kind' ORDER BY t.n) FROM jsonb_array_elements(v_taken) WITH ORDINALITY t(e, n)
                           WHERE (t.e->>'owner')::uuid = v_original),
            'retryAt', v_retry_at));
          RAISE EXCEPTION USING ERRCODE = 'LR001', MESSAGE = 'decide_routing: undo';
        END IF;

        FOR v_cand IN SELECT c.e FROM jsonb_array_elements(p_candidates) WITH ORDINALITY c(e, n) ORDER BY c.n LOOP
          v_rule := (v_cand->>'id')::uuid;
          v_distribution := v_cand->>'distribution';
          v_tried := '[]';
          v_counts := '{}';
          IF v_distribution <> 'priority' THEN
            -- Locked to the end of the transaction: concurrent leads of one rule take turns, the split stays exact.
            INSERT INTO rule_destination_counters (rule_id, workspace_id)
            SELECT v_rule, (d.e->>'workspaceId')::uuid FROM jsonb_array_elements(v_cand->'destinations') d(e)
            ON CONFLICT DO NOTHING;
            SELECT coalesce(jsonb_object_agg(x.workspace_id, x.assigned), '{}') INTO v_counts
              FROM (SELECT rc.workspace_id, rc.assigned FROM rule_destination_counters rc
                     WHERE rc.rule_id = v_rule ORDER BY rc.workspace_id FOR UPDATE) x;
          END IF;

          FOR v_ws IN
            SELECT d.e->>'workspaceId'
              FROM jsonb_array_elements(v_cand->'destinations') WITH ORDINALITY d(e, n)
             ORDER BY CASE WHEN v_distribution = 'priority' THEN 0
                           ELSE (coalesce((v_counts->>(d.e->>'workspaceId'))::double precision, 0) + 1)
                                / CASE WHEN v_distribution = 'round_robin' THEN 1 ELSE coalesce((d.e->>'weight')::double precision, 1) END
                      END,
                      d.n
          LOOP
            IF v_ws = ANY(p_exclude) THEN
              v_tried := v_tried || jsonb_build_array(jsonb_build_object('workspaceId', v_ws, 'eligible', false, 'reason', 'rejected_by_buyer'));
              CONTINUE;
            END IF;
            -- The decision this reservation carries if it is made (an activity retry finds it through step 1).
            v_done := v_tried || jsonb_build_array(jsonb_build_object('workspaceId', v_ws, 'eligible', true));
            v_decision := jsonb_build_object(
              'kind', 'assigned', 'destinationWorkspaceId', v_ws, 'ruleId', v_cand->'id', 'ruleVersion', v_cand->'version',
              'trace', jsonb_build_object('rules', v_rules || jsonb_build_array((v_cand->'trace') || jsonb_build_object(
                         'destinations', v_done,
                         'chosen', jsonb_build_object('workspaceId', v_ws, 'distribution', v_distribution))))
                       || CASE WHEN cardinality(p_exclude) > 0 THEN jsonb_build_object('excluded', to_jsonb(p_exclude)) ELSE '{}' END,
              'unmatchedRulesOmitted', true);
            SELECT * INTO v_res FROM reserve_capacity(p_lead_id, v_ws::uuid, v_rule, (v_cand->>'version')::integer, v_decision);
            IF v_res.reserved THEN
              IF v_distribution <> 'priority' THEN
                UPDATE rule_destination_counters rc SET assigned = rc.assigned + 1 WHERE rc.rule_id = v_rule AND rc.workspace_id = v_ws::uuid;
              END IF;
              RETURN jsonb_build_object('tried', v_all_tried || jsonb_build_array(v_done), 'assigned', v_ws);
            END IF;
            v_tried := v_tried || jsonb_build_array(jsonb_build_object('workspaceId', v_ws, 'eligible', false,
              'reason', CASE WHEN v_res.capped_period = 'disabled' THEN 'disabled' ELSE 'capped_' || v_res.capped_period END));
            IF v_res.capped_period <> 'disabled' AND (v_next_reset IS NULL OR v_res.next_reset_at < v_next_reset) THEN
              v_next_reset := v_res.next_reset_at;
            END IF;
          END LOOP;

          v_rules := v_rules || jsonb_build_array((v_cand->'trace') || jsonb_build_object('destinations', v_tried, 'noEligibleDestination', true));
          v_all_tried := v_all_tried || jsonb_build_array(v_tried);
        END LOOP;

        v_result := jsonb_build_object('tried', v_all_tried, 'assigned', NULL, 'nextResetAt', v_next_reset);
        RAISE EXCEPTION USING ERRCODE = 'LR001', MESSAGE = 'decide_routing: undo';
      EXCEPTION WHEN SQLSTATE 'LR001' THEN
        RETURN v_result;
      END;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION IF EXISTS decide_routing(uuid, jsonb, jsonb, jsonb, text[], integer, double precision, double precision);
  `);
}
