import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/createDb';
import { DEFAULT_REDRIVE_CONCURRENCY, mapLimit } from './concurrency';
import type { RoutingStatus } from '../store/leads';
import { startRouteLead } from '../temporal/startRouteLead';
import { RETRY_NOW_SIGNAL, routeLeadWorkflowId } from '../../workflows/routeLead.types';

/** What a re-drive needs: the database (or a transaction), a Temporal client, the routing task queue. */
export interface RedriveDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/**
 * - started:   no live workflow owned the lead, a new run of route-lead-<id> was started;
 * - running:   its workflow is running and owns it (a sleeping retry, a worker that will come back): left alone;
 * - finished:  the lead is routed / failed / expired: never touched;
 * - not_found: no such lead.
 */
export type RedriveOutcome = 'started' | 'running' | 'finished' | 'not_found';

/**
 * The admin retry: like a re-drive, but a `failed` lead is reset first, a final lead is refused, and a
 * running workflow is told to retry now (`signalled`: it wakes from its wait for a backoff or a cap reset).
 */
export type RetryOutcome = 'started' | 'signalled' | 'not_found' | 'already_final' | 'past_ttl';

export interface LeadRef {
  id: string;
  sourceWorkspaceId: string;
  status: RoutingStatus;
}

const FINISHED: ReadonlySet<RoutingStatus> = new Set(['routed', 'failed', 'expired']);
export const isFinishedStatus = (status: RoutingStatus) => FINISHED.has(status);

async function readLead(db: Db, leadId: string): Promise<(LeadRef & { pastTtl: boolean }) | undefined> {
  const row = await db('leads')
    .select('id', 'source_workspace_id', 'routing_status', db.raw('expires_at <= now() AS past_ttl'))
    .where({ id: leadId })
    .first();
  return row ? { id: row.id, sourceWorkspaceId: row.source_workspace_id, status: row.routing_status, pastTtl: row.past_ttl } : undefined;
}

