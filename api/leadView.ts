import type { LeadState } from '../lib/store/leads';
import { routeLeadWorkflowId } from '../workflows/routeLead.types';

/** What a caller sees of a lead: routing state and the why, never the person's details. */
export function leadView(lead: LeadState, opts: { temporalUiUrl?: string; namespace?: string } = {}) {
  const workflowId = routeLeadWorkflowId(lead.id);
  return {
    leadId: lead.id,
    externalId: lead.externalId,
    sourceWorkspaceId: lead.sourceWorkspaceId,
    status: lead.status,
    result: lead.result,
    destinationWorkspaceId: lead.destinationWorkspaceId,
    matchedRuleId: lead.matchedRuleId,
    matchedRuleVersion: lead.matchedRuleVersion,
    duplicateOfLeadId: lead.duplicateOfLeadId,
    attempts: lead.attempts,
    lastError: lead.lastError,
    decision: lead.decision,
    createdAt: lead.createdAt,
    routingStartedAt: lead.routingStartedAt,
    routedAt: lead.routedAt,
    updatedAt: lead.updatedAt,
    expiresAt: lead.expiresAt,
    workflowId,
    ...(opts.temporalUiUrl
      ? { temporalUiUrl: `${opts.temporalUiUrl}/namespaces/${opts.namespace ?? 'default'}/workflows/${workflowId}` }
      : {}),
  };
}

export const isFinished = (lead: LeadState) => lead.status === 'routed' || lead.status === 'failed' || lead.status === 'expired';
