// Builders for rule-engine unit tests (shared by the rules*.test.ts files).
import type { Predicate, RoutingDecision, RoutingRule } from '../../lib/rules/types';

export const eq = (field: string, value: Predicate['value']): Predicate => ({ field, op: 'eq', value });
export const isIn = (field: string, value: Predicate['value']): Predicate => ({ field, op: 'in', value });
export const pr = (field: string, op: Predicate['op'], value?: Predicate['value']): Predicate =>
  value === undefined ? { field, op } : { field, op, value };

export function rule(overrides: Partial<RoutingRule> & Pick<RoutingRule, 'id'>): RoutingRule {
  return {
    name: `rule ${overrides.id}`,
    priority: 100,
    sourceWorkspaceId: null,
    conditions: { all: [] },
    destinations: [{ workspaceId: `dest-of-${overrides.id}` }],
    distribution: 'priority',
    enabled: true,
    version: 1,
    ...overrides,
  };
}

export const everyoneEligible = () => true;

export function expectMatched(d: RoutingDecision): Extract<RoutingDecision, { kind: 'matched' }> {
  if (d.kind !== 'matched') throw new Error(`expected a match, got ${JSON.stringify(d)}`);
  return d;
}
