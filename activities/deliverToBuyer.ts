import { ApplicationFailure, Context } from '@temporalio/activity';
import { deliverLead } from '../lib/delivery/deliverLead';
import { deliveryContext, type DeliveryContext } from '../lib/store/delivery';
import { NonRetryable, type DeliveryRecord } from '../workflows/routeLead.types';
import type { ActivityDeps } from './deps';

/**
 * `5xx`; `4xx_retryable` for 408 / 429 (the buyer asks us to come back: retried); `4xx` for a rejection
 * (the next buyer is tried; 3xx too: redirects are not followed); `timeout` / `network` when it never answered.
 */
function statusClass(outcome: { status?: number; reason?: string }): string {
  if (outcome.status !== undefined) {
    if (outcome.status >= 500) return '5xx';
    return outcome.status === 408 || outcome.status === 429 ? '4xx_retryable' : '4xx';
  }
  return /timeout/i.test(outcome.reason ?? '') ? 'timeout' : 'network';
}

/**
 * Pushes the lead to the chosen buyer: signed POST with `Idempotency-Key: <leadId>`, waiting at most
 * DELIVERY_TIMEOUT_MS for the whole exchange. Accepted and rejected are answers; a retryable outcome (5xx,
 * 408, 429, timeout, network) is thrown: the workflow makes it a failed routing attempt, retried through the
 * ledger, and the buyer sees the same Idempotency-Key each time (also when a crashed worker's workflow task
 * runs this local activity again). Runs as a local activity for new runs, a regular one for older runs.
 */
export function makeDeliverToBuyer(deps: ActivityDeps) {
  const step = makeDeliveryStep(deps);
  return async function deliverToBuyer(input: { leadId: string; destinationWorkspaceId: string }): Promise<DeliveryRecord> {
    return step(input);
  };
}

/**
 * deliverToBuyer's work; `known`: the target and payload the caller read already (activities/routeAttempt.ts
 * gets them with the decision), else they are read here (lib/store/delivery.ts deliveryContext).
 */
export function makeDeliveryStep({ db, config, log, metrics }: ActivityDeps) {
  return async function deliveryStep({ leadId, destinationWorkspaceId }: { leadId: string; destinationWorkspaceId: string }, known?: DeliveryContext): Promise<DeliveryRecord> {
    // Read here unless the decision brought the buyer's target (it does not for a non-partner: read to say so).
    const { target, payload } = known?.target ? known : await deliveryContext(db, destinationWorkspaceId, leadId);
    if (!target) throw ApplicationFailure.nonRetryable(`destination ${destinationWorkspaceId} is not a partner`, NonRetryable.InvalidConfiguration);
    if (!target.url) return { workspaceId: destinationWorkspaceId, outcome: 'not_pushed' };
    if (!target.secret) throw ApplicationFailure.nonRetryable(`partner ${destinationWorkspaceId} has no signing secret`, NonRetryable.InvalidConfiguration);
    if (!payload) throw ApplicationFailure.nonRetryable(`lead ${leadId} does not exist`, NonRetryable.LeadNotFound);

    let outcome;
    // As a regular activity (runs started before the one-workflow-task shape), heartbeats while the buyer
    // thinks: if this worker dies, Temporal knows within the heartbeat timeout. A local activity cannot
    // heartbeat; its crash detection is the workflow task timeout, and its bound the local activity's timeout.
    const heartbeat = Context.current().info.isLocal ? undefined : setInterval(() => Context.current().heartbeat(), 2_000);
    try {
      // During a signing-secret rotation's overlap the previous secret signs too (lib/store/delivery.ts DeliveryTarget).
      outcome = await deliverLead({ url: target.url, secret: target.secret, previousSecret: target.previousSecret, leadId, payload, timeoutMs: config.DELIVERY_TIMEOUT_MS });
    } catch (err) {
      // deliverLead throws only for what retrying cannot fix (a bad URL, a port fetch refuses ...).
      throw ApplicationFailure.nonRetryable(`cannot deliver to ${destinationWorkspaceId}: ${(err as Error).message}`, NonRetryable.InvalidConfiguration);
    } finally {
      clearInterval(heartbeat);
    }
    const destination = { destination_workspace_id: destinationWorkspaceId };
    metrics.distribution('routing.delivery.latency', outcome.durationMs, { ...destination, outcome: outcome.kind });
    if (outcome.kind !== 'accepted') metrics.increment('routing.delivery.errors', { ...destination, status_class: statusClass(outcome) });
    const fields = { event: 'routing.delivery', leadId, destinationWorkspaceId, outcome: outcome.kind, status: 'status' in outcome ? outcome.status : undefined, durationMs: outcome.durationMs };
    if (outcome.kind === 'retryable') {
      log.warn(fields, 'delivery failed, will retry');
      // The reason names the status already when there is one (`HTTP 503`); a network failure has none. The status
      // also travels as the failure's detail, so the trace's delivery record carries it like a rejection's.
      throw ApplicationFailure.create({ message: outcome.reason, type: 'DeliveryRetryable', details: outcome.status === undefined ? [] : [{ status: outcome.status }] });
    }
    log.info(fields, `delivery ${outcome.kind}`);
    return outcome.kind === 'accepted'
      ? { workspaceId: destinationWorkspaceId, outcome: 'accepted', status: outcome.status }
      : { workspaceId: destinationWorkspaceId, outcome: 'rejected', status: outcome.status, reason: outcome.reason };
  };
}
