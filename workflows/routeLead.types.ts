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
