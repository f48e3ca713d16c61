import { ApplicationFailure } from '@temporalio/activity';
import { evaluateRules } from '../lib/rules/evaluate';
import type { RoutingDecision } from '../lib/rules/types';
import { getLeadForRouting } from '../lib/store/leads';
import { rulesForSource } from '../lib/store/rules';
import { enabledPartnerIds } from '../lib/store/workspaces';
import { NonRetryable } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';

/** Loads the lead and the rules that can apply to it and decides; writes nothing. */
export function makeEvaluateRoutingRules({ db }: ActivityDeps) {
  return async function evaluateRoutingRules({ leadId }: { leadId: string }): Promise<RoutingDecision> {
    const lead = await getLeadForRouting(db, leadId);
    if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} does not exist`, NonRetryable.LeadNotFound);
    const rules = await rulesForSource(db, lead.sourceWorkspaceId);
    const partners = await enabledPartnerIds(db, [...new Set(rules.flatMap((r) => r.destinations.map((d) => d.workspaceId)))]);
    return evaluateRules(lead.payload, lead.sourceWorkspaceId, rules, (id) => partners.has(id));
  };
}
