/** Routing rule definitions (DESIGN §6). Pure data: shared by the API, activities and tests. */

export const OPERATORS = ['eq', 'in'] as const;
export type Operator = (typeof OPERATORS)[number];

export type Scalar = string | number | boolean;

export interface Predicate {
  field: string;
  op: Operator;
  value: Scalar | Scalar[];
}

export type Condition = Predicate | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const DISTRIBUTIONS = ['priority', 'weighted', 'round_robin'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface RuleDestination {
  workspaceId: string;
  weight?: number;
}

export interface RoutingRule {
  id: string;
  name: string;
  priority: number;
  /** Only leads from this source match; null means every source. */
  sourceWorkspaceId: string | null;
  conditions: Condition;
  destinations: RuleDestination[];
  distribution: Distribution;
  enabled: boolean;
  version: number;
}

/** What a rule is evaluated against: the lead's routable fields (never its hashed identity). */
export type LeadFields = Record<string, unknown>;

/** Why one rule did or did not win; stored with the lead so every decision can be explained. */
export interface RuleTrace {
  ruleId: string;
  ruleName: string;
  priority: number;
  version: number;
  matched: boolean;
  /** Path of the first failing predicate, e.g. "conditions.all[1]" with its field and operator. */
  failedAt?: { path: string; field: string; op: Operator };
  /** Set when the rule matched but none of its destinations could take the lead. */
  noEligibleDestination?: boolean;
}

export type RoutingDecision =
  | { kind: 'matched'; ruleId: string; ruleVersion: number; destinationWorkspaceId: string; trace: RuleTrace[] }
  | { kind: 'no_match'; trace: RuleTrace[] };
