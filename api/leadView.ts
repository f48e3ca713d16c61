import type { Db } from '../lib/db/createDb';
import type { LeadState } from '../lib/store/leads';
import { waitingStates, type WaitingState } from '../lib/store/waitingLeads';
import { routeLeadWorkflowId } from '../workflows/routeLead.types';

export interface LeadViewOptions {
  /** Admin callers: the base of the Temporal Web UI link (TEMPORAL_UI_URL) and its namespace. */
  temporalUiUrl?: string;
  namespace?: string;
  /** The lead's waiting state (lib/store/waitingLeads.ts), read by leadViews(); absent: shown as null. */
  waiting?: WaitingState;
}

/**
 * What a caller sees of a lead: routing state and the why, never the person's details. A lead waiting for a
 * retry after a failed delivery was decided already: `pendingDecision` (buyer, rule + version, when) and
 * `retry` (attempt, failures, next attempt time, why) say so, and `decision` is that decision's trace until the
 * lead finishes (then it is the final trace, as before). Both are null unless `opts.waiting` is given.
 * Not exported: every answer that shows a lead reads its waiting state through leadViews()/leadViewOf(), so no
 * route can show a waiting lead without it (a repeated POST once answered null where GET showed the retry).
 */
function leadView(lead: LeadState, opts: LeadViewOptions = {}) {
  const workflowId = routeLeadWorkflowId(lead.id);
  const pending = opts.waiting?.pendingDecision;
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
    decision: lead.decision ?? pending?.trace ?? null,
    pendingDecision: pending
      ? { destinationWorkspaceId: pending.destinationWorkspaceId, ruleId: pending.ruleId, ruleVersion: pending.ruleVersion, decidedAt: pending.decidedAt }
      : null,
    retry: opts.waiting?.retry ?? null,
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

export type LeadViewShown = ReturnType<typeof leadView>;

/**
 * The views of several leads with their waiting state: one query for the undecided ones among them (none
 * when all are finished). What every answer that shows a lead is made of: GET /api/leads/:id, the admin
 * lead list, and POST /api/leads/route's 200 (a repeat, or a lead that finished within `?wait=`).
 */
export async function leadViews(db: Db, leads: readonly LeadState[], opts: Omit<LeadViewOptions, 'waiting'> = {}): Promise<LeadViewShown[]> {
  const waiting = await waitingStates(db, leads.filter((l) => !isFinished(l)).map((l) => l.id));
  return leads.map((lead) => leadView(lead, { ...opts, waiting: waiting.get(lead.id) }));
}

/** One lead's view with its waiting state (leadViews of one lead). */
export async function leadViewOf(db: Db, lead: LeadState, opts: Omit<LeadViewOptions, 'waiting'> = {}): Promise<LeadViewShown> {
  const [view] = await leadViews(db, [lead], opts);
  return view!;
}
