import { ApplicationFailure } from '@temporalio/activity';
import type { Decision } from '../lib/routing/decide';
import { createRulesCache } from '../lib/store/rulesCache';
import { elapsedMs } from '../lib/telemetry/metrics';
import { NonRetryable } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { decideUnderLock } from './lockAndDecide';
import { currentLockOwner } from './lockOwner';

/**
 * The decide activity of runs started before the one-workflow-task shape (routeAttempt.ts is the current one):
 * dedupe, rules, distribution and capacity (lib/routing/decide.ts), for the lock owner only (checked in the
 * same statement: else a non-retryable LockLost). Retrying it is safe: a decision that committed is found
 * again through its live reservation.
 */
export function makeDecideRouting(deps: ActivityDeps) {
  const loadRules = createRulesCache();
  return async function decideRouting({ leadId, excludeDestinations }: { leadId: string; excludeDestinations: string[] }): Promise<Decision> {
    const startedAt = performance.now();
    const owner = currentLockOwner();
    const { decision } = await decideUnderLock(deps, { leadId, owner, takeLock: false, excludeDestinations, loadRules });
    if (!decision) throw ApplicationFailure.nonRetryable(`lead ${leadId} is not locked by ${owner}`, NonRetryable.LockLost);
    deps.metrics.distribution('routing.rules.latency', elapsedMs(startedAt), { decision: decision.kind });
    return decision;
  };
}
