/** Routing rule definitions (DESIGN §6). Pure data: shared by the API, activities and tests. */

export const OPERATORS = [
  'eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'ends_with', 'matches',
  'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'not_exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type Scalar = string | number | boolean;

export interface Predicate {
  field: string;
  op: Operator;
  /** Absent for exists / not_exists; [min, max] for between; a list for in / not_in. */
  value?: Scalar | Scalar[];
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
  /** For a matched rule: each destination considered and why it could or could not take the lead. */
  destinations?: DestinationTrace[];
  /** For the winning rule: the destination chosen and by which distribution. */
  chosen?: { workspaceId: string; distribution: Distribution };
}

export interface DestinationTrace {
  workspaceId: string;
  eligible: boolean;
  /** Why not: disabled (or not a partner), over a cap (which one), or rejected by the buyer earlier. */
  reason?: 'disabled' | 'capped_hourly' | 'capped_daily' | 'capped_monthly' | 'rejected_by_buyer';
}

export type RoutingDecision =
  | { kind: 'matched'; ruleId: string; ruleVersion: number; destinationWorkspaceId: string; trace: RuleTrace[] }
  | { kind: 'no_match'; trace: RuleTrace[] };
