import { ApplicationFailure } from '@temporalio/activity';
import * as routing from '../lib/store/routing';
import { NonRetryable, type AcquireLockOutput } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

export function makeAcquireRoutingLock({ db, config, log }: ActivityDeps) {
  return async function acquireRoutingLock({ leadId }: { leadId: string }): Promise<AcquireLockOutput> {
    const owner = currentLockOwner();
    const lock = await routing.acquireRoutingLock(db, leadId, owner, config.ROUTING_LOCK_STALE_SECONDS);
    switch (lock.outcome) {
      case 'acquired':
      case 'reentered':
      case 'taken_over_stale':
        if (lock.outcome === 'taken_over_stale') log.warn({ event: 'routing.lock.taken_over', leadId }, 'took over a stale routing lock');
        await routing.markRetryStarted(db, leadId); // a retry that was waiting in the ledger starts now
        return { outcome: lock.outcome, status: lock.status, attempts: lock.attempts ?? 0 };
      case 'not_routable':
        return { outcome: 'not_routable', status: lock.status, attempts: lock.attempts ?? 0 };
      case 'held_by_other':
        log.info({ event: 'routing.lock.failed', leadId }, 'routing lock held by another owner');
        // Retryable: the retry policy waits; once the holder's lock is stale, we take it over.
        throw ApplicationFailure.retryable(`routing lock of lead ${leadId} is held by another owner`, 'LockHeld');
      case 'not_found':
        throw ApplicationFailure.nonRetryable(`lead ${leadId} does not exist`, NonRetryable.LeadNotFound);
    }
  };
}
