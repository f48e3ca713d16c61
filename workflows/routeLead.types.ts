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

export const ROUTE_LEAD_WORKFLOW_ID_PREFIX = 'route-lead-';
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
