import { ApplicationFailure } from '@temporalio/activity';
import * as routing from '../lib/store/routing';
import type { CompleteRoutingInput, RouteLeadOutcome } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/** Writes the decision through complete_routing(): lead row, lock release and audit row in one transaction. */
export function makeCompleteRouting({ db, log }: ActivityDeps) {
  return async function completeRouting(input: CompleteRoutingInput): Promise<Omit<RouteLeadOutcome, 'leadId'>> {
    const { leadId, decision } = input;
    const matched = decision.kind === 'matched';
    const done = await routing.completeRouting(db, {
      leadId,
      owner: currentLockOwner(),
      result: matched ? 'success' : 'failed',
      destinationWorkspaceId: matched ? decision.destinationWorkspaceId : null,
      ruleId: matched ? decision.ruleId : null,
      ruleVersion: matched ? decision.ruleVersion : null,
      duplicateOfLeadId: null,
      errorCode: matched ? null : 'no_matching_rule',
      errorMessage: matched ? null : 'no enabled rule matched the lead with an eligible destination',
      decision: { rules: decision.trace },
      durationMs: Date.now() - input.attemptStartedAtMs,
    });
    if (done.outcome === 'lock_lost' || done.outcome === 'not_found') {
      // Someone else owns the lead now (our lock went stale and was taken over): they decide, not us.
      log.warn({ event: 'routing.lock.lost', leadId }, 'routing lock lost before completion');
      throw ApplicationFailure.nonRetryable(`routing lock of lead ${leadId} was lost before completion`, 'LockLost');
    }
    log.info(
      { event: 'routing.complete', leadId, result: done.result, destinationWorkspaceId: done.destinationWorkspaceId },
      'routing complete',
    );
    return { status: done.status, result: done.result, destinationWorkspaceId: done.destinationWorkspaceId };
  };
}
