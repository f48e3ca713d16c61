import type { Db } from '../db/createDb';
import type { Condition, Distribution, RoutingRule, RuleDestination } from '../rules/types';

export interface NewRule {
  name: string;
  priority: number;
  sourceWorkspaceId: string | null;
  conditions: Condition;
  destinations: RuleDestination[];
  distribution: Distribution;
  enabled: boolean;
}

type Row = Record<string, unknown>;

function toRule(r: Row): RoutingRule & { createdAt: string; updatedAt: string } {
  return {
    id: r.id as string,
    name: r.name as string,
    priority: r.priority as number,
    sourceWorkspaceId: (r.source_workspace_id as string | null) ?? null,
    conditions: r.conditions as Condition,
    destinations: r.destinations as RuleDestination[],
    distribution: r.distribution as Distribution,
    enabled: r.enabled as boolean,
    version: r.version as number,
    createdAt: new Date(r.created_at as string).toISOString(),
    updatedAt: new Date(r.updated_at as string).toISOString(),
  };
}

const toColumns = (rule: NewRule) => ({
  name: rule.name,
  priority: rule.priority,
  source_workspace_id: rule.sourceWorkspaceId,
  conditions: JSON.stringify(rule.conditions),
  destinations: JSON.stringify(rule.destinations),
  distribution: rule.distribution,
  enabled: rule.enabled,
});

export async function insertRule(db: Db, rule: NewRule) {
  const [row] = await db('routing_rules')
    .insert(toColumns(rule))
    .returning('*');
  return toRule(row as Row);
}

export async function listRules(db: Db) {
  return (await db('routing_rules').select('*').whereNull('deleted_at').orderBy('priority').orderBy('id')).map(toRule);
}

export async function getRule(db: Db, id: string) {
  const row = await db('routing_rules').select('*').where({ id }).whereNull('deleted_at').first();
  return row ? toRule(row) : undefined;
}

/** Replaces a rule's definition; the database trigger bumps its version and keeps the old one. */
export async function updateRule(db: Db, id: string, rule: NewRule) {
  const [row] = await db('routing_rules')
    .where({ id })
    .whereNull('deleted_at')
    .update(toColumns(rule))
    .returning('*');
  return row ? toRule(row as Row) : undefined;
}

/** Soft delete: leads keep pointing at the rule (and version) that routed them. */
export async function deleteRule(db: Db, id: string): Promise<boolean> {
  const n = await db('routing_rules').where({ id }).whereNull('deleted_at').update({ deleted_at: db.fn.now(), enabled: false });
  return n > 0;
}

export async function ruleVersions(db: Db, id: string) {
  const rows = await db('routing_rule_versions').select('version', 'definition', 'created_at').where({ rule_id: id }).orderBy('version');
  return rows.map((r: Row) => ({ version: r.version as number, definition: r.definition, createdAt: new Date(r.created_at as string).toISOString() }));
}

/** Every enabled rule, in evaluation order (lib/rules applicableRules() narrows them to a source). */
export async function activeRules(db: Db): Promise<RoutingRule[]> {
  const rows = await db('routing_rules').select('*').where({ enabled: true }).whereNull('deleted_at').orderBy('priority').orderBy('id');
  return rows.map(toRule);
}
