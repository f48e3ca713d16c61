import { ApplicationFailure } from '@temporalio/activity';
import type { Decision } from '../lib/routing/decide';
import { serializeError } from '../lib/logger';
import { traceStep } from '../lib/telemetry/temporalTracing';
import { NonRetryable, noDestinationOutcome, waitOf, type DeliveryRecord, type RouteAttemptInput, type RouteAttemptOutput, type RoutingOutcome } from '../workflows/routeLead.types';
import { makeCompleteRouting } from './completeRouting';
import { makeDeliveryStep } from './deliverToBuyer';
import type { ActivityDeps } from './deps';
import { makeLockAndDecideStep } from './lockAndDecide';

/**
 * One routing attempt as ONE local activity (issue 10; workflows/routeLead.ts ONE_ACTIVITY_PER_ATTEMPT): lock
 * + decide (lockAndDecide.ts), deliver to the chosen buyer (deliverToBuyer.ts), complete (completeRouting.ts),
 * the same steps and rules the workflow used to sequence as three local activities. Per lead the worker then
 * runs one activity and two workflow activations instead of three and four, and the history records one marker.
 *
 * A buyer's answer is an outcome, never an error: a rejection (4xx, or a misconfigured buyer) answers `again`
 * (the workflow tries the next destination, giving the reservation back in that decision); a retryable failure
 * (5xx, timeout, network, an error reading what to deliver) answers `retry`. A completion that fails (the
 * database went away while the buyer answered) answers `complete`: the workflow writes it through the
 * completeRouting activity, retried on its own (for up to 10 minutes: an outage longer than that makes the
 * attempt a failed one, and the next attempt delivers again, with the same Idempotency-Key). Errors are the lock's and
 * the decision's: a retryable LockHeld or database error is retried by the activity's retry policy (the whole
 * attempt: the owner re-enters its lock and finds its committed decision; nothing was delivered yet);
 * LockLost and LeadNotFound are non-retryable.
 */
export function makeRouteAttempt(deps: ActivityDeps) {
  // Each step in a span of its own (traceStep), as when they were activities: the trace shows which one took the time.
  const step = <A, R, K>(name: string, fn: (args: A, known?: K) => Promise<R>, tagged?: (result: R) => unknown) =>
    (args: A, known?: K) => traceStep(name, args, () => fn(args, known), tagged);
  const lockAndDecide = step('lockAndDecide', makeLockAndDecideStep(deps), (r) => r.output); // never `delivery`: a secret
  const deliverToBuyer = step('deliverToBuyer', makeDeliveryStep(deps));
  const completeRouting = step('completeRouting', makeCompleteRouting(deps));
  return async function routeAttempt(input: RouteAttemptInput): Promise<RouteAttemptOutput> {
    const { leadId } = input;
    // `delivery`: the chosen buyer's target and the lead's payload, read with the decision (never returned).
    const { output: decided, delivery: known } = await lockAndDecide({ leadId, excludeDestinations: input.excludeDestinations, releaseRejected: input.releaseRejected });
    const { lock, deliveryTimeoutMs } = decided;
    if (decided.kind === 'not_routable') {
      // Already decided (a re-drive of a finished lead): report the state, change nothing.
      return { lock, deliveryTimeoutMs, kind: 'done', outcome: { leadId, status: lock.status, result: null, destinationWorkspaceId: null } };
    }
    const complete = async (outcome: RoutingOutcome, delivery?: DeliveryRecord): Promise<RouteAttemptOutput> => {
      const deliveries = delivery ? [...input.deliveries, delivery] : input.deliveries;
      const trace = { ...decided.trace, ...(deliveries.length ? { deliveries } : {}) };
      const completion = { leadId, outcome, trace, attemptStartedAtMs: input.attemptStartedAtMs };
      let done;
      try {
        done = await completeRouting(completion);
      } catch (err) {
        if (err instanceof ApplicationFailure && err.nonRetryable) throw err; // LockLost: another run owns the lead now
        // Retried by the workflow on its own (completeRouting's retry policy): re-running this whole attempt
        // would ask the buyer again.
        // What failed, as the logs show a database error (its SQLSTATE, never its text: that quotes the statement's values).
        const shown = serializeError(err) as { message?: unknown; code?: unknown } | undefined;
        const error = typeof shown?.message === 'string' ? shown.message : typeof shown?.code === 'string' ? shown.code : 'completion failed';
        return { lock, deliveryTimeoutMs, kind: 'complete', completion, error, ...(delivery ? { delivery } : {}) };
      }
      return {
        lock, deliveryTimeoutMs, kind: 'done', outcome: { leadId, ...done }, ...(delivery ? { delivery } : {}),
        ...(done.destinationWorkspaceId ? { destinationWorkspaceId: done.destinationWorkspaceId } : {}),
      };
    };
    const decision: Decision = decided;
    switch (decision.kind) {
      case 'duplicate':
        return complete({ result: 'duplicate', duplicateOfLeadId: decision.duplicateOfLeadId });
      case 'no_match':
        return complete(noDestinationOutcome(input.excludeDestinations.length > 0));
      case 'capped':
      case 'original_in_flight':
        return { lock, deliveryTimeoutMs, kind: 'retry', ...waitOf(decision), trace: decision.trace };
      case 'assigned': {
        const destination = decision.destinationWorkspaceId;
        const delivery = await deliver(() => deliverToBuyer({ leadId, destinationWorkspaceId: destination }, known), destination);
        const tags = { lock, deliveryTimeoutMs, delivery, destinationWorkspaceId: destination, trace: decision.trace };
        if (delivery.outcome === 'accepted' || delivery.outcome === 'not_pushed') {
          return complete({ result: 'success', destinationWorkspaceId: destination, ruleId: decision.ruleId, ruleVersion: decision.ruleVersion }, delivery);
        }
        if (delivery.outcome === 'failed') return { ...tags, kind: 'retry', at: null, reason: `delivery_failed: ${delivery.reason ?? 'unknown'}` };
        return { ...tags, kind: 'again', rejectedBy: destination };
      }
    }
  };
}

/**
 * One delivery attempt as an outcome: a misconfigured buyer (no signing secret, a URL fetch refuses, not a
 * partner) counts as a rejection; any other failure (5xx, 408/429, timeout, network, a database error reading
 * what to deliver) as `failed`, retried later. A lead that does not exist is thrown (the run ends).
 */
async function deliver(attempt: () => Promise<DeliveryRecord>, destinationWorkspaceId: string): Promise<DeliveryRecord> {
  try {
    return await attempt();
  } catch (err) {
    const type = err instanceof ApplicationFailure ? err.type : undefined;
    if (type === NonRetryable.LeadNotFound) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    // The buyer's HTTP status when it answered (deliverToBuyer puts it in the failure's details): a failed (5xx)
    // record shows it as a rejected one does.
    const detail: unknown = err instanceof ApplicationFailure ? err.details?.[0] : undefined;
    const status = typeof detail === 'object' && detail !== null && typeof (detail as { status?: unknown }).status === 'number' ? (detail as { status: number }).status : undefined;
    return { workspaceId: destinationWorkspaceId, outcome: type === NonRetryable.InvalidConfiguration ? 'rejected' : 'failed', ...(status === undefined ? {} : { status }), reason };
  }
}
