import type { Knex } from 'knex';

/**
 * A routing attempt's database half as ONE autocommit statement (issue 10).
 *
 * Why: a load test's pg_stat_statements showed decide_routing() averaging 27 ms at 45 leads/s, 25 of them
 * waiting for row locks. Every lead of a weighted or round-robin rule locks that rule's counter rows (and
 * every lead for a buyer that buyer's capacity rows) until its transaction commits; with the lock, the lead
 * read, the rules fingerprint and decide_routing() as separate round trips of one transaction, the hot rows
 * stayed locked for the COMMIT's round trip too, stretched by the event loop of a busy worker. One rule's
 * leads then went one at a time at ~38/s. lock_and_decide() takes the routing lock and decides in one
 * statement: Postgres commits it as soon as it returns, so the hot rows are held for the decision's own
 * work (well under a millisecond) plus the commit.
 *
 * lock_and_decide(p_lead_id, p_owner, p_take_lock, p_stale_seconds, p_release_rejected, <decide_routing's
 * arguments>) returns jsonb:
 *   {lock: {acquired, outcome, routing_status, lock_owner, routing_attempts}, lockMs, outcome?}
 * With p_take_lock it first runs acquire_routing_lock() (re-entry, stale takeover and the attempt count as
 * before) and marks a waiting retry of the ledger as started; without it (a second call of the same
 * decision, the legacy decideRouting activity) it checks that p_owner still holds the lock, row-locking the
 * lead, and answers outcome 'lock_lost' (no decision) if not. A lock that is not held (not_routable,
 * held_by_other, not_found, lock_lost) returns without `outcome`. Then the reservation of a buyer that just
 * rejected the lead (p_release_rejected) is given back, and decide_routing() (migration 0013) decides;
 * its answer is `outcome`. lockMs: the lock step's time inside Postgres (routing.lock.latency). `target`:
 * the chosen buyer's {url, secret} (delivery URL and signing secret) when a decision assigns the lead to a
 * partner, so that the delivery reads nothing more (it never leaves the worker: routeAttempt's own use).
 *
 * complete_routing() also returns what the completion's metrics need (source, attempts, routed_at -
 * created_at in ms), which took a second round trip after it. Same arguments, same first four columns:
 * callers reading the old columns by name are unaffected (a rolling deploy).
 */
/** Which lock_and_decide() to write: each later migration that changes it turns one option on. */
export interface LockAndDecideOptions {
  /** The last argument p_rules_revision: see migrations/0025_lock_and_decide_rules_revision.ts. */
  rulesRevision: boolean;
  /**
   * `target.previousSecret`: the partner's previous signing secret while its rotation's overlap lasts (expiry
   * checked against now()): see migrations/0026_signing_secret_rotation.ts.
   */
  previousSecret: boolean;
  /** CREATE OR REPLACE (same signature, replaced in place) instead of CREATE. */
  orReplace?: boolean;
}

/**
 * lock_and_decide() as this migration creates it (every option false), or as a later one does. With every
 * option false (0016) and with `rulesRevision` alone (0025) the text is byte for byte what those migrations
 * ran (test/unit/lockAndDecideSql.test.ts): a shipped migration's statement never changes.
 */
