/** Types shared by the routeLead workflow, its activities and its callers. No runtime code but constants. */
import type { Decision, DecisionTrace } from '../lib/routing/decide';
import type { RoutingResult, RoutingStatus } from '../lib/store/leads';

export type { Decision, DecisionTrace };

export interface RouteLeadInput {
  leadId: string;
  sourceWorkspaceId: string;
}

export interface RouteLeadOutcome {
  leadId: string;
  status: RoutingStatus | null;
  result: RoutingResult | null;
  destinationWorkspaceId: string | null;
}

export interface AcquireLockOutput {
  outcome: 'acquired' | 'reentered' | 'taken_over_stale' | 'not_routable';
  status: RoutingStatus | null;
  attempts: number;
}

export interface LockAndDecideInput {
  leadId: string;
  /** Destinations that rejected the lead earlier in this run: never chosen again. */
  excludeDestinations: string[];
  /**
   * The destination that rejected the lead just before this call: its reservation is given back in the same
   * transaction as the next decision, if it is still the lead's live one (so a re-run releases nothing new).
   */
  releaseRejected?: string;
}

/**
 * What lockAndDecide answers: the lock, and the decision's fields on top (the chosen destinationWorkspaceId
 * tags the activity's span), or `not_routable` for a lead decided already. `deliveryTimeoutMs` is the
 * worker's DELIVERY_TIMEOUT_MS, which bounds the delivery local activity that may follow.
 */
export type LockAndDecideOutput = { lock: AcquireLockOutput; deliveryTimeoutMs: number } & (Decision | { kind: 'not_routable' });

/** How the routing of a lead ended, as complete_routing() records it. */
export type RoutingOutcome =
  | { result: 'success'; destinationWorkspaceId: string; ruleId: string; ruleVersion: number }
  | { result: 'duplicate'; duplicateOfLeadId: string }
  | { result: 'failed'; errorCode: string; errorMessage: string };

/**
 * What the decisions that are not an assignment lead to, the same for every run's shape (the workflow's older
 * paths and activities/routeAttempt.ts): no destination is a final failure (`rejectedBefore`: every eligible
 * buyer rejected the lead in this run); capped and original_in_flight wait until `at`. For original_in_flight,
 * the same person's lead from another partner holds the claim and is not decided yet: if it is routed this lead
 * is its duplicate, if it fails this one takes the person.
 */
export function noDestinationOutcome(rejectedBefore: boolean): RoutingOutcome {
  return rejectedBefore
    ? { result: 'failed', errorCode: 'no_eligible_destination', errorMessage: 'every eligible destination rejected the lead' }
    : { result: 'failed', errorCode: 'no_matching_rule', errorMessage: 'no enabled rule matched the lead with an eligible destination' };
}
export function waitOf(decision: Extract<Decision, { kind: 'capped' | 'original_in_flight' }>): { at: string; reason: string } {
  return decision.kind === 'capped' ? { at: decision.nextResetAt, reason: 'all_destinations_capped' } : { at: decision.retryAt, reason: 'original_in_flight' };
}

/** One delivery attempt's outcome as kept in the decision trace (never the payload). */
export interface DeliveryRecord {
  workspaceId: string;
  outcome: 'accepted' | 'rejected' | 'failed' | 'not_pushed';
  status?: number;
  reason?: string;
}

export interface CompleteRoutingInput {
  leadId: string;
  outcome: RoutingOutcome;
  trace: DecisionTrace & { deliveries?: DeliveryRecord[] };
  attemptStartedAtMs: number;
}

/**
 * Patch id (issue 10 §1): a routing attempt in ONE workflow task. Lock and decision are one local activity
 * (one transaction), the delivery is a local activity too, a rejected buyer's capacity is given back in the
 * next decision's transaction. Implies the older search-attributes-on-change patch. Runs started before it
 * keep their path (test/integration/replay.test.ts).
 */
export const ONE_WORKFLOW_TASK = 'one-workflow-task-per-attempt';

/**
 * Patch id (issue 10): a routing attempt in ONE local activity (routeAttempt: lock + decide, deliver, complete),
 * so the worker runs one activity and two workflow activations per attempt instead of three and four, and the
 * run's history has one marker per attempt and one search-attribute upsert. Runs started before it keep their
 * path (ONE_WORKFLOW_TASK or older; test/integration/replay.test.ts).
 */
export const ONE_ACTIVITY_PER_ATTEMPT = 'one-local-activity-per-attempt';

export interface RouteAttemptInput extends LockAndDecideInput {
  /** This run's earlier delivery attempts (buyers that rejected the lead), for the completion's trace. */
  deliveries: DeliveryRecord[];
  /** Workflow time at which this attempt started (the audit row's duration). */
  attemptStartedAtMs: number;
}

/**
 * What one routing attempt came to. `lock`: the routing lock's state (search attributes); `deliveryTimeoutMs`:
 * the worker's DELIVERY_TIMEOUT_MS (the workflow sizes the next attempt's timeout from it); `delivery`: this
 * attempt's delivery, if one was made.
 *  - done:  the lead is decided (routed, duplicate, failed) or was already (`outcome.result` null);
 *  - again: the buyer rejected the lead: try the next destination now (its reservation is given back then);
 *  - retry: wait until `at` (a cap reset, the original's next look) or a backoff (`at` null), then try again;
 *  - complete: the decision (and the buyer's answer) stand but writing the outcome failed (the database was
 *    unreachable): the workflow completes with `completion` through completeRouting, retried on its own, so
 *    the buyer is not asked again.
 */
export type RouteAttemptOutput = { lock: AcquireLockOutput; deliveryTimeoutMs: number; delivery?: DeliveryRecord; destinationWorkspaceId?: string } & (
  | { kind: 'done'; outcome: RouteLeadOutcome }
  /** `trace`: the decision's, for the run's final outcome if it ends without another decision (retries exhausted). */
  | { kind: 'again'; rejectedBy: string; trace: DecisionTrace }
  | { kind: 'retry'; at: string | null; reason: string; trace: DecisionTrace }
  | { kind: 'complete'; completion: CompleteRoutingInput; error: string }
);

export const ROUTE_LEAD_WORKFLOW_ID_PREFIX = 'route-lead-';
/**
 * The workflow type every lead's run is started as (workflows/routeLead.ts routeLeadV2): routeLead's newest shape
 * without its patch marker. Runs started as `routeLead` before it finish as that type.
 */
export const ROUTE_LEAD_WORKFLOW_TYPE = 'routeLeadV2';
/** Every workflow type a lead's run may have (Web UI and `temporal workflow list` queries: README). */
export const ROUTE_LEAD_WORKFLOW_TYPES = ['routeLead', ROUTE_LEAD_WORKFLOW_TYPE] as const;
/**
 * Signal that cuts a waiting lead's timer short: the next attempt starts now (an operator raised a full
 * buyer's cap or fixed a failing buyer and does not want to wait for the next reset or backoff). Sent by
 * `POST /api/admin/leads/:id/retry`. One sent during an attempt applies to the wait after it, if any.
 */
export const RETRY_NOW_SIGNAL = 'retryNow';
export const routeLeadWorkflowId = (leadId: string) => `${ROUTE_LEAD_WORKFLOW_ID_PREFIX}${leadId}`;

/** Error types the activities throw that must not be retried (the workflow stops on them). */
export const NonRetryable = {
  LeadNotFound: 'LeadNotFound',
  LockLost: 'LockLost',
  InvalidConfiguration: 'InvalidConfiguration',
} as const;
