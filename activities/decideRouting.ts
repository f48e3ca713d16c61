import { ApplicationFailure } from '@temporalio/activity';
import { decide, type Decision } from '../lib/routing/decide';
import { lockLeadForDecision } from '../lib/store/routing';
import { createRulesCache } from '../lib/store/rulesCache';
import { elapsedMs } from '../lib/telemetry/metrics';
import { NonRetryable } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/**
 * Dedupe, rules, distribution and capacity in one transaction (lib/routing/decide.ts), for the lock owner
 * only. Retrying it is safe: a decision that committed is found again through its live reservation.
 */
export function makeDecideRouting({ db, config, metrics }: ActivityDeps) {
  const loadRules = createRulesCache();
  return async function decideRouting({ leadId, excludeDestinations }: { leadId: string; excludeDestinations: string[] }): Promise<Decision> {
    const owner = currentLockOwner();
    const startedAt = performance.now();
    const decision = await db.transaction(async (trx) => {
      const lead = await lockLeadForDecision(trx, leadId, owner);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} is not locked by ${owner}`, NonRetryable.LockLost);
      // An original is usually decided within a second: look again after 2 s (or the retry base, if shorter:
      // tests run a fast retry clock), backing off like a retry.
      const originalWait = { baseSeconds: Math.min(config.ROUTING_RETRY_BASE_SECONDS, 2), maxSeconds: config.ROUTING_RETRY_MAX_SECONDS };
      return decide(trx, lead, { excludeDestinations, dedupeWindowDays: config.DEDUPE_WINDOW_DAYS, loadRules, originalWait });
    });
    metrics.distribution('routing.rules.latency', elapsedMs(startedAt), { decision: decision.kind });
    return decision;
  };
}
