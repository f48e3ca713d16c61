import { ApplicationFailure } from '@temporalio/activity';
import * as routing from '../lib/store/routing';
import { NonRetryable, type CompleteRoutingInput, type RouteLeadOutcome } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/** Writes the outcome through complete_routing(): lead row, lock release and audit row in one transaction. */
export function makeCompleteRouting({ db, log }: ActivityDeps) {
  return async function completeRouting(input: CompleteRoutingInput): Promise<Omit<RouteLeadOutcome, 'leadId'>> {
    const { leadId, outcome } = input;
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
    if (done.outcome === 'lock_lost' || done.outcome === 'not_found') {
      // Someone else owns the lead now (our lock went stale and was taken over): they decide, not us.
      log.warn({ event: 'routing.lock.lost', leadId }, 'routing lock lost before completion');
      throw ApplicationFailure.nonRetryable(`routing lock of lead ${leadId} was lost before completion`, NonRetryable.LockLost);
    }
    if (outcome.result === 'duplicate') {
      log.info({ event: 'routing.duplicate_detected', leadId, duplicateOfLeadId: outcome.duplicateOfLeadId }, 'duplicate lead');
    }
    log.info({ event: 'routing.complete', leadId, result: done.result, destinationWorkspaceId: done.destinationWorkspaceId }, 'routing complete');
    return { status: done.status, result: done.result, destinationWorkspaceId: done.destinationWorkspaceId };
  };
}
