import {
  ActivityFailure,
  ApplicationFailure,
  TemporalFailure,
  condition,
  defineSignal,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { createActivities } from '../activities';
import { DestinationWorkspaceId, RoutingAttempts, RoutingStatus, SourceWorkspaceId } from '../lib/temporal/searchAttributes';
import {
  NonRetryable,
  noDestinationOutcome,
  waitOf,
  ONE_ACTIVITY_PER_ATTEMPT,
  ONE_WORKFLOW_TASK,
  RETRY_NOW_SIGNAL,
  type DecisionTrace,
  type Decision,
  type DeliveryRecord,
  type LockAndDecideOutput,
  type RouteAttemptOutput,
  type RouteLeadInput,
  type RouteLeadOutcome,
  type RoutingOutcome,
} from './routeLead.types';

type Activities = ReturnType<typeof createActivities>;

export const retryNowSignal = defineSignal(RETRY_NOW_SIGNAL);

/** Patch id: search attributes upserted only when they change (2 upserts per routed lead instead of 3). */
const SEARCH_ATTRIBUTES_ON_CHANGE = 'search-attributes-on-change';

const retry: RetryPolicy = {
  initialInterval: '200 ms',
  backoffCoefficient: 2,
  maximumInterval: '10 s',
  nonRetryableErrorTypes: Object.values(NonRetryable),
};

// The database steps are short transactions, so they run as *local* activities: executed by the worker
// inside the workflow task and recorded as markers, without a round trip through the server's task
// queues for each one. The lock may be held by a run that crashed: keep retrying past the stale
// threshold (5 min default).
const { acquireRoutingLock } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 s',
  scheduleToCloseTimeout: '15 minutes',
  retry: { ...retry, maximumInterval: '30 s' },
});

const { decideRouting, completeRouting, releaseReservation, scheduleRetry, expireLead } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 s',
  scheduleToCloseTimeout: '10 minutes',
  retry,
});

// Lock + decision (runs started with ONE_WORKFLOW_TASK; lock_and_decide(): one statement). The lock may be held by a run that crashed: keep retrying past the
// stale threshold (5 min default), as acquireRoutingLock did.
const { lockAndDecide } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 s',
  scheduleToCloseTimeout: '15 minutes',
  retry: { ...retry, maximumInterval: '30 s' },
});

// One delivery attempt per routing attempt: a buyer that answers 5xx or times out makes the *routing
// attempt* fail, which is then retried with capped exponential backoff through the retry ledger
// (lead_routing_queue), with the same Idempotency-Key every time.
// Runs started before ONE_WORKFLOW_TASK deliver as a regular activity: the heartbeat lets a crashed
// worker's attempt be detected in seconds rather than at the start-to-close timeout.
const { deliverToBuyer } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 s',
  retry: { maximumAttempts: 1 },
});

/**
 * New runs deliver as a local activity, inside the workflow task: no activity task and no second workflow
 * task (issue 10: the dev server's cost per lead). Bounded by the worker's buyer timeout (DELIVERY_TIMEOUT_MS,
 * which covers the whole HTTP exchange) plus a margin for the two primary-key reads before the POST. A
 * crashed worker is noticed at the workflow task timeout; the next worker runs the task again, and the buyer
 * sees the same Idempotency-Key. Past 80 % of the workflow task timeout the SDK heartbeats the task (an
 * extra, empty workflow task per 8 s of a slow buyer), so slow buyers up to the 120 s maximum work.
 */
const DELIVERY_MARGIN_MS = 5_000;
const DELIVERY_TIMEOUT_FALLBACK_MS = 120_000; // lib/config.ts's maximum DELIVERY_TIMEOUT_MS
const deliverLocally = (buyerTimeoutMs: number) =>
  proxyLocalActivities<Activities>({
    startToCloseTimeout: (Number.isFinite(buyerTimeoutMs) && buyerTimeoutMs > 0 ? buyerTimeoutMs : DELIVERY_TIMEOUT_FALLBACK_MS) + DELIVERY_MARGIN_MS,
    retry: { maximumAttempts: 1 },
  }).deliverToBuyer;

