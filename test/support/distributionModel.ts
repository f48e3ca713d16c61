import type { Distribution, RuleDestination } from '../../lib/rules/types';

/**
 * The reference model of decide_routing()'s destination order (migrations/0013_decide_function.ts does it in
 * SQL; decideInOneCall.test.ts checks it lead by lead against this). The order in which a rule's destinations are tried.
 *  - priority: as listed (first eligible wins).
 *  - weighted: the destination furthest below its share goes first: smallest (assigned + 1) / weight.
 *    Deterministic and exact (each destination stays within one lead of its share), unlike a random
 *    draw whose 1,000-lead splits wander by several percent.
 *  - round_robin: weighted with equal weights, so the assignments stay exactly even.
 * Ties keep the listed order. `assigned` are the rule's counts so far.
 */
export function destinationOrder(
  distribution: Distribution,
  destinations: RuleDestination[],
  assigned: ReadonlyMap<string, number>,
): RuleDestination[] {
  if (distribution === 'priority') return destinations;
  const weight = (d: RuleDestination) => (distribution === 'round_robin' ? 1 : d.weight ?? 1);
  const score = (d: RuleDestination) => ((assigned.get(d.workspaceId) ?? 0) + 1) / weight(d);
  return destinations
    .map((d, index) => ({ d, index, score: score(d) }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .map((x) => x.d);
}
