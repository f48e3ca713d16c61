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
  /** The person's claim is held by a lead not decided yet: look again at `retryAt`. */
  | { kind: 'original_in_flight'; originalLeadId: string; retryAt: string; trace: DecisionTrace }
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
  /**
   * How soon to look again when the person's original lead is still being routed: `baseSeconds` (default
   * 2: an original is usually decided within a second), doubling with each look up to `maxSeconds`, and
   * never before the original's own next retry.
   */
  originalWait?: { baseSeconds: number; maxSeconds: number };
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
        // A duplicate is final, so only of an original that is routed: one still in flight may yet fail
        // (its claim is then released), and the person must not be lost with it.
        const original = await originalOf(sp, lead.id, taken.map((t) => t.ownerLeadId), opts.originalWait ?? { baseSeconds: 2, maxSeconds: 3600 });
        const matchedOn = taken.filter((t) => t.ownerLeadId === original.leadId).map((t) => t.kind);
        const trace = { rules: [], dedupe: { duplicateOfLeadId: original.leadId, matchedOn } };
        if (original.retryAt) throw new Undo({ kind: 'original_in_flight', originalLeadId: original.leadId, retryAt: original.retryAt, trace });
        throw new Undo({ kind: 'duplicate', duplicateOfLeadId: original.leadId, trace });
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

/**
 * The lead this one would duplicate, among the owners of its claimed keys: a routed one if any (then it is
 * a duplicate now), else the first, still in flight (`pending` or `routing`), with when to look again:
 * the wait doubles with each earlier look (`original_in_flight` rows in this lead's ledger), and is never
 * before that original's own next retry.
 */
async function originalOf(
  trx: Knex.Transaction,
  leadId: string,
  ownerLeadIds: string[],
  wait: { baseSeconds: number; maxSeconds: number },
): Promise<{ leadId: string; retryAt?: string }> {
  const owners = await trx('leads').select('id', 'routing_status').whereIn('id', ownerLeadIds);
  const routed = owners.find((o) => o.routing_status === 'routed');
  if (routed) return { leadId: routed.id };
  const first = ownerLeadIds[0]!;
  const { rows } = await trx.raw<{ rows: Array<{ retry_at: Date }> }>(
    `SELECT GREATEST(
              now() + make_interval(secs => least(?::float8 * 2 ^ (SELECT count(*) FROM lead_routing_queue
                                                                      WHERE lead_id = ? AND last_error = 'original_in_flight'), ?::float8)),
              (SELECT min(next_retry_at) FROM lead_routing_queue WHERE lead_id = ? AND processed_at IS NULL)) AS retry_at`,
    [wait.baseSeconds, leadId, wait.maxSeconds, first],
  );
  return { leadId: first, retryAt: new Date(rows[0]!.retry_at).toISOString() };
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
