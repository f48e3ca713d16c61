import { ActivityFailure, proxyActivities, proxyLocalActivities, sleep, upsertSearchAttributes, type RetryPolicy } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { DestinationWorkspaceId, RoutingAttempts, RoutingStatus, SourceWorkspaceId } from '../lib/temporal/searchAttributes';
import {
  NonRetryable,
  type Decision,
  type DecisionTrace,
  type DeliveryRecord,
  type RouteLeadInput,
  type RouteLeadOutcome,
  type RoutingOutcome,
} from './routeLead.types';

type Activities = ReturnType<typeof createActivities>;

const retry: RetryPolicy = {
  initialInterval: '200 ms',
  backoffCoefficient: 2,
  maximumInterval: '10 s',
  nonRetryableErrorTypes: Object.values(NonRetryable),
};

// The database steps are short transactions, so they run as *local* activities: executed by the worker
// inside the workflow task and recorded as markers, without a round trip through the server's task
// queues for each one (measured: lead created -> routed went from ~X ms to ~Y ms; see README).
// The lock may be held by a run that crashed: keep retrying past the stale threshold (5 min default).
const { acquireRoutingLock } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 s',
  scheduleToCloseTimeout: '15 minutes',
  retry: { ...retry, maximumInterval: '30 s' },
});

const { decideRouting, completeRouting, releaseReservation, deferRouting, expireLead } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 s',
  scheduleToCloseTimeout: '10 minutes',
  retry,
});

// A buyer that answers 5xx or times out is retried with backoff for about five minutes (same
// Idempotency-Key every time); after that the lead goes to the next eligible buyer.
const { deliverToBuyer } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: Object.values(NonRetryable) },
});

/**
 * Routes one lead: lock -> decide (dedupe, rules, distribution, capacity) -> deliver -> complete.
 *  - a buyer that rejects the lead (4xx) gets its capacity back and the next eligible destination is tried;
 *  - when every matching destination is full, the lock is given back and the workflow sleeps (a durable
 *    timer) until the first cap resets, then tries again, until the lead's TTL ends it `expired`.
 * Workflow id `route-lead-<leadId>`; the Postgres lock and complete_routing() make the decision
 * exactly-once even if two runs ever raced. Search attributes follow the lead for the Web UI.
 * No PII passes through here: activities read the lead from Postgres.
 */
export async function routeLead(input: RouteLeadInput): Promise<RouteLeadOutcome> {
  const { leadId } = input;
  upsertSearchAttributes([{ key: RoutingStatus, value: 'routing' }, { key: SourceWorkspaceId, value: input.sourceWorkspaceId }]);
  const rejectedBy: string[] = [];
  const deliveries: DeliveryRecord[] = [];

  for (;;) {
    const attemptStartedAtMs = Date.now(); // workflow time: deterministic on replay
    const lock = await acquireRoutingLock({ leadId });
    upsertSearchAttributes([{ key: RoutingStatus, value: lock.status ?? 'unknown' }, { key: RoutingAttempts, value: lock.attempts }]);
    if (lock.outcome === 'not_routable') {
      // Already decided (e.g. a re-drive of a finished lead): report the state, change nothing.
      return { leadId, status: lock.status, result: null, destinationWorkspaceId: null };
    }

    const decision: Decision = await decideRouting({ leadId, excludeDestinations: rejectedBy });
    const finish = (outcome: RoutingOutcome, trace: DecisionTrace) => complete(leadId, outcome, { ...trace, ...(deliveries.length ? { deliveries } : {}) }, attemptStartedAtMs);

    switch (decision.kind) {
      case 'duplicate':
        return finish({ result: 'duplicate', duplicateOfLeadId: decision.duplicateOfLeadId }, decision.trace);
      case 'no_match':
        return finish(
          rejectedBy.length > 0
            ? { result: 'failed', errorCode: 'no_eligible_destination', errorMessage: 'every eligible destination rejected the lead or could not be reached' }
            : { result: 'failed', errorCode: 'no_matching_rule', errorMessage: 'no enabled rule matched the lead with an eligible destination' },
          decision.trace,
        );
      case 'capped': {
        const wakeAt = Math.min(Date.parse(decision.nextResetAt), Date.parse(decision.expiresAt));
        await deferRouting({ leadId, nextRetryAt: new Date(wakeAt).toISOString(), reason: 'all_destinations_capped' });
        upsertSearchAttributes([{ key: RoutingStatus, value: 'pending' }]);
        await sleep(Math.max(0, wakeAt - Date.now()));
        if (Date.now() >= Date.parse(decision.expiresAt)) {
          const status = await expireLead({ leadId });
          upsertSearchAttributes([{ key: RoutingStatus, value: status ?? 'unknown' }]);
          return { leadId, status, result: null, destinationWorkspaceId: null };
        }
        continue;
      }
      case 'assigned': {
        const delivery = await deliver(leadId, decision.destinationWorkspaceId);
        deliveries.push(delivery);
        if (delivery.outcome === 'accepted' || delivery.outcome === 'not_pushed') {
          const { destinationWorkspaceId, ruleId, ruleVersion } = decision;
          return finish({ result: 'success', destinationWorkspaceId, ruleId, ruleVersion }, decision.trace);
        }
        // The buyer refused it (or never answered): give its capacity back and try the next destination.
        await releaseReservation({ leadId, reason: delivery.outcome === 'rejected' ? 'rejected_by_buyer' : 'delivery_failed' });
        rejectedBy.push(decision.destinationWorkspaceId);
        continue;
      }
    }
  }
}

async function deliver(leadId: string, destinationWorkspaceId: string): Promise<DeliveryRecord> {
  try {
    return await deliverToBuyer({ leadId, destinationWorkspaceId });
  } catch (err) {
    if (err instanceof ActivityFailure) {
      return { workspaceId: destinationWorkspaceId, outcome: 'failed', reason: err.cause?.message ?? err.message };
    }
    throw err;
  }
}

async function complete(leadId: string, outcome: RoutingOutcome, trace: DecisionTrace, attemptStartedAtMs: number): Promise<RouteLeadOutcome> {
  const done = await completeRouting({ leadId, outcome, trace, attemptStartedAtMs });
  upsertSearchAttributes([
    { key: RoutingStatus, value: done.status ?? 'unknown' },
    ...(done.destinationWorkspaceId ? [{ key: DestinationWorkspaceId, value: done.destinationWorkspaceId }] : []),
  ]);
  return { leadId, ...done };
}
