import type { Knex } from 'knex';
import { ruleLeadView } from '../rules/leadView';
import { startRulePass, type RulePass } from '../rules/rulePass';
import type { RuleTrace } from '../rules/types';
import { decideRoutingInDatabase, type DecideRoutingArgs, type DecisionCandidate, type DecisionOutcome } from '../store/routing';
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
  /** The rules' fingerprint if the caller read it already (passed to `loadRules`: no query of its own). */
  rulesFingerprint?: string;
  /**
   * How each call reaches the database (`callNumber` from 1): by default decide_routing() in `trx`; the routing
   * activities take or check the routing lock in the same statement (lock_and_decide(), lib/store/routing.ts).
   */
  call?: (db: Knex, args: DecideRoutingArgs, callNumber: number) => Promise<DecisionOutcome>;
  /**
   * How soon to look again when the person's original lead is still being routed: `baseSeconds` (default
   * 2: an original is usually decided within a second), doubling with each look up to `maxSeconds`, and
   * never before the original's own next retry.
   */
  originalWait?: { baseSeconds: number; maxSeconds: number };
  /**
   * DEFAULT_PHONE_COUNTRY: where a phone without a country code is read when the lead has no `country`, for the
   * rules' canonical phone (lib/rules/leadView.ts), as the gateway read it for dedupe.
   */
  defaultPhoneCountry: string;
}

/**
 * The routing decision for one lead. Each database call is one statement (decide_routing() in `trx`, or
 * `opts.call`), so that the dedupe claim, the capacity reservation and the distribution counters commit
 * together or not at all (DESIGN §5 invariants 1, 3, 4). Writes nothing but those; the lead row is updated
 * later by complete_routing().
 *
 * One call as a rule (issue 10: decide p95 < 2 ms with 1,000 rules): the rules come from `loadRules` (the
 * worker's cache, checked against `rulesFingerprint`) and are evaluated here, in order, up to the first
 * that matches; decide_routing() (migrations/0013_decide_function.ts) then does the rest in one call: a
 * decision an earlier attempt committed is returned; dedupe claims; the rule's counters, the destination
 * order of ./distribution.ts, exclusions and capacity. Only if that rule had no eligible destination are
 * the remaining rules evaluated and their matches tried in a second call. A duplicate, original_in_flight,
 * capped or no_match decision leaves nothing written. The trace lists the rules up to the one that
 * assigned the lead (all of them otherwise).
 *
 * The rules see the lead as lib/rules/leadView.ts ruleLeadView makes it: email and phone in the canonical form
 * dedupe reads them in (computed only when a rule compares them); `lead.payload` itself is never changed.
 */
