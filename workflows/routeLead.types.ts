/** Types shared by the routeLead workflow, its activities and its callers. No runtime code. */
import type { RoutingResult, RoutingStatus } from '../lib/store/leads';
import type { RoutingDecision } from '../lib/rules/types';

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

export interface CompleteRoutingInput {
  leadId: string;
  decision: RoutingDecision;
  attemptStartedAtMs: number;
}

export const ROUTE_LEAD_WORKFLOW_ID_PREFIX = 'route-lead-';
export const routeLeadWorkflowId = (leadId: string) => `${ROUTE_LEAD_WORKFLOW_ID_PREFIX}${leadId}`;

/** Error types the activities throw that must not be retried (the workflow stops on them). */
export const NonRetryable = {
  LeadNotFound: 'LeadNotFound',
  InvalidRule: 'InvalidRule',
} as const;