export function lockAndDecideSql({ rulesRevision, previousSecret, orReplace = false }: LockAndDecideOptions): string {
  const r = (sql: string) => (rulesRevision ? sql : '');
  const p = (sql: string) => (previousSecret ? sql : '');
  return `
    CREATE${orReplace ? ' OR REPLACE' : ''} FUNCTION lock_and_decide(
      p_lead_id uuid, p_owner text, p_take_lock boolean, p_stale_seconds integer, p_release_rejected uuid,
      p_keys jsonb, p_candidates jsonb, p_earlier jsonb, p_exclude text[],
      p_dedupe_window_days integer, p_original_wait_base double precision, p_original_wait_max double precision${r(`,
      p_rules_revision bigint DEFAULT NULL`)})
    RETURNS jsonb LANGUAGE plpgsql AS $$
    DECLARE
      v_started timestamptz := clock_timestamp();
      v_lock jsonb;
      v_lock_ms double precision;
      v_row record;
      v_outcome jsonb;
      v_assigned uuid;
      v_target jsonb;
    BEGIN${r(`
      -- Rules evaluated from a revision that is no longer the current one: nothing done, the caller reloads them.
      IF p_rules_revision IS NOT NULL AND p_rules_revision IS DISTINCT FROM (SELECT v.revision FROM routing_rules_revision v) THEN
        RETURN jsonb_build_object('rulesChanged', true);
      END IF;`)}
      IF p_take_lock THEN
        SELECT * INTO v_row FROM acquire_routing_lock(p_lead_id, p_owner, p_stale_seconds);
        v_lock := to_jsonb(v_row);
        v_lock_ms := extract(epoch FROM clock_timestamp() - v_started) * 1000;
        IF NOT v_row.acquired THEN
          RETURN jsonb_build_object('lock', v_lock, 'lockMs', v_lock_ms);
        END IF;
        -- A retry that was waiting in the ledger starts now.
        UPDATE lead_routing_queue q SET processed_at = now() WHERE q.lead_id = p_lead_id AND q.processed_at IS NULL;
      ELSE
        SELECT l.routing_status, l.routing_lock_owner, l.routing_attempts INTO v_row
          FROM leads l WHERE l.id = p_lead_id FOR UPDATE;
        v_lock_ms := extract(epoch FROM clock_timestamp() - v_started) * 1000;
        IF NOT FOUND OR v_row.routing_status <> 'routing' OR v_row.routing_lock_owner IS DISTINCT FROM p_owner THEN
          RETURN jsonb_build_object('lock', jsonb_build_object(
            'acquired', false, 'outcome', CASE WHEN FOUND THEN 'lock_lost' ELSE 'not_found' END,
            'routing_status', v_row.routing_status, 'lock_owner', v_row.routing_lock_owner,
            'routing_attempts', v_row.routing_attempts), 'lockMs', v_lock_ms);
        END IF;
        v_lock := jsonb_build_object('acquired', true, 'outcome', 'reentered', 'routing_status', v_row.routing_status,
                                     'lock_owner', v_row.routing_lock_owner, 'routing_attempts', v_row.routing_attempts);
      END IF;

      IF p_release_rejected IS NOT NULL AND EXISTS (
           SELECT 1 FROM capacity_reservations r
            WHERE r.lead_id = p_lead_id AND r.released_at IS NULL AND r.workspace_id = p_release_rejected) THEN
        PERFORM release_capacity(p_lead_id, 'rejected_by_buyer');
      END IF;

      v_outcome := decide_routing(
        p_lead_id, p_keys, p_candidates, p_earlier, p_exclude, p_dedupe_window_days, p_original_wait_base, p_original_wait_max);
      -- The chosen buyer's delivery target, so the delivery need not read it (new, or committed by an earlier attempt).
      v_assigned := coalesce(v_outcome->>'assigned',
                             CASE WHEN v_outcome->'decision'->>'kind' = 'assigned' THEN v_outcome->'decision'->>'destinationWorkspaceId' END)::uuid;
      IF v_assigned IS NOT NULL THEN
        SELECT jsonb_build_object('url', w.delivery_url, 'secret', w.signing_secret)${p(`
               -- The previous secret signs too until its overlap ends (a rotation's changeover).
               || CASE WHEN w.previous_signing_secret IS NOT NULL AND w.previous_signing_secret_expires_at > now()
                       THEN jsonb_build_object('previousSecret', w.previous_signing_secret) ELSE '{}'::jsonb END`)} INTO v_target
          FROM workspaces w WHERE w.id = v_assigned AND w.kind = 'partner';
      END IF;
      RETURN jsonb_build_object('lock', v_lock, 'lockMs', v_lock_ms, 'outcome', v_outcome)
             || CASE WHEN v_target IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('target', v_target) END;
    END $$;
`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(lockAndDecideSql({ rulesRevision: false, previousSecret: false }));
  await knex.raw(DROP_COMPLETE_ROUTING);
  await knex.raw(completeRoutingSql(true));
}

const DROP_COMPLETE_ROUTING = 'DROP FUNCTION complete_routing(uuid, text, text, uuid, uuid, integer, uuid, text, text, jsonb, integer)';
const NO_METRICS = ', NULL::uuid, NULL::integer, NULL::double precision';

/**
 * complete_routing() as migration 0002 made it (`withMetrics` false: four columns) or with the metrics' three
 * (source_workspace_id, routing_attempts, latency_ms: set for 'completed' only).
 */
function completeRoutingSql(withMetrics: boolean): string {
  const m = (sql: string) => (withMetrics ? sql : '');
  return `
    -- Record the routing decision, release the lock and write the audit row, in one transaction.
    -- Only the current lock owner can complete. A repeated call with the same decision (an activity
    -- retried after its first call committed) is answered 'already_completed' instead of failing.
    CREATE FUNCTION complete_routing(
      p_lead_id uuid, p_owner text, p_result text, p_destination uuid, p_rule_id uuid, p_rule_version integer,
      p_duplicate_of uuid, p_error_code text, p_error_message text, p_decision jsonb, p_duration_ms integer)
    RETURNS TABLE (outcome text, routing_status text, routing_result text, destination_workspace_id uuid${m(`,
                   source_workspace_id uuid, routing_attempts integer, latency_ms double precision`)})
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
        RETURN QUERY SELECT 'completed'::text, lead.routing_status, lead.routing_result, lead.destination_workspace_id${m(`,
          lead.source_workspace_id, lead.routing_attempts, extract(epoch FROM lead.routed_at - lead.created_at)::double precision * 1000`)};
        RETURN;
      END IF;

      SELECT * INTO lead FROM leads l WHERE l.id = p_lead_id;
      IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::text, NULL::text, NULL::uuid${m(', NULL::uuid, NULL::integer, NULL::double precision')};
      ELSIF lead.routing_status IN ('routed', 'failed')
            AND lead.routing_result = p_result
            AND lead.destination_workspace_id IS NOT DISTINCT FROM p_destination
            AND EXISTS (SELECT 1 FROM lead_routing_logs g WHERE g.lead_id = p_lead_id AND g.lock_owner_id = p_owner) THEN
        RETURN QUERY SELECT 'already_completed'::text, lead.routing_status, lead.routing_result, lead.destination_workspace_id${m(NO_METRICS)};
      ELSE
        RETURN QUERY SELECT 'lock_lost'::text, lead.routing_status, lead.routing_result, lead.destination_workspace_id${m(NO_METRICS)};
      END IF;
    END $$;
  `;
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS lock_and_decide(uuid, text, boolean, integer, uuid, jsonb, jsonb, jsonb, text[], integer, double precision, double precision)');
  await knex.raw(DROP_COMPLETE_ROUTING);
  await knex.raw(completeRoutingSql(false));
}
