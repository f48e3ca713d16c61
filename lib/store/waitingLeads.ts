import type { Db } from '../db/createDb';

/**
 * What an undecided lead's routing ledger says while the lead waits or is being retried, read from what the
 * routing path already writes (nothing new is stored):
 *  - the decision an attempt made and has not completed: the lead's live capacity reservation
 *    (capacity_reservations, released_at NULL; written by decide_routing(), migration 0013, with the decision:
 *    buyer, rule + version, trace of the matched rules). It stays live while the lead waits for a retry after
 *    a failed delivery; a rejection, a failure or an expiry releases it;
 *  - the retry it waits for: its unprocessed row in the retry ledger (lead_routing_queue, written by
 *    scheduleRetry() in lib/store/routing.ts, marked processed when the retry starts).
 */
export interface WaitingState {
  pendingDecision: PendingDecision | null;
  retry: RetryState | null;
}

/** The buyer an attempt chose, whose delivery has not been accepted yet. */
export interface PendingDecision {
  destinationWorkspaceId: string;
  ruleId: string | null;
  ruleVersion: number | null;
  /** When the decision was made (the reservation's creation), ISO 8601. */
  decidedAt: string;
  /** The decision's trace as recorded: the matched rules only (`unmatchedRulesOmitted: true`), `excluded`. */
  trace: Record<string, unknown> | null;
}

/** The next attempt a waiting lead is scheduled for. */
export interface RetryState {
  /** The attempt that ended in this wait (leads.routing_attempts when it was scheduled). */
  attempt: number;
  /** Failed attempts so far that count toward ROUTING_MAX_ATTEMPTS (waits for a cap reset or an original in flight do not). */
  failedAttempts: number;
  /** When the next attempt starts (its workflow's durable timer; the retry-queue processor's due time), ISO 8601. */
  nextAttemptAt: string;
  /** `backoff`: after a failed attempt (a buyer 5xx / timeout, an outage); `wait`: for a cap reset or an original lead in flight. */
  kind: 'backoff' | 'wait';
  /** Why: e.g. `delivery_failed: HTTP 500`, `all_destinations_capped`. */
  reason: string | null;
}

const iso = (v: unknown) => new Date(v as string).toISOString();

// Per lead: its live reservation (index capacity_reservations_one_live, lead_id WHERE released_at IS NULL), its
// newest unprocessed ledger row and its counted failures (unique index (lead_id, attempt_number)).
const WAITING_SQL = `
  SELECT l.id AS lead_id,
         r.workspace_id, r.rule_id, r.rule_version, r.created_at AS decided_at, r.decision -> 'trace' AS trace,
         r.decision -> 'unmatchedRulesOmitted' AS unmatched_omitted,
         q.attempt_number, q.next_retry_at, q.last_error, q.counts_toward_max_attempts,
         (SELECT count(*) FROM lead_routing_queue f WHERE f.lead_id = l.id AND f.counts_toward_max_attempts)::int AS failures
    FROM (SELECT e::uuid AS id FROM jsonb_array_elements_text(?::jsonb) e) l
    LEFT JOIN capacity_reservations r ON r.lead_id = l.id AND r.released_at IS NULL
    LEFT JOIN LATERAL (SELECT attempt_number, next_retry_at, last_error, counts_toward_max_attempts
                         FROM lead_routing_queue
                        WHERE lead_id = l.id AND processed_at IS NULL
                        ORDER BY attempt_number DESC
                        LIMIT 1) q ON true`;

/**
 * The waiting state of each given lead, in one query (pass only undecided leads: `pending` or `routing`; a
 * finished lead's outcome is on the lead itself). Leads with neither a live decision nor a due retry are absent.
 */
export async function waitingStates(db: Db, leadIds: readonly string[]): Promise<Map<string, WaitingState>> {
  const states = new Map<string, WaitingState>();
  if (leadIds.length === 0) return states;
  const { rows } = await db.raw<{ rows: Array<Record<string, unknown>> }>(WAITING_SQL, [JSON.stringify(leadIds)]);
  for (const r of rows) {
    const trace = r.trace && typeof r.trace === 'object'
      ? { ...(r.trace as Record<string, unknown>), ...(r.unmatched_omitted === true ? { unmatchedRulesOmitted: true } : {}) }
      : null;
    const pendingDecision: PendingDecision | null = r.workspace_id
      ? { destinationWorkspaceId: r.workspace_id as string, ruleId: (r.rule_id as string | null) ?? null, ruleVersion: (r.rule_version as number | null) ?? null, decidedAt: iso(r.decided_at), trace }
      : null;
    const retry: RetryState | null = r.attempt_number != null
      ? {
          attempt: r.attempt_number as number,
          failedAttempts: r.failures as number,
          nextAttemptAt: iso(r.next_retry_at),
          kind: r.counts_toward_max_attempts ? 'backoff' : 'wait',
          reason: (r.last_error as string | null) ?? null,
        }
      : null;
    if (pendingDecision || retry) states.set(r.lead_id as string, { pendingDecision, retry });
  }
  return states;
}