/**
 * Runs started with ONE_ACTIVITY_PER_ATTEMPT: the whole attempt (lock + decide, deliver, complete) is one local
 * activity, bounded by the buyer timeout plus a margin for its database steps. The worker's buyer timeout
 * (DELIVERY_TIMEOUT_MS) comes back with each attempt; the first attempt assumes the largest one allowed.
 * Retried like the lock (its retryable failures are the lock's and the database's): a lock held by a run that
 * crashed is taken over once stale (5 min default).
 */
const ATTEMPT_DATABASE_MARGIN_MS = 30_000;
const routeAttemptWithin = (buyerTimeoutMs: number) =>
  proxyLocalActivities<Activities>({
    startToCloseTimeout: (Number.isFinite(buyerTimeoutMs) && buyerTimeoutMs > 0 ? buyerTimeoutMs : DELIVERY_TIMEOUT_FALLBACK_MS) + ATTEMPT_DATABASE_MARGIN_MS,
    scheduleToCloseTimeout: '15 minutes',
    retry: { ...retry, maximumInterval: '30 s' },
  }).routeAttempt;

/** What one routing attempt leads to. */
type Next =
  | { kind: 'done'; outcome: RouteLeadOutcome }
  | { kind: 'again' } // at once: a buyer rejected the lead, or the lock changed hands
  | { kind: 'retry'; at: string | null; reason: string }; // later: at a known time, or after a backoff

interface Attempt {
  /** A run started before SEARCH_ATTRIBUTES_ON_CHANGE replays the commands it recorded then. */
  legacySearchAttributes: boolean;
  leadId: string;
  sourceWorkspaceId: string;
  startedAtMs: number;
  rejectedBy: string[];
  /** One-task runs: the buyer that just rejected the lead, whose reservation the next decision gives back. */
  releaseRejected?: string;
  /** One-activity runs: the worker's buyer timeout, as the last attempt reported it. */
  deliveryTimeoutMs?: number;
  deliveries: DeliveryRecord[];
  trace: DecisionTrace;
}

/**
 * Routes one lead: lock -> decide (dedupe, rules, distribution, capacity) -> deliver -> complete.
 *  - a buyer that rejects the lead (4xx) gets its capacity back and the next eligible destination is tried;
 *  - a failed attempt (buyer 5xx / timeout, every destination full, an outage) gives the lock back, is
 *    written to the retry ledger and waits on a durable timer; ROUTING_MAX_ATTEMPTS ends it `failed`, the
 *    lead's TTL ends it `expired`.
 * Each attempt is ONE local activity (activities/routeAttempt.ts). Workflow id `route-lead-<leadId>`; the
 * Postgres lock and complete_routing() make the decision exactly-once even if two runs ever raced. Search
 * attributes follow the lead for the Web UI. No PII passes through here: activities read the lead from Postgres.
 *
 * The workflow type every run is started as since ROUTE_LEAD_WORKFLOW_TYPE (routeLead.types.ts) was introduced:
 * the shape of routeLead's newest patch, as a type of its own so that a run records no patch marker. A patch
 * costs each run a marker and the SDK's `TemporalChangeVersion` search-attribute upsert: one more visibility
 * write on the Temporal server per lead (issue 10: ~0.7 of ~13 ms of the dev server's CPU per lead, measured as
 * an A/B of the two shapes in one process). The next change to this shape goes behind patched() here.
 */
export async function routeLeadV2(input: RouteLeadInput): Promise<RouteLeadOutcome> {
  return route(input, { oneActivity: true, oneTask: true, legacySearchAttributes: false });
}

/**
 * The workflow type of runs started before routeLeadV2: kept, unchanged, for those still in flight (a lead waits
 * for retries up to LEAD_TTL_DAYS); no new run is started as it. They replay the commands they recorded: a run
 * whose history has the ONE_ACTIVITY_PER_ATTEMPT marker takes routeLeadV2's path, older ones their own shapes
 * (test/integration/replay.test.ts, histories v1-v4).
 */
