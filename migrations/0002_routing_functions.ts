import type { Knex } from 'knex';

/**
 * The two SQL functions named by the monitoring spec. Each decision is one conditional UPDATE, so
 * correctness does not depend on the caller: Postgres re-checks the WHERE clause on the latest row
 * version when two transactions race (READ COMMITTED re-evaluation), and only one can win.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Take (or re-take) the routing lock of a lead.
    --   pending                         -> taken by p_owner
    --   routing, owner = p_owner        -> re-entered (a retried activity of the same workflow run)
    --   routing, lock older than stale  -> taken over (the previous owner crashed or vanished)
    --   anything else                   -> not acquired; the current state is returned to explain why
    CREATE FUNCTION acquire_routing_lock(p_lead_id uuid, p_owner text, p_stale_seconds integer)
    RETURNS TABLE (acquired boolean, outcome text, routing_status text, lock_owner text, routing_attempts integer)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      previous_owner text;
    BEGIN
      IF p_owner IS NULL OR p_owner = '' THEN
        RAISE EXCEPTION 'acquire_routing_lock: owner is required' USING ERRCODE = 'invalid_parameter_value';
      END IF;

      -- Row lock first: concurrent callers for one lead queue here, so each sees the previous one's result.
      SELECT l.routing_lock_owner INTO previous_owner FROM leads l WHERE l.id = p_lead_id FOR UPDATE;

      RETURN QUERY
      WITH taken AS (
      UPDATE leads l
         SET routing_status = 'routing',
             routing_lock_owner = p_owner,
             routing_locked_at = now(),
             routing_started_at = coalesce(l.routing_started_at, now()),
             routing_attempts = l.routing_attempts + 1
       WHERE l.id = p_lead_id
         AND (l.routing_status = 'pending'
              OR (l.routing_status = 'routing'
                  AND (l.routing_lock_owner = p_owner
                       OR l.routing_locked_at < now() - make_interval(secs => p_stale_seconds))))
      RETURNING l.routing_status, l.routing_lock_owner, l.routing_attempts)
      SELECT true,
             CASE WHEN previous_owner = p_owner THEN 'reentered'
                  WHEN previous_owner IS NULL THEN 'acquired'
                  ELSE 'taken_over_stale' END,
             t.routing_status, t.routing_lock_owner, t.routing_attempts
        FROM taken t;
      IF FOUND THEN
        RETURN;
      END IF;

      RETURN QUERY
      SELECT false,
             CASE WHEN l.routing_status = 'routing' THEN 'held_by_other' ELSE 'not_routable' END,
             l.routing_status, l.routing_lock_owner, l.routing_attempts
        FROM leads l WHERE l.id = p_lead_id;
      IF NOT FOUND THEN
        RETURN QUERY SELECT false, 'not_found'::text, NULL::text, NULL::text, NULL::integer;
      END IF;
    END $$;

    -- Record the routing decision, release the lock and write the audit row, in one transaction.
    -- Only the current lock owner can complete. A repeated call with the same decision (an activity
    -- retried after its first call committed) is answered 'already_completed' instead of failing.
    CREATE FUNCTION complete_routing(
      p_lead_id uuid, p_owner text, p_result text, p_destination uuid, p_rule_id uuid, p_rule_version integer,
      p_duplicate_of uuid, p_error_code text, p_error_message text, p_decision jsonb, p_duration_ms integer)
    RETURNS TABLE (outcome text, routing_status text, routing_result text, destination_workspace_id uuid)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      lead leads%ROWTYPE;
    BEGIN
      IF p_result NOT IN ('success', 'duplicate', 'failed') THEN
        RAISE EXCEPTION 'complete_routing: unknown result %', p_result USING ERRCODE = 'invalid_parameter_value';
      END IF;

      UPDATE leads l
         SET routing_status = CASE WHEN p_result = 'failed' THEN 'failed' ELSE 'routed' END,
             routing_result = p_result,
             destination_workspace_id = p_destination,
             matched_rule_id = p_rule_id,
             matched_rule_version = p_rule_version,
             duplicate_of_lead_id = p_duplicate_of,
             last_error = CASE WHEN p_result = 'failed' THEN coalesce(p_error_code, 'failed') ELSE NULL END,
             decision = p_decision,
             routed_at = CASE WHEN p_result = 'failed' THEN NULL ELSE now() END,
             routing_lock_owner = NULL,
             routing_locked_at = NULL
       WHERE l.id = p_lead_id AND l.routing_status = 'routing' AND l.routing_lock_owner = p_owner
      RETURNING * INTO lead;

      IF FOUND THEN
        INSERT INTO lead_routing_logs (
          lead_id, workspace_id, destination_workspace_id, routing_result, matched_rule_id, matched_rule_version,
          duplicate_of_lead_id, duration_ms, attempt, lock_owner_id, error_code, error_message, decision)
        VALUES (
          lead.id, lead.source_workspace_id, p_destination, p_result, p_rule_id, p_rule_version,
          p_duplicate_of, greatest(p_duration_ms, 0), greatest(lead.routing_attempts, 1), p_owner,
          p_error_code, p_error_message, p_decision);
        RETURN QUERY SELECT 'completed'::text, lead.routing_status, lead.routing_result, lead.destination_workspace_id;
        RETURN;
      END IF;

      SELECT * INTO lead FROM leads l WHERE l.id = p_lead_id;
      IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::text, NULL::text, NULL::uuid;
      ELSIF lead.routing_status IN ('routed', 'failed')
            AND lead.routing_result = p_result
            AND lead.destination_workspace_id IS NOT DISTINCT FROM p_destination
            AND EXISTS (SELECT 1 FROM lead_routing_logs g WHERE g.lead_id = p_lead_id AND g.lock_owner_id = p_owner) THEN
        RETURN QUERY SELECT 'already_completed'::text, lead.routing_status, lead.routing_result, lead.destination_workspace_id;
      ELSE
        RETURN QUERY SELECT 'lock_lost'::text, lead.routing_status, lead.routing_result, lead.destination_workspace_id;
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION IF EXISTS acquire_routing_lock(uuid, text, integer);
    DROP FUNCTION IF EXISTS complete_routing(uuid, text, text, uuid, uuid, integer, uuid, text, text, jsonb, integer);
  `);
}
