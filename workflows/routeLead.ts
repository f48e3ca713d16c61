import { proxyActivities, upsertSearchAttributes, type RetryPolicy } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { DestinationWorkspaceId, RoutingAttempts, RoutingStatus, SourceWorkspaceId } from '../lib/temporal/searchAttributes';
import { NonRetryable, type RouteLeadInput, type RouteLeadOutcome } from './routeLead.types';

type Activities = ReturnType<typeof createActivities>;

const retry: RetryPolicy = {
  initialInterval: '200 ms',
  backoffCoefficient: 2,
  maximumInterval: '10 s',
  nonRetryableErrorTypes: Object.values(NonRetryable),
};

// The lock may be held by a run that crashed: keep retrying past the stale threshold (5 min default).
const { acquireRoutingLock } = proxyActivities<Activities>({
  startToCloseTimeout: '10 s',
  scheduleToCloseTimeout: '15 minutes',
  retry: { ...retry, maximumInterval: '30 s' },
});

const { evaluateRoutingRules, completeRouting } = proxyActivities<Activities>({
  startToCloseTimeout: '10 s',
  scheduleToCloseTimeout: '5 minutes',
  retry,
});

/**
 * Routes one lead: lock -> evaluate -> complete. Workflow id `route-lead-<leadId>` makes Temporal the
 * idempotency guard for starting; the Postgres lock and complete_routing() make the decision exactly-once
 * even if two runs ever raced. Search attributes follow the lead so operators can find it in the Web UI.
 */
export async function routeLead(input: RouteLeadInput): Promise<RouteLeadOutcome> {
  const attemptStartedAtMs = Date.now(); // workflow time: deterministic on replay
  upsertSearchAttributes([
    { key: RoutingStatus, value: 'routing' },
    { key: SourceWorkspaceId, value: input.sourceWorkspaceId },
  ]);

  const lock = await acquireRoutingLock({ leadId: input.leadId });
  upsertSearchAttributes([{ key: RoutingAttempts, value: lock.attempts }]);
  if (lock.outcome === 'not_routable') {
    // Already decided (e.g. a re-drive of a finished lead): report the state, change nothing.
    upsertSearchAttributes([{ key: RoutingStatus, value: lock.status ?? 'unknown' }]);
    return { leadId: input.leadId, status: lock.status, result: null, destinationWorkspaceId: null };
  }

  const decision = await evaluateRoutingRules({ leadId: input.leadId });
  const done = await completeRouting({ leadId: input.leadId, decision, attemptStartedAtMs });

  upsertSearchAttributes([
    { key: RoutingStatus, value: done.status ?? 'unknown' },
    ...(done.destinationWorkspaceId ? [{ key: DestinationWorkspaceId, value: done.destinationWorkspaceId }] : []),
  ]);
  return { leadId: input.leadId, ...done };
}