export async function routeLead(input: RouteLeadInput): Promise<RouteLeadOutcome> {
  // Runs in flight at a deploy replay the commands they recorded: a run whose history has no ONE_WORKFLOW_TASK
  // marker keeps the older shape. New runs recorded that one marker only (it implies search attributes on
  // change); runs from before SEARCH_ATTRIBUTES_ON_CHANGE (an upsert first, then one per step) replay those.
  // Newest first: a run records only the marker of the shape it takes (each implies the ones before it).
  const oneActivity = patched(ONE_ACTIVITY_PER_ATTEMPT);
  const oneTask = oneActivity || patched(ONE_WORKFLOW_TASK);
  const legacySearchAttributes = !oneTask && !patched(SEARCH_ATTRIBUTES_ON_CHANGE);
  return route(input, { oneActivity, oneTask, legacySearchAttributes });
}

/** Which of the recorded shapes a run takes (routeLead's patches). */
interface Shape {
  /** ONE_ACTIVITY_PER_ATTEMPT: each attempt one local activity. */
  oneActivity: boolean;
  /** ONE_WORKFLOW_TASK (implied by oneActivity): the attempt in one workflow task of local activities. */
  oneTask: boolean;
  /** Runs from before SEARCH_ATTRIBUTES_ON_CHANGE: an upsert first, then one per step. */
  legacySearchAttributes: boolean;
}

async function route(input: RouteLeadInput, { oneActivity, oneTask, legacySearchAttributes }: Shape): Promise<RouteLeadOutcome> {
  const { leadId } = input;
  if (legacySearchAttributes) upsertSearchAttributes([{ key: RoutingStatus, value: 'routing' }, { key: SourceWorkspaceId, value: input.sourceWorkspaceId }]);
  const state: Attempt = { legacySearchAttributes, leadId, sourceWorkspaceId: input.sourceWorkspaceId, startedAtMs: Date.now(), rejectedBy: [], deliveries: [], trace: { rules: [] } };
  let retryNow = false;
  setHandler(retryNowSignal, () => {
    retryNow = true;
  });

  for (;;) {
    state.startedAtMs = Date.now(); // workflow time: deterministic on replay
    retryNow = false; // a retryNow from here on shortens the wait after this attempt, if there is one
    let next: Next;
    try {
      next = await (oneActivity ? attemptInOneActivity(state) : oneTask ? attemptInOneTask(state) : attemptRouting(state));
    } catch (err) {
      const failed = failureType(err, oneTask);
      if (failed === NonRetryable.LockLost) continue; // someone else holds the lock now: wait for it
      if (failed === NonRetryable.LeadNotFound) throw err;
      next = { kind: 'retry', at: null, reason: `error: ${failureMessage(err)}` }; // an activity gave up (an outage)
    }
    if (next.kind === 'done') return next.outcome;
    if (next.kind === 'again') continue;

    let scheduled;
    try {
      scheduled = await scheduleRetry({ leadId, at: next.at, reason: next.reason });
    } catch {
      await sleep('1 minute'); // the database itself is unreachable: the ledger cannot be written yet
      continue;
    }
    if (!scheduled.scheduled) {
      if (scheduled.why === 'lock_lost') continue;
      return complete(state, { result: 'failed', errorCode: 'retries_exhausted', errorMessage: `gave up after ${scheduled.failures} failed attempts: ${next.reason}` });
    }
    show(state, [{ key: RoutingStatus, value: 'pending' }]);
    // A durable timer that a retryNow signal (sent since this attempt started) cuts short.
    await condition(() => retryNow, Math.max(1, Date.parse(scheduled.nextRetryAt) - Date.now()));
    if (Date.now() >= Date.parse(scheduled.expiresAt)) {
      const status = await expireLead({ leadId });
      show(state, [{ key: RoutingStatus, value: status ?? 'unknown' }]);
      return { leadId, status, result: null, destinationWorkspaceId: null };
    }
  }
}

