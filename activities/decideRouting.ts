import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { decide, type Decision } from '../lib/routing/decide';
import { lockLeadForDecision } from '../lib/store/routing';
import { createRulesCache, type RulesLoader } from '../lib/store/rulesCache';
import { elapsedMs } from '../lib/telemetry/metrics';
import { NonRetryable } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/**
 * The decide activity of runs started before the one-workflow-task shape (lockAndDecide.ts is the new one):
 * dedupe, rules, distribution and capacity in one transaction (lib/routing/decide.ts), for the lock owner
 * only. Retrying it is safe: a decision that committed is found again through its live reservation.
 */
export function makeDecideRouting({ db, config, metrics }: ActivityDeps) {
  const loadRules = createRulesCache();
  return async function decideRouting({ leadId, excludeDestinations }: { leadId: string; excludeDestinations: string[] }): Promise<Decision> {
    const startedAt = performance.now();
    const decision = await db.transaction((trx) => decideForOwner(trx, { leadId, owner: currentLockOwner(), excludeDestinations, config, loadRules }));
    metrics.distribution('routing.rules.latency', elapsedMs(startedAt), { decision: decision.kind });
    return decision;
  };
}

/**
 * The decision for a lead inside the caller's transaction `trx`, provided `owner` holds its routing lock
 * (else a non-retryable LockLost). Writes only the decision's claims, reservation and counters.
 */
export async function decideForOwner(
  trx: Knex.Transaction,
  { leadId, owner, excludeDestinations, config, loadRules }: {
    leadId: string;
    owner: string;
    excludeDestinations: string[];
    config: Pick<ActivityDeps['config'], 'ROUTING_RETRY_BASE_SECONDS' | 'ROUTING_RETRY_MAX_SECONDS' | 'DEDUPE_WINDOW_DAYS'>;
    loadRules: RulesLoader;
  },
): Promise<Decision> {
  const lead = await lockLeadForDecision(trx, leadId, owner);
  if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} is not locked by ${owner}`, NonRetryable.LockLost);
  // An original is usually decided within a second: look again after 2 s (or the retry base, if shorter:
  // tests run a fast retry clock), backing off like a retry.
  const originalWait = { baseSeconds: Math.min(config.ROUTING_RETRY_BASE_SECONDS, 2), maxSeconds: config.ROUTING_RETRY_MAX_SECONDS };
  return decide(trx, lead, { excludeDestinations, dedupeWindowDays: config.DEDUPE_WINDOW_DAYS, loadRules, originalWait });
}
