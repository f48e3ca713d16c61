import { compileCondition, matchRule, ROOT_PATH, type Miss } from './compile';
import { gatedMiss } from './gate';
import { ruleLeadView, type LeadViewOptions } from './leadView';
import { readField } from './operators';
import type { Condition, LeadFields, RoutingDecision, RoutingRule, RuleTrace } from './types';

// Predicate semantics (missing/null fields, strict types, every operator) are documented in operators.ts.
export { readField };
export type { Miss };

/**
 * Returns undefined when the condition holds, else the first predicate that made it fail: in an `all`
 * the first failing child, in an `any` whose every branch failed the first branch's reason, and for a
 * `not` whose tree held the `not` itself with the tree's first predicate. Works on any tree (it is
 * compiled on the fly; rules evaluated through checkRule use the per-rule cache instead).
 */
export function firstMiss(lead: LeadFields, c: Condition, path = ROOT_PATH): Miss | undefined {
  const miss = compileCondition(c)(lead);
  if (!miss) return undefined;
  return { path: path === ROOT_PATH ? miss.path : path + miss.path.slice(ROOT_PATH.length), predicate: miss.predicate };
}

/** Priority ascending, then id by code unit (locale-independent; the same order as Postgres on uuid ids). */
export function byPriorityThenId(a: RoutingRule, b: RoutingRule): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The rules that can apply to a lead from this source, in evaluation order: enabled, scoped to this
 * source or to every source (null), by priority (lower first) then id. Returns a new array.
 */
export function applicableRules(rules: RoutingRule[], sourceWorkspaceId: string): RoutingRule[] {
  const out: RoutingRule[] = [];
  let sorted = true;
  for (const r of rules) {
    if (!r.enabled || (r.sourceWorkspaceId !== null && r.sourceWorkspaceId !== sourceWorkspaceId)) continue;
    if (sorted && out.length > 0 && byPriorityThenId(out[out.length - 1] as RoutingRule, r) > 0) sorted = false;
    out.push(r);
  }
  // Rules usually arrive in this order already (the store sorts them the same way): then skip the sort.
  return sorted ? out : out.sort(byPriorityThenId);
}

/**
 * Whether one rule's conditions hold for the lead, as a trace entry: where it failed names the path in
 * the definition, the field and the operator, never the lead's value. The compiled tree is cached per
 * rule id and version. A lead refused by the rule's first `eq`/`in` predicate gets a shared, frozen entry
 * (gate.ts): only a matched rule's entry is a new object its caller may add to. `lead` is the lead as rules
 * see it (leadView.ts ruleLeadView: email and phone in canonical form), built once for all the rules.
 */
export function checkRule(lead: LeadFields, rule: RoutingRule): RuleTrace {
  return (gatedMiss(lead, rule, () => evaluateRule(lead, rule)) as RuleTrace | undefined) ?? evaluateRule(lead, rule);
}

/** checkRule without the gate: the compiled tree's answer as a new entry. */
function evaluateRule(lead: LeadFields, rule: RoutingRule): RuleTrace {
  const miss = matchRule(lead, rule);
  const entry: RuleTrace = { ruleId: rule.id, ruleName: rule.name, priority: rule.priority, version: rule.version, matched: !miss };
  if (miss) entry.failedAt = { path: miss.path, field: miss.predicate.field, op: miss.predicate.op };
  return entry;
}

/** The region DEFAULT_PHONE_COUNTRY defaults to (lib/config.ts): evaluateRules' when none is passed. */
const DEFAULT_VIEW: LeadViewOptions = Object.freeze({ defaultPhoneCountry: 'US' });

/**
 * Picks the destination for a lead: enabled rules in priority order (lower first, id as tie-break),
 * scoped to the lead's source; the first rule that matches and has an eligible destination wins.
 * This issue's distribution is "first eligible destination"; weighted and round-robin come later.
 * The rules see the lead as ruleLeadView makes it (email and phone in canonical form), with `view`'s
 * DEFAULT_PHONE_COUNTRY (US when omitted). The worker decides through lib/routing/decide.ts instead.
 */
export function evaluateRules(
  lead: LeadFields,
  sourceWorkspaceId: string,
  rules: RoutingRule[],
  isEligible: (workspaceId: string) => boolean,
  view: LeadViewOptions = DEFAULT_VIEW,
): RoutingDecision {
  const trace: RuleTrace[] = [];
  const seen = ruleLeadView(lead, rules, view);
  for (const rule of applicableRules(rules, sourceWorkspaceId)) {
    const entry = checkRule(seen, rule);
    trace.push(entry);
    if (!entry.matched) continue;
    const destination = rule.destinations.find((d) => isEligible(d.workspaceId));
    if (!destination) {
      entry.noEligibleDestination = true;
      continue;
    }
    return { kind: 'matched', ruleId: rule.id, ruleVersion: rule.version, destinationWorkspaceId: destination.workspaceId, trace };
  }
  return { kind: 'no_match', trace };
}