/** One routing attempt of a run started before ONE_WORKFLOW_TASK: lock, decide, deliver (regular activity). */
async function attemptRouting(state: Attempt): Promise<Next> {
  const { leadId } = state;
  const lock = await acquireRoutingLock({ leadId });
  showLock(state, lock);
  if (lock.outcome === 'not_routable') {
    // Already decided (a re-drive of a finished lead): report the state, change nothing.
    return { kind: 'done', outcome: { leadId, status: lock.status, result: null, destinationWorkspaceId: null } };
  }
  const decision = await decideRouting({ leadId, excludeDestinations: state.rejectedBy });
  return afterDecision(state, decision, {
    deliver: (destination) => deliver(() => deliverToBuyer({ leadId, destinationWorkspaceId: destination }), destination, false),
    rejected: async () => {
      await releaseReservation({ leadId, reason: 'rejected_by_buyer' });
    },
  });
}

/**
 * One routing attempt of a run started with ONE_WORKFLOW_TASK: lock + decide (one local activity), deliver
 * (local activity), complete (local activity). A rejection's capacity goes back in the next decision.
 */
async function attemptInOneTask(state: Attempt): Promise<Next> {
  const { leadId } = state;
  const decided: LockAndDecideOutput = await lockAndDecide({ leadId, excludeDestinations: state.rejectedBy, releaseRejected: state.releaseRejected });
  state.releaseRejected = undefined; // given back in that transaction
  showLock(state, decided.lock);
  if (decided.kind === 'not_routable') {
    return { kind: 'done', outcome: { leadId, status: decided.lock.status, result: null, destinationWorkspaceId: null } };
  }
  const { lock: _lock, deliveryTimeoutMs, ...decision } = decided;
  const deliverToBuyerLocally = deliverLocally(deliveryTimeoutMs);
  return afterDecision(state, decision, {
    deliver: (destination) => deliver(() => deliverToBuyerLocally({ leadId, destinationWorkspaceId: destination }), destination, true),
    rejected: async (destination) => {
      state.releaseRejected = destination;
    },
  });
}

/** One routing attempt as one local activity (ONE_ACTIVITY_PER_ATTEMPT): the steps run in activities/routeAttempt.ts. */
async function attemptInOneActivity(state: Attempt): Promise<Next> {
  const { leadId } = state;
  const out: RouteAttemptOutput = await routeAttemptWithin(state.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_FALLBACK_MS)({
    leadId, excludeDestinations: state.rejectedBy, releaseRejected: state.releaseRejected, deliveries: state.deliveries, attemptStartedAtMs: state.startedAtMs,
  });
  state.releaseRejected = undefined; // given back in that attempt's decision
  state.deliveryTimeoutMs = out.deliveryTimeoutMs;
  if (out.delivery) state.deliveries.push(out.delivery);
  let next: Next;
  switch (out.kind) {
    case 'done':
      next = { kind: 'done', outcome: out.outcome };
      break;
    case 'complete': {
      // The buyer answered but the outcome could not be written: completeRouting retries it on its own.
      const done = await completeRouting(out.completion);
      next = { kind: 'done', outcome: { leadId, ...done } };
      break;
    }
    case 'again':
      state.trace = out.trace;
      state.rejectedBy.push(out.rejectedBy);
      state.releaseRejected = out.rejectedBy;
      next = { kind: 'again' };
      break;
    case 'retry':
      state.trace = out.trace; // the run may end on it: retries exhausted
      next = { kind: 'retry', at: out.at, reason: out.reason };
      break;
  }
  // One upsert per attempt: the source is set when the run starts (lib/temporal/startRouteLead.ts).
  const finished = next.kind === 'done' ? next.outcome : undefined;
  show(state, [
    { key: RoutingStatus, value: (finished ? finished.status : out.lock.status) ?? 'unknown' },
    { key: RoutingAttempts, value: out.lock.attempts },
    ...(finished?.destinationWorkspaceId ? [{ key: DestinationWorkspaceId, value: finished.destinationWorkspaceId }] : []),
  ]);
  return next;
}

/** The lock's state in the search attributes. The first attempt's lock is taken inside the run's first workflow task, so the source shows from the start. */
function showLock(state: Attempt, lock: { status: string | null; attempts: number }): void {
  show(state, [
    { key: RoutingStatus, value: lock.status ?? 'unknown' },
    ...(state.legacySearchAttributes ? [] : [{ key: SourceWorkspaceId, value: state.sourceWorkspaceId }]),
    { key: RoutingAttempts, value: lock.attempts },
  ]);
}

