import type { Knex } from 'knex';
import { applicableRules, checkRule } from '../rules/evaluate';
import type { RuleTrace } from '../rules/types';
import { decideRoutingInDatabase, type DecisionCandidate } from '../store/routing';
import { activeRules } from '../store/rules';
import type { RulesLoader } from '../store/rulesCache';

/** Why the lead went where it did: stored with the lead (complete_routing()) and with its reservation. */
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

/**
 * The routing decision for one lead, made in ONE transaction so that the dedupe claim, the capacity
 * reservation and the distribution counters commit together or not at all (DESIGN §5 invariants 1, 3, 4).
 * Writes nothing but those; the lead row is updated later by complete_routing().
 *
 * Two round trips as a rule (issue 10: decide p95 < 2 ms with 1,000 rules): the rules come from
 * `loadRules` (the worker's cache: one fingerprint query) and are evaluated here, in order, up to the first
 * that matches; decide_routing() (migrations/0013_decide_function.ts) then does the rest in one call: a
 * decision an earlier attempt committed is returned as it was; dedupe claims; the rule's counters, the
 * destination order of ./distribution.ts, exclusions and capacity. Only if that rule had no eligible
 * destination are the remaining rules evaluated and their matches tried in a second call. A duplicate,
 * original_in_flight, capped or no_match decision leaves nothing written. The trace lists the rules up to
 * the one that assigned the lead (all of them otherwise).
 */
export async function decide(trx: Knex.Transaction, lead: LeadToDecide, opts: DecideOptions): Promise<Decision> {
  const rules = applicableRules(await (opts.loadRules ?? activeRules)(trx), lead.sourceWorkspaceId);
  const keys: Array<{ kind: 'email' | 'phone'; hash: string }> = [];
  if (lead.emailHash) keys.push({ kind: 'email', hash: lead.emailHash });
  if (lead.phoneHash) keys.push({ kind: 'phone', hash: lead.phoneHash });
  keys.sort((a, b) => a.hash.localeCompare(b.hash)); // claimed in hash order: two leads sharing both keys cannot deadlock

  const traces: RuleTrace[] = [];
  let earliestReset: string | undefined;
  for (let call = 1; ; call++) {
    // The first call takes the first matching rule (it usually wins); a second one all that match after it.
    const candidates: Array<DecisionCandidate & { index: number }> = [];
    let sentFrom = 0;
    while (traces.length < rules.length && (call > 1 || candidates.length === 0)) {
      const rule = rules[traces.length]!;
      const ruleTrace = checkRule(lead.payload, rule);
      traces.push(ruleTrace);
      if (!ruleTrace.matched) continue;
      candidates.push({
        index: traces.length - 1, id: rule.id, version: rule.version, distribution: rule.distribution, destinations: rule.destinations,
        trace: ruleTrace, before: traces.slice(sentFrom, traces.length - 1),
      });
      sentFrom = traces.length;
    }
    // The first call is made even without a candidate: a duplicate wins over no_match.
    if (call > 1 && candidates.length === 0) break;

    const outcome = await decideRoutingInDatabase(trx, {
      leadId: lead.id,
      keys,
      candidates: candidates.map(({ index: _index, ...c }) => c),
      exclude: opts.excludeDestinations,
      dedupeWindowDays: opts.dedupeWindowDays,
      originalWait: opts.originalWait ?? { baseSeconds: 2, maxSeconds: 3600 },
    });
    if ('decision' in outcome) return outcome.decision as Decision;
    if ('dedupe' in outcome) {
      const { originalLeadId, matchedOn, retryAt } = outcome.dedupe;
      const trace: DecisionTrace = { rules: [], dedupe: { duplicateOfLeadId: originalLeadId, matchedOn } };
      if (retryAt) return { kind: 'original_in_flight', originalLeadId, retryAt: new Date(retryAt).toISOString(), trace };
      return { kind: 'duplicate', duplicateOfLeadId: originalLeadId, trace };
    }
    // The same trace decide_routing() recorded with the reservation (an activity retry gets that one back).
    outcome.tried.forEach((tried, k) => { candidates[k]!.trace.destinations = tried; });
    if (outcome.assigned) {
      const winner = candidates[outcome.tried.length - 1]!;
      candidates.slice(0, outcome.tried.length - 1).forEach((c) => { c.trace.noEligibleDestination = true; });
      winner.trace.chosen = { workspaceId: outcome.assigned, distribution: winner.distribution };
      return {
        kind: 'assigned', destinationWorkspaceId: outcome.assigned, ruleId: winner.id, ruleVersion: winner.version,
        trace: withExcluded({ rules: traces.slice(0, winner.index + 1) }, opts.excludeDestinations),
      };
    }
    for (const c of candidates) c.trace.noEligibleDestination = true;
    if (outcome.nextResetAt) {
      const reset = new Date(outcome.nextResetAt).toISOString();
      if (!earliestReset || reset < earliestReset) earliestReset = reset;
    }
    if (traces.length === rules.length) break;
  }
  const trace = withExcluded({ rules: traces }, opts.excludeDestinations);
  // Something matched but every destination was full: try again when the first cap resets.
  if (earliestReset) return { kind: 'capped', nextResetAt: earliestReset, expiresAt: lead.expiresAt, trace };
  return { kind: 'no_match', trace };
}

/** The trace with the destinations skipped because they rejected the lead earlier, when there are any. */
function withExcluded(trace: DecisionTrace, excluded: string[]): DecisionTrace {
  return excluded.length ? { ...trace, excluded } : trace;
}