export async function decide(trx: Knex, lead: LeadToDecide, opts: DecideOptions): Promise<Decision> {
  const loaded = await (opts.loadRules ?? activeRules)(trx, opts.rulesFingerprint);
  const seen = ruleLeadView(lead.payload, loaded, { defaultPhoneCountry: opts.defaultPhoneCountry });
  // The rules that apply to the lead's source, in order, each checked as the loop reaches it (lib/rules/rulePass.ts).
  const pass = startRulePass(loaded, lead.sourceWorkspaceId, seen);
  let rulesLeft = true;
  const callDatabase = opts.call ?? ((db: Knex, args: DecideRoutingArgs) => decideRoutingInDatabase(db, args));
  const keys: Array<{ kind: 'email' | 'phone'; hash: string }> = [];
  if (lead.emailHash) keys.push({ kind: 'email', hash: lead.emailHash });
  if (lead.phoneHash) keys.push({ kind: 'phone', hash: lead.phoneHash });
  keys.sort((a, b) => a.hash.localeCompare(b.hash)); // claimed in hash order: two leads sharing both keys cannot deadlock

  const traces: RuleTrace[] = [];
  const triedInVain: RuleTrace[] = []; // matched rules an earlier call tried: the database records them too
  let earliestReset: string | undefined;
  for (let call = 1; ; call++) {
    // The first call takes the first matching rule (it usually wins); a second one all that match after it.
    const candidates: Array<DecisionCandidate & { index: number }> = [];
    while (rulesLeft && (call > 1 || candidates.length === 0)) {
      if (!(rulesLeft = pass.advance())) break;
      const { rule, trace: ruleTrace } = pass;
      traces.push(ruleTrace);
      if (ruleTrace.matched) {
        candidates.push({ index: traces.length - 1, id: rule.id, version: rule.version, distribution: rule.distribution, destinations: rule.destinations, trace: ruleTrace });
      }
    }
    // The first call is made even without a candidate: a duplicate wins over no_match.
    if (call > 1 && candidates.length === 0) break;

    const outcome = await callDatabase(trx, {
      leadId: lead.id,
      keys,
      candidates: candidates.map(({ index: _index, ...c }) => c),
      earlier: triedInVain,
      exclude: opts.excludeDestinations,
      dedupeWindowDays: opts.dedupeWindowDays,
      originalWait: opts.originalWait ?? { baseSeconds: 2, maxSeconds: 3600 },
    }, call); // `call`: this call's number
    if ('decision' in outcome) return withUnmatchedRules(outcome.decision as RecordedDecision, () => startRulePass(loaded, lead.sourceWorkspaceId, seen));
    if ('dedupe' in outcome) {
      const { originalLeadId, matchedOn, retryAt } = outcome.dedupe;
      const trace: DecisionTrace = { rules: [], dedupe: { duplicateOfLeadId: originalLeadId, matchedOn } };
      if (retryAt) return { kind: 'original_in_flight', originalLeadId, retryAt: new Date(retryAt).toISOString(), trace };
      return { kind: 'duplicate', duplicateOfLeadId: originalLeadId, trace };
    }
    // Built as decide_routing() recorded it with the reservation, plus the rules that did not match.
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
    for (const c of candidates) {
      c.trace.noEligibleDestination = true;
      triedInVain.push(c.trace);
    }
    if (outcome.nextResetAt) {
      const reset = new Date(outcome.nextResetAt).toISOString();
      if (!earliestReset || reset < earliestReset) earliestReset = reset;
    }
    if (!rulesLeft) break;
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

/** A committed decision as decide_routing() records it: the matched rules only, when so marked. */
type RecordedDecision = Decision & { unmatchedRulesOmitted?: true };

/**
 * The decision an earlier attempt committed, as that attempt returned it: the recorded trace lists only
 * the matched rules (migrations/0013_decide_function.ts), so the entries of the rules that did not match
 * are evaluated again, in order, between them. They depend only on the lead and the rules: with the same
 * rules (an activity retry comes seconds later) the result is the same decision. Should the matched rules
 * no longer be the same ones (a rule edited in between), the trace stays the matched rules only. `startPass`: a
 * new pass over the rules for the lead as the rules see it (ruleLeadView).
 */
function withUnmatchedRules(recorded: RecordedDecision, startPass: () => RulePass): Decision {
  const { unmatchedRulesOmitted, ...decision } = recorded;
  if (!unmatchedRulesOmitted) return decision as Decision; // recorded with its whole trace (before migration 0013)
  const matched = decision.trace.rules;
  const full: RuleTrace[] = [];
  let found = 0;
  const pass = startPass();
  while (found < matched.length && pass.advance()) {
    const { rule, trace: ruleTrace } = pass;
    const next = matched[found]!;
    if (!ruleTrace.matched) {
      full.push(ruleTrace);
    } else if (next.ruleId === rule.id && next.version === rule.version) {
      full.push(next);
      found += 1;
    } else {
      return decision as Decision;
    }
  }
  if (found < matched.length) return decision as Decision;
  return { ...decision, trace: { ...decision.trace, rules: full } } as Decision;
}