/** What a decision leads to: complete, wait, or deliver to the chosen buyer and act on its answer. */
async function afterDecision(
  state: Attempt,
  decision: Decision,
  steps: { deliver: (destination: string) => Promise<DeliveryRecord>; rejected: (destination: string) => Promise<void> },
): Promise<Next> {
  state.trace = decision.trace;
  switch (decision.kind) {
    case 'duplicate':
      return { kind: 'done', outcome: await complete(state, { result: 'duplicate', duplicateOfLeadId: decision.duplicateOfLeadId }) };
    case 'no_match':
      return { kind: 'done', outcome: await complete(state, noDestinationOutcome(state.rejectedBy.length > 0)) };
    case 'capped':
    case 'original_in_flight':
      return { kind: 'retry', ...waitOf(decision) };
    case 'assigned': {
      const delivery = await steps.deliver(decision.destinationWorkspaceId);
      state.deliveries.push(delivery);
      if (delivery.outcome === 'accepted' || delivery.outcome === 'not_pushed') {
        const { destinationWorkspaceId, ruleId, ruleVersion } = decision;
        return { kind: 'done', outcome: await complete(state, { result: 'success', destinationWorkspaceId, ruleId, ruleVersion }) };
      }
      if (delivery.outcome === 'failed') return { kind: 'retry', at: null, reason: `delivery_failed: ${delivery.reason ?? 'unknown'}` };
      // Rejected by the buyer (or the buyer is misconfigured): give its capacity back, try the next one.
      await steps.rejected(decision.destinationWorkspaceId);
      state.rejectedBy.push(decision.destinationWorkspaceId);
      return { kind: 'again' };
    }
  }
}

/** One delivery attempt. A retryable failure is an outcome here; a misconfigured buyer counts as a rejection. */
async function deliver(attempt: () => Promise<DeliveryRecord>, destinationWorkspaceId: string, local: boolean): Promise<DeliveryRecord> {
  try {
    return await attempt();
  } catch (err) {
    if (!(err instanceof (local ? TemporalFailure : ActivityFailure))) throw err;
    const reason = failureMessage(err);
    if (failureType(err, local) === NonRetryable.InvalidConfiguration) return { workspaceId: destinationWorkspaceId, outcome: 'rejected', reason };
    return { workspaceId: destinationWorkspaceId, outcome: 'failed', reason };
  }
}

async function complete(state: Attempt, outcome: RoutingOutcome): Promise<RouteLeadOutcome> {
  const trace = { ...state.trace, ...(state.deliveries.length ? { deliveries: state.deliveries } : {}) };
  const done = await completeRouting({ leadId: state.leadId, outcome, trace, attemptStartedAtMs: state.startedAtMs });
  show(state, [
    { key: RoutingStatus, value: done.status ?? 'unknown' },
    ...(done.destinationWorkspaceId ? [{ key: DestinationWorkspaceId, value: done.destinationWorkspaceId }] : []),
  ]);
  return { leadId: state.leadId, ...done };
}

/**
 * Upserts only the search attributes whose value changes: each upsert is a history event and a visibility
 * write on the server (under load the server, not the worker, is the bottleneck). workflowInfo() reflects
 * this run's earlier upserts.
 */
function show(state: Attempt, pairs: SearchAttributeUpdatePair[]): void {
  if (state.legacySearchAttributes) return upsertSearchAttributes(pairs);
  const current = workflowInfo().typedSearchAttributes;
  const changed = pairs.filter((pair) => current.get(pair.key) !== pair.value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

/**
 * The type of the ApplicationFailure an activity ended with. A regular activity's failure arrives wrapped in
 * an ActivityFailure; a local activity's arrives as thrown (SDK 1.24: an ApplicationFailure, a TimeoutFailure).
 * Runs started before ONE_WORKFLOW_TASK recognised only the wrapped form, also for their local activities,
 * and must keep doing so on replay (`unwrapped` false): a failed lock or completion was retried through the
 * ledger, where scheduleRetry answered lock_lost.
 */
function failureType(err: unknown, unwrapped: boolean): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : unwrapped ? err : undefined;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
