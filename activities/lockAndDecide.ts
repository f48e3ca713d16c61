import { releaseCapacity, liveReservation } from '../lib/store/capacity';
import { createRulesCache } from '../lib/store/rulesCache';
import { elapsedMs } from '../lib/telemetry/metrics';
import type { LockAndDecideInput, LockAndDecideOutput } from '../workflows/routeLead.types';
import { recordLockTaken, takeRoutingLock } from './acquireRoutingLock';
import { decideForOwner } from './decideRouting';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/**
 * One routing attempt's database half, in ONE transaction (issue 10 §1): take (or re-enter) the routing lock,
 * give back the reservation of a buyer that just rejected the lead, then decide (dedupe, rules,
 * distribution, capacity: lib/routing/decide.ts). Runs as a local activity in the workflow's one task.
 *
 * Safe to re-run (an LA retry, or a whole workflow task replayed after a worker crash): the owner re-enters
 * its lock, a committed decision is found again through its live reservation, and the release only touches
 * the rejected buyer's reservation. Metrics go out after the commit, so a rolled-back attempt counts nothing:
 * routing.lock.* as acquireRoutingLock sends them, routing.rules.latency for the decision alone.
 */
export function makeLockAndDecide(deps: ActivityDeps) {
  const { db, config, metrics } = deps;
  const loadRules = createRulesCache();
  return async function lockAndDecide({ leadId, excludeDestinations, releaseRejected }: LockAndDecideInput): Promise<LockAndDecideOutput> {
    const owner = currentLockOwner();
    let decideMs = 0;
    const { lock, decision } = await db.transaction(async (trx) => {
      const lock = await takeRoutingLock(deps, trx, leadId, owner);
      if (lock.outcome === 'not_routable') return { lock, decision: undefined };
      if (releaseRejected !== undefined && (await liveReservation(trx, leadId))?.workspaceId === releaseRejected) {
        await releaseCapacity(trx, leadId, 'rejected_by_buyer');
      }
      const startedAt = performance.now();
      const decision = await decideForOwner(trx, { leadId, owner, excludeDestinations, config, loadRules });
      decideMs = elapsedMs(startedAt);
      return { lock, decision };
    });
    recordLockTaken(deps, leadId, lock);
    const deliveryTimeoutMs = config.DELIVERY_TIMEOUT_MS;
    if (!decision) return { lock, deliveryTimeoutMs, kind: 'not_routable' };
    metrics.distribution('routing.rules.latency', decideMs, { decision: decision.kind });
    return { lock, deliveryTimeoutMs, ...decision };
  };
}
