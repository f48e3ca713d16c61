import type { Db } from '../db/createDb';
import type { RoutingRule } from '../rules/types';
import { activeRules } from './rules';

/**
 * The active rules, kept in memory between decisions and reloaded only when they change. Every statement
 * that writes routing_rules raises routing_rules_revision (migrations/0018_rules_revision.ts, in the
 * writer's transaction), so the revision is a complete fingerprint that costs one row read whatever the
 * number of rules (issue 10; the count(*), sum(version) it replaces scanned every rule for every lead).
 * Keeping the same rule objects also lets the rule compiler's cache hit by identity (scripts/bench/rules.ts:
 * p95 0.8 ms per lead for 1,000 rules with reused objects, 3.2 ms when every decision parsed fresh ones).
 */
export interface RulesLoader {
  (db: Db, fingerprint?: string): Promise<RoutingRule[]>;
  /**
   * The fingerprint of the rules held now, undefined before the first load: for a caller that evaluates the held
   * rules without reading the fingerprint and has the database check it instead (lock_and_decide()'s
   * p_rules_revision, revisionOf()).
   */
  current(): string | undefined;
}

/** The fingerprint as one column `fingerprint` ('r<revision>'), for a query to read along with other data. */
export const RULES_FINGERPRINT_SQL = "SELECT 'r' || revision::text AS fingerprint FROM routing_rules_revision";

/** `fingerprint`: one the caller read in its own query (lib/store/routing.ts readLeadForDecision); else read here. */
export function createRulesCache(): RulesLoader {
  let cached: { fingerprint: string; rules: RoutingRule[] } | undefined;
  const load = async (db: Db, known?: string) => {
    const fingerprint = known ?? ((await db.raw(RULES_FINGERPRINT_SQL)).rows[0].fingerprint as string);
    if (cached?.fingerprint !== fingerprint) cached = { fingerprint, rules: await activeRules(db) };
    return cached.rules;
  };
  return Object.assign(load, { current: () => cached?.fingerprint });
}

/** The routing_rules_revision a fingerprint ('r<revision>') stands for. */
export function revisionOf(fingerprint: string): number {
  const revision = Number(fingerprint.slice(1));
  if (!fingerprint.startsWith('r') || !Number.isSafeInteger(revision)) throw new Error(`not a rules fingerprint: ${fingerprint}`);
  return revision;
}
