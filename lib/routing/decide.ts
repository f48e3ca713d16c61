import type { Knex } from 'knex';
import { applicableRules, checkRule } from '../rules/evaluate';
import type { DestinationTrace, RuleTrace } from '../rules/types';
import { liveReservation, recordReservationDecision, reserveCapacity } from '../store/capacity';
import { claimIdentity, type IdentityKey } from '../store/identityClaims';
import { countAssignment, lockRuleCounters } from '../store/ruleCounters';
import { activeRules } from '../store/rules';
import type { RulesLoader } from '../store/rulesCache';
import { destinationOrder } from './distribution';

/**
 * The routing decision for one lead, made in ONE transaction so that the dedupe claim, the capacity
 * reservation and the distribution counters commit together or not at all (DESIGN §5 invariants 1, 3, 4).
 * Writes nothing but those; the lead row is updated later by complete_routing().
 */
export interface DecisionTrace {
  rules: RuleTrace[];
  dedupe?: { duplicateOfLeadId: string; matchedOn: Array<'email' | 'phone'> };
  /** Destinations skipped because they rejected this lead earlier. */
  excluded?: string[];
}

export type Decision =
  | { kind: 'assigned'; destinationWorkspaceId: string; ruleId: string; ruleVersion: number; trace: DecisionTrace }
  | { kind: 'duplicate'; duplicateOfLeadId: string; trace: DecisionTrace }
  | { kind: 'no_match'; trace: DecisionTrace }
  | { kind: 'capped'; nextResetAt: string; expiresAt: string; trace: DecisionTrace };

export interface LeadToDecide {
  id: string;
  sourceWorkspaceId: string;
  payload: Record<string, unknown>;
  emailHash: string | null;
  phoneHash: string | null;
  expiresAt: string;
}

export interface DecideOptions {
  excludeDestinations: string[];
  dedupeWindowDays: number;
  /** Where the rules come from: the worker's cache (lib/store/rulesCache.ts) or, by default, the table. */
  loadRules?: RulesLoader;
}

/** Ends the savepoint with a rollback (claims and reservations undone) while still returning a decision. */
class Undo {
  constructor(readonly decision: Decision) {}
}

export async function decide(trx: Knex.Transaction, lead: LeadToDecide, opts: DecideOptions): Promise<Decision> {
  // An earlier attempt that committed its decision (and then lost the activity result) finds it again.
  const live = await liveReservation(trx, lead.id);
  if (live?.decision) return live.decision as Decision;

  try {
    return await trx.transaction(async (sp) => {
      const keys: IdentityKey[] = [];
      if (lead.emailHash) keys.push({ kind: 'email', hash: lead.emailHash });
      if (lead.phoneHash) keys.push({ kind: 'phone', hash: lead.phoneHash });
      const taken = await claimIdentity(sp, lead.id, keys, opts.dedupeWindowDays);
      if (taken.length > 0) {
        const duplicateOfLeadId = taken[0]!.ownerLeadId;
        const matchedOn = taken.filter((t) => t.ownerLeadId === duplicateOfLeadId).map((t) => t.kind);
        throw new Undo({ kind: 'duplicate', duplicateOfLeadId, trace: { rules: [], dedupe: { duplicateOfLeadId, matchedOn } } });
      }
      const assigned = await chooseDestination(sp, lead, opts);
      if (assigned.kind !== 'assigned') throw new Undo(assigned);
      return assigned;
    });
  } catch (err) {
    if (err instanceof Undo) return err.decision;
    throw err;
  }
}

async function chooseDestination(trx: Knex.Transaction, lead: LeadToDecide, opts: DecideOptions): Promise<Decision> {
  const trace: DecisionTrace = { rules: [], ...(opts.excludeDestinations.length ? { excluded: opts.excludeDestinations } : {}) };
  let earliestReset: string | undefined;

  const rules = await (opts.loadRules ?? activeRules)(trx);
  for (const rule of applicableRules(rules, lead.sourceWorkspaceId)) {
    const ruleTrace = checkRule(lead.payload, rule);
    trace.rules.push(ruleTrace);
    if (!ruleTrace.matched) continue;

    const counters = rule.distribution === 'priority'
      ? new Map<string, number>()
      : await lockRuleCounters(trx, rule.id, rule.destinations.map((d) => d.workspaceId));
    const tried: DestinationTrace[] = [];
    ruleTrace.destinations = tried;
    for (const destination of destinationOrder(rule.distribution, rule.destinations, counters)) {
      const workspaceId = destination.workspaceId;
      if (opts.excludeDestinations.includes(workspaceId)) {
        tried.push({ workspaceId, eligible: false, reason: 'rejected_by_buyer' });
        continue;
      }
      const reservation = await reserveCapacity(trx, { leadId: lead.id, workspaceId, ruleId: rule.id, ruleVersion: rule.version });
      if (!reservation.reserved) {
        tried.push({ workspaceId, eligible: false, reason: reservation.reason === 'disabled' ? 'disabled' : `capped_${reservation.reason}` });
        if (reservation.reason !== 'disabled' && (!earliestReset || reservation.nextResetAt < earliestReset)) earliestReset = reservation.nextResetAt;
        continue;
      }
      tried.push({ workspaceId, eligible: true });
      ruleTrace.chosen = { workspaceId, distribution: rule.distribution };
      if (rule.distribution !== 'priority') await countAssignment(trx, rule.id, workspaceId);
      const decision: Decision = { kind: 'assigned', destinationWorkspaceId: workspaceId, ruleId: rule.id, ruleVersion: rule.version, trace };
      await recordReservationDecision(trx, reservation.reservationId, decision);
      return decision;
    }
    ruleTrace.noEligibleDestination = true;
  }
  // Something matched but every destination was full: try again when the first cap resets.
  if (earliestReset) return { kind: 'capped', nextResetAt: earliestReset, expiresAt: lead.expiresAt, trace };
  return { kind: 'no_match', trace };
}