/** Whether route-lead-<leadId> has a RUNNING execution (its latest run). */
export async function isWorkflowRunning(temporal: Client, leadId: string): Promise<boolean> {
  try {
    const description = await temporal.workflow.getHandle(routeLeadWorkflowId(leadId)).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Re-drives a lead whose state is already known (read by the caller, e.g. in the retry-queue batch query).
 * Order matters: the workflow is described *before* the lead is read again, so a run that finishes the
 * lead between the two calls is seen as `finished`, not re-driven.
 */
export async function redriveKnownLead(deps: RedriveDeps, lead: LeadRef): Promise<RedriveOutcome> {
  if (isFinishedStatus(lead.status)) return 'finished';
  if (await isWorkflowRunning(deps.temporal, lead.id)) return 'running';
  const current = await readLead(deps.db, lead.id);
  if (!current) return 'not_found';
  if (isFinishedStatus(current.status)) return 'finished';
  // Not found, terminated, failed, timed out, or completed without deciding: a new run. USE_EXISTING still
  // applies, so a run started by someone else in the meantime is joined, not duplicated; and the routing
  // lock + complete_routing() keep the decision exactly-once whatever happens.
  await startRouteLead(deps.temporal, deps.taskQueue, { id: current.id, sourceWorkspaceId: current.sourceWorkspaceId }, 'allow');
  return 'started';
}

export type BatchOutcome = RedriveOutcome | 'error';

/**
 * redriveKnownLead for a batch, in three steps so the database sees one query, however large the batch:
 * describe every workflow (`concurrency` Temporal calls in flight), re-read the leads whose workflow is not
 * running in one query (through `deps.db`, which may be the caller's transaction: never two queries at once
 * on it), start a run for those still undecided. A lead whose Temporal call throws is 'error' (reported
 * through onError); the others go on.
 */
export async function redriveMany(
  deps: RedriveDeps,
  leads: readonly LeadRef[],
  { concurrency = DEFAULT_REDRIVE_CONCURRENCY, onError }: { concurrency?: number; onError?: (leadId: string, err: unknown) => void } = {},
): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = leads.map((l) => (isFinishedStatus(l.status) ? 'finished' : 'error'));
  const fail = (i: number, err: unknown) => {
    onError?.(leads[i]!.id, err);
    outcomes[i] = 'error';
  };
  const notRunning: number[] = [];
  await mapLimit(leads, concurrency, async (lead, i) => {
    if (outcomes[i] === 'finished') return;
    try {
      if (await isWorkflowRunning(deps.temporal, lead.id)) outcomes[i] = 'running';
      else notRunning.push(i);
    } catch (err) {
      fail(i, err);
    }
  });
  if (notRunning.length === 0) return outcomes;

  const rows: Array<{ id: string; source_workspace_id: string; routing_status: RoutingStatus }> = await deps.db('leads')
    .select('id', 'source_workspace_id', 'routing_status')
    .whereIn('id', notRunning.map((i) => leads[i]!.id));
  const current = new Map(rows.map((r) => [r.id, r]));
  await mapLimit(notRunning, concurrency, async (i) => {
    const row = current.get(leads[i]!.id);
    if (!row) outcomes[i] = 'not_found';
    else if (isFinishedStatus(row.routing_status)) outcomes[i] = 'finished';
    else {
      try {
        await startRouteLead(deps.temporal, deps.taskQueue, { id: row.id, sourceWorkspaceId: row.source_workspace_id }, 'allow');
        outcomes[i] = 'started';
      } catch (err) {
        fail(i, err);
      }
    }
  });
  return outcomes;
}

/** Re-drives one lead by id (the retry-queue processor, the stale-lock sweeper, an operator). */
export async function redriveLead(deps: RedriveDeps, leadId: string): Promise<RedriveOutcome> {
  const lead = await readLead(deps.db, leadId);
  if (!lead) return 'not_found';
  return redriveKnownLead(deps, lead);
}

/**
 * The admin "retry this lead": a `failed` lead is reset to `pending` (its result and decision cleared,
 * `last_error` kept as the reason of the previous attempt; the failed decision stays in lead_routing_logs;
 * its earlier failed attempts stop counting against ROUTING_MAX_ATTEMPTS, so it gets a fresh set) and
 * re-driven; a lead whose workflow is running is woken (retryNow signal); routed and expired leads are final.
 * A failed lead past its TTL is not revived (it would only be expired again).
 */
export async function retryFailedLead(deps: RedriveDeps, leadId: string): Promise<RetryOutcome> {
  // A few rounds at most: the lead can change state under us (e.g. failed by a run that was just finishing).
  for (let round = 0; round < 3; round++) {
    const lead = await readLead(deps.db, leadId);
    if (!lead) return 'not_found';
    if (lead.status === 'routed' || lead.status === 'expired') return 'already_final';
    const wasFailed = lead.status === 'failed';
    if (wasFailed) {
      if (lead.pastTtl) return 'past_ttl';
      if (!(await resetFailedLead(deps.db, leadId))) continue; // changed meanwhile: look again
    }
    const outcome = await redriveKnownLead(deps, { ...lead, status: 'pending' });
    if (outcome === 'finished') continue; // decided between our read and the start: report what it became
    if (outcome === 'running') {
      // A run still open on a lead that WAS failed is the run that failed it, returning right now: a signal
      // would be lost (it does not loop back after its decision). Let it close, then start a new run.
      if (wasFailed && (await waitForClose(deps, leadId, CLOSING_RUN_WAIT_MS))) {
        await startRouteLead(deps.temporal, deps.taskQueue, { id: lead.id, sourceWorkspaceId: lead.sourceWorkspaceId }, 'allow');
        return 'started';
      }
      if (await signalRetryNow(deps, leadId)) return 'signalled';
      continue; // it closed between the describe and the signal: look at the lead again
    }
    return outcome;
  }
  throw new Error(`lead ${leadId} kept changing state while being retried; try again`);
}

async function resetFailedLead(db: Db, leadId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const reset = await trx('leads')
      .where({ id: leadId, routing_status: 'failed' })
      .update({ routing_status: 'pending', routing_result: null, matched_rule_id: null, matched_rule_version: null, decision: null })
      .returning('id');
    if (reset.length === 0) return false;
    await trx('lead_routing_queue').where({ lead_id: leadId }).update({ counts_toward_max_attempts: false });
    return true;
  });
}

/** How long an operator's retry waits for the run that just failed a lead to close (it is returning). */
const CLOSING_RUN_WAIT_MS = 10_000;

/** Whether route-lead-<leadId>'s current run closed within `ms` (its result, success or failure, is ignored). */
async function waitForClose(deps: RedriveDeps, leadId: string, ms: number): Promise<boolean> {
  const handle = deps.temporal.workflow.getHandle(routeLeadWorkflowId(leadId));
  await deps.temporal.withAbortSignal(AbortSignal.timeout(ms), () => handle.result()).catch(() => undefined);
  return !(await isWorkflowRunning(deps.temporal, leadId));
}

/** False when the workflow is gone (closed between the caller's describe and this signal). */
async function signalRetryNow(deps: RedriveDeps, leadId: string): Promise<boolean> {
  try {
    await deps.temporal.workflow.getHandle(routeLeadWorkflowId(leadId)).signal(RETRY_NOW_SIGNAL);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
