import type { Condition, LeadFields, Predicate, RoutingDecision, RoutingRule, RuleTrace, Scalar } from './types';

/** Reads a dotted path (`attributes.loanAmount`) from the lead; undefined when any step is missing. */
export function readField(lead: LeadFields, field: string): unknown {
  let current: unknown = lead;
  for (const key of field.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Strict comparison: a string "5" never equals the number 5, so a rule means exactly what it says. */
function testPredicate(lead: LeadFields, p: Predicate): boolean {
  const actual = readField(lead, p.field);
  if (actual === undefined || actual === null) return false;
  switch (p.op) {
    case 'eq':
      return actual === p.value;
    case 'in':
      return Array.isArray(p.value) && (p.value as Scalar[]).includes(actual as Scalar);
    default:
      return false;
  }
}

interface Miss { path: string; predicate: Predicate }

/** Returns undefined when the condition holds, else the first predicate that made it fail. */
export function firstMiss(lead: LeadFields, c: Condition, path = 'conditions'): Miss | undefined {
  if ('all' in c) {
    for (const [i, child] of c.all.entries()) {
      const miss = firstMiss(lead, child, `${path}.all[${i}]`);
      if (miss) return miss;
    }
    return undefined;
  }
  if ('any' in c) {
    if (c.any.length === 0) return undefined;
    let first: Miss | undefined;
    for (const [i, child] of c.any.entries()) {
      const miss = firstMiss(lead, child, `${path}.any[${i}]`);
      if (!miss) return undefined;
      first ??= miss;
    }
    return first;
  }
  if ('not' in c) {
    const inner = firstMiss(lead, c.not, `${path}.not`);
    if (inner) return undefined;
    // The negated tree held; report its first predicate as the reason.
    return { path: `${path}.not`, predicate: firstPredicate(c.not) };
  }
  return testPredicate(lead, c) ? undefined : { path, predicate: c };
}

function firstPredicate(c: Condition): Predicate {
  if ('all' in c) return c.all[0] ? firstPredicate(c.all[0]) : { field: '', op: 'eq', value: '' };
  if ('any' in c) return c.any[0] ? firstPredicate(c.any[0]) : { field: '', op: 'eq', value: '' };
  if ('not' in c) return firstPredicate(c.not);
  return c;
}

/**
 * Picks the destination for a lead: enabled rules in priority order (lower first, id as tie-break),
 * scoped to the lead's source; the first rule that matches and has an eligible destination wins.
 * This distribution is "first eligible destination"; weighted and round-robin come later.
 */
export function evaluateRules(
  lead: LeadFields,
  sourceWorkspaceId: string,
  rules: RoutingRule[],
  isEligible: (workspaceId: string) => boolean,
): RoutingDecision {
  const ordered = rules
    .filter((r) => r.enabled && (r.sourceWorkspaceId === null || r.sourceWorkspaceId === sourceWorkspaceId))
    .sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  const trace: RuleTrace[] = [];
  for (const rule of ordered) {
    const entry: RuleTrace = { ruleId: rule.id, ruleName: rule.name, priority: rule.priority, version: rule.version, matched: false };
    trace.push(entry);
    const miss = firstMiss(lead, rule.conditions);
    if (miss) {
      entry.failedAt = { path: miss.path, field: miss.predicate.field, op: miss.predicate.op };
      continue;
    }
    entry.matched = true;
    const destination = rule.destinations.find((d) => isEligible(d.workspaceId));
    if (!destination) {
      entry.noEligibleDestination = true;
      continue;
    }
    return { kind: 'matched', ruleId: rule.id, ruleVersion: rule.version, destinationWorkspaceId: destination.workspaceId, trace };
  }
  return { kind: 'no_match', trace };
}
