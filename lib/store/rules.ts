import { normalizeConditionValues } from '../rules/normalize';
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

/** A rule as the admin API shows it: `deletedAt` is null for a live rule, the soft delete's time otherwise. */
export type AdminRule = ReturnType<typeof toRule> & { deletedAt: string | null };

// Only the admin answers carry deletedAt: activeRules() (the routing path) keeps its rule shape.
const toAdminRule = (r: Row): AdminRule => ({ ...toRule(r), deletedAt: r.deleted_at ? new Date(r.deleted_at as string).toISOString() : null });

/** Options of the admin reads: a deleted rule is left out unless asked for. */
export interface RuleReadOptions {
  includeDeleted?: boolean;
}

export async function insertRule(db: Db, rule: NewRule): Promise<AdminRule> {
  const [row] = await db('routing_rules')
    .insert(toColumns(rule))
    .returning('*');
  return toAdminRule(row as Row);
}

/** Rules in evaluation order (priority, then id); deleted ones only with `includeDeleted`. */
export async function listRules(db: Db, { includeDeleted = false }: RuleReadOptions = {}): Promise<AdminRule[]> {
  const q = db('routing_rules').select('*').orderBy('priority').orderBy('id');
  if (!includeDeleted) q.whereNull('deleted_at');
  return (await q).map(toAdminRule);
}

/**
 * One rule by id; a deleted one only with `includeDeleted` (its versions stay readable: leads' decision
 * traces name them). undefined when there is no such rule.
 */
export async function getRule(db: Db, id: string, { includeDeleted = false }: RuleReadOptions = {}): Promise<AdminRule | undefined> {
  const q = db('routing_rules').select('*').where({ id });
  if (!includeDeleted) q.whereNull('deleted_at');
  const row = await q.first();
  return row ? toAdminRule(row) : undefined;
}

/** Replaces a live rule's definition; the database trigger bumps its version and keeps the old one. A deleted rule is not updated (undefined). */
export async function updateRule(db: Db, id: string, rule: NewRule): Promise<AdminRule | undefined> {
  const [row] = await db('routing_rules')
    .where({ id })
    .whereNull('deleted_at')
    .update(toColumns(rule))
    .returning('*');
  return row ? toAdminRule(row as Row) : undefined;
}

/** Soft delete: leads keep pointing at the rule (and version) that routed them. */
export async function deleteRule(db: Db, id: string): Promise<boolean> {
  const n = await db('routing_rules').where({ id }).whereNull('deleted_at').update({ deleted_at: db.fn.now(), enabled: false });
  return n > 0;
}

/** One stored definition of a rule: `definition` is the routing_rules row as it was (snake_case columns). */
export interface RuleVersion {
  version: number;
  definition: unknown;
  createdAt: string;
}

const toVersion = (r: Row): RuleVersion => ({ version: r.version as number, definition: r.definition, createdAt: new Date(r.created_at as string).toISOString() });

/** Every version of a rule, oldest first, deleted rule or not (a soft delete is itself the last version). */
export async function ruleVersions(db: Db, id: string): Promise<RuleVersion[]> {
  const rows = await db('routing_rule_versions').select('version', 'definition', 'created_at').where({ rule_id: id }).orderBy('version');
  return rows.map(toVersion);
}

/** The version of a rule a lead's decision names (leads.matched_rule_version), or undefined. */
export async function ruleVersion(db: Db, id: string, version: number): Promise<RuleVersion | undefined> {
  const row = await db('routing_rule_versions').select('version', 'definition', 'created_at').where({ rule_id: id, version }).first();
  return row ? toVersion(row) : undefined;
}

/**
 * Every enabled rule, in evaluation order (lib/rules applicableRules() narrows them to a source), as routing
 * evaluates it: its condition values in the form a rule is written in now (lib/rules/normalize.ts). A rule
 * stored before email and phone were compared in canonical form (session 9) keeps its meaning without being
 * saved again: `email eq "Jane@X.com"` is compared as "jane@x.com", `phone eq "+1 415 734 0132"` as
 * "+14157340132". (A national phone value, which has no country to be read in, stays as written and matches
 * nothing, as it is refused on write.) Canonical values are unchanged by it; the admin API shows rules as stored.
 */
export async function activeRules(db: Db): Promise<RoutingRule[]> {
  const rows = await db('routing_rules').select('*').where({ enabled: true }).whereNull('deleted_at').orderBy('priority').orderBy('id');
  return rows.map((row) => {
    const rule = toRule(row);
    return { ...rule, conditions: normalizeConditionValues(rule.conditions) as Condition };
  });
}
