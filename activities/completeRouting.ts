import { ApplicationFailure } from '@temporalio/activity';
import * as routing from '../lib/store/routing';
import { NonRetryable, type CompleteRoutingInput, type RouteLeadOutcome } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { elapsedMs, type Metrics } from '../lib/telemetry/metrics';
import { currentLockOwner } from './lockOwner';

/**
 * The completion's metrics: the audit row (routing.logs.*), the lead's final decision (routing.leads_routed),
 * and, for a routed lead, its end-to-end latency routed_at - created_at (routing.latency, the SLO's), from
 * what complete_routing() returned with the completion.
 */
function recordCompletion(metrics: Metrics, result: string, destination: string | null, lead: routing.CompletionResult['completed']) {
  metrics.increment('routing.logs.total', { result });
  if (result === 'failed') metrics.increment('routing.logs.failed');
  if (!lead) return;
  const source = lead.sourceWorkspaceId;
  metrics.increment('routing.leads_routed', { workspace_id: source, destination_workspace_id: destination ?? undefined, result });
  if (result === 'duplicate') metrics.increment('routing.duplicates_caught', { workspace_id: source });
  if (lead.latencyMs !== null) metrics.distribution('routing.latency', lead.latencyMs, { workspace_id: source, result });
}

/** Writes the outcome through complete_routing(): lead row, lock release and audit row in one transaction. */
export function makeCompleteRouting({ db, log, metrics }: ActivityDeps) {
  return async function completeRouting(input: CompleteRoutingInput): Promise<Omit<RouteLeadOutcome, 'leadId'>> {
    const { leadId, outcome } = input;
    const startedAt = performance.now();
    const done = await routing.completeRouting(db, {
      leadId,
      owner: currentLockOwner(),
      result: outcome.result,
      destinationWorkspaceId: outcome.result === 'success' ? outcome.destinationWorkspaceId : null,
      ruleId: outcome.result === 'success' ? outcome.ruleId : null,
      ruleVersion: outcome.result === 'success' ? outcome.ruleVersion : null,
      duplicateOfLeadId: outcome.result === 'duplicate' ? outcome.duplicateOfLeadId : null,
      errorCode: outcome.result === 'failed' ? outcome.errorCode : null,
      errorMessage: outcome.result === 'failed' ? outcome.errorMessage : null,
      decision: input.trace,
      durationMs: Date.now() - input.attemptStartedAtMs,
    });
    metrics.distribution('routing.complete.latency', elapsedMs(startedAt), { result: outcome.result });
    if (done.outcome === 'lock_lost' || done.outcome === 'not_found') {
      // Someone else owns the lead now (our lock went stale and was taken over): they decide, not us.
      log.warn({ event: 'routing.lock.lost', leadId }, 'routing lock lost before completion');
      throw ApplicationFailure.nonRetryable(`routing lock of lead ${leadId} was lost before completion`, NonRetryable.LockLost);
    }
    if (done.outcome !== 'completed') {
      // already_completed: a re-run of a completion that committed (the workflow task that held its result
      // failed). The lead was counted and logged then; counting it again would skew every rate.
      return { status: done.status, result: done.result, destinationWorkspaceId: done.destinationWorkspaceId };
    }
    const lead = done.completed;
    recordCompletion(metrics, done.result ?? outcome.result, done.destinationWorkspaceId, lead);
    const source = { sourceWorkspaceId: lead?.sourceWorkspaceId };
    if (outcome.result === 'duplicate') {
      log.info({ event: 'routing.duplicate_detected', leadId, duplicateOfLeadId: outcome.duplicateOfLeadId, ...source }, 'duplicate lead');
    }
    // The monitoring spec's routing.complete fields (lib/telemetry/logEvents.ts).
    log.info({
      event: 'routing.complete',
      leadId,
      ...source,
      destinationWorkspaceId: done.destinationWorkspaceId,
      matchedRuleId: outcome.result === 'success' ? outcome.ruleId : null,
      result: done.result,
      isDuplicate: done.result === 'duplicate',
      durationMs: Date.now() - input.attemptStartedAtMs,
      lockOwnerId: currentLockOwner(),
      attempts: lead?.attempts,
    }, 'routing complete');
    return { status: done.status, result: done.result, destinationWorkspaceId: done.destinationWorkspaceId };
  };
}
