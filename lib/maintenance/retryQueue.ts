import type { Db } from '../db/createDb';
import type { RoutingStatus } from '../store/leads';
import { DEFAULT_REDRIVE_CONCURRENCY, mapLimit } from './concurrency';
import { redriveMany, type BatchOutcome, type LeadRef, type RedriveDeps, type RedriveOutcome } from './redrive';

/** Where a pass stopped in the due rows, (next_retry_at, id) order; next_retry_at as Postgres text (µs exact). */
export interface RetryQueueCursor {
  nextRetryAt: string;
  id: string;
}

export interface RetryQueueReport {
  /** Due ledger rows taken by this pass (locked by it, so no concurrent pass saw them). */
  scanned: number;
  /** Pending leads with no due ledger row and no workflow start (see ORPHANS_SQL) found by this pass. */
  orphans: number;
  /** Leads for which a new workflow run was started (ledger rows and orphans). */
  redriven: number;
  /** Leads whose workflow is running: their rows are left for it (it marks them when its retry starts). */
  running: number;
  /** Leads already routed / failed / expired: their rows are marked processed, nothing else happens. */
  finished: number;
  /** Leads whose re-drive threw (e.g. Temporal unreachable): their rows stay due for the next pass. */
  errors: number;
  /** Set when the pass took `limit` rows: more may be due after this point. */
  next: RetryQueueCursor | null;
}

export interface ProcessDueRetriesOptions {
  /** Ledger rows per pass (and orphans per pass). */
  limit: number;
  /** Temporal calls in flight (describe + start per lead). */
  concurrency?: number;
  /** Continue after this cursor (a processor looping over a long due list makes progress past running rows). */
  after?: RetryQueueCursor | null;
  /** Also look for orphaned pending leads (default true). */
  orphans?: boolean;
  /** A pending lead younger than this is still being started by the API (default 60 s). */
  orphanAgeSeconds?: number;
  /** Replaces the per-lead re-drive (tests use it to hold a pass open); receives the batch transaction. */
  redrive?: (lead: LeadRef, trx: Db) => Promise<RedriveOutcome>;
  onError?: (leadId: string, err: unknown) => void;
}

interface DueRow {
  queue_id: string;
  lead_id: string;
  source_workspace_id: string;
  routing_status: RoutingStatus;
  next_retry_at: string;
}

// Due ledger rows, oldest first, over the partial index lead_routing_queue_due (next_retry_at WHERE
// processed_at IS NULL). FOR UPDATE OF q SKIP LOCKED: rows another processor holds are skipped, never
// waited for and never taken twice. The lead is read in the same query (not locked: the workflow may
// need it right now).
const DUE_SQL = `
  SELECT q.id::text AS queue_id, q.lead_id, l.source_workspace_id, l.routing_status, q.next_retry_at::text AS next_retry_at
    FROM lead_routing_queue q
    JOIN leads l ON l.id = q.lead_id
   WHERE q.processed_at IS NULL
     AND q.next_retry_at <= now()
     AND (?::timestamptz IS NULL OR (q.next_retry_at, q.id) > (?::timestamptz, ?::bigint))
   ORDER BY q.next_retry_at, q.id
   LIMIT ?
   FOR UPDATE OF q SKIP LOCKED`;

// Orphans: leads admitted (leads.admitted_at set, migration 0011) whose workflow is gone or never started
// (a crash between the claim and the start, a run terminated by hand). Leads still in the admission backlog
// (admitted_at NULL) are admission control's: its starter loop starts them as room frees, in order; re-driving
// them here would start them past the in-flight bound. One admitted less than the age ago is still being
// started (a lead that waited in the backlog is as young as its admission). `pending`, older than the API's
// own start, not expired, with no unprocessed ledger row (those are the ledger's, above, or a processor's holding them) and none processed within the same
// age (a lead just re-driven from the ledger is its new run's, not an orphan). The partial index leads_expiry
// (expires_at WHERE routing_status IN ('pending','routing')) holds only undecided leads, a small set
// however large the table grows: an index range scan from now() on expires_at, in index order, with a LIMIT;
// the NOT EXISTS probe uses the (lead_id, attempt_number) unique index of lead_routing_queue.
// Pending leads whose workflow is running (a worker outage) come back every pass and are answered `running`
// by Temporal; they leave `pending` as soon as workers run again.
const ORPHANS_SQL = `
  SELECT l.id AS lead_id, l.source_workspace_id, l.routing_status
    FROM leads l
   WHERE l.routing_status IN ('pending')
     AND l.admitted_at < now() - make_interval(secs => ?)
     AND l.expires_at > now()
     AND l.created_at < now() - make_interval(secs => ?)
     AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q
                      WHERE q.lead_id = l.id
                        AND (q.processed_at IS NULL OR q.processed_at > now() - make_interval(secs => ?)))
   ORDER BY l.expires_at
   LIMIT ?`;

/**
 * One pass of the retry-queue processor (the scheduled replacement of processLeadRoutingRetryQueue):
 * in one transaction, takes up to `limit` due ledger rows with FOR UPDATE SKIP LOCKED, re-drives each lead
 * whose workflow is gone (crashed, terminated, from before a deploy), marks the rows of re-driven and
 * finished leads processed, and leaves rows whose workflow is running to it. Orphaned pending leads are
 * re-driven too. Two passes running at once never take the same row.
 */
export async function processDueRetries(deps: RedriveDeps, options: ProcessDueRetriesOptions): Promise<RetryQueueReport> {
  const { limit, concurrency = DEFAULT_REDRIVE_CONCURRENCY, after = null, orphans = true, orphanAgeSeconds = 60 } = options;
  const report: RetryQueueReport = { scanned: 0, orphans: 0, redriven: 0, running: 0, finished: 0, errors: 0, next: null };

  const count = (outcome: BatchOutcome) => {
    if (outcome === 'started') report.redriven += 1;
    else if (outcome === 'running') report.running += 1;
    else if (outcome === 'finished' || outcome === 'not_found') report.finished += 1;
    else report.errors += 1;
  };
  const redrive = async (leads: LeadRef[], db: Db): Promise<BatchOutcome[]> => {
    const hook = options.redrive;
    if (!hook) return redriveMany({ ...deps, db }, leads, { concurrency, onError: options.onError });
    return mapLimit(leads, concurrency, (lead) => hook(lead, db).catch((err: unknown): BatchOutcome => {
      options.onError?.(lead.id, err);
      return 'error';
    }));
  };

  // The ledger rows: locked from the SELECT until the commit that marks them, Temporal calls included
  // (see scripts/bench/retryQueue.ts for how long a batch takes). The re-drive's one lead query goes
  // through the same transaction: no extra pool connection.
  await deps.db.transaction(async (trx) => {
    const { rows: due } = await trx.raw<{ rows: DueRow[] }>(DUE_SQL, [after?.nextRetryAt ?? null, after?.nextRetryAt ?? null, after?.id ?? null, limit]);
    report.scanned = due.length;
    const last = due[due.length - 1];
    if (last && due.length === limit) report.next = { nextRetryAt: last.next_retry_at, id: last.queue_id };

    // A lead may have several due rows (one per attempt): one re-drive, all its rows follow the outcome.
    const leads = new Map<string, { lead: LeadRef; queueIds: string[] }>();
    for (const r of due) {
      const entry = leads.get(r.lead_id) ?? { lead: { id: r.lead_id, sourceWorkspaceId: r.source_workspace_id, status: r.routing_status }, queueIds: [] };
      entry.queueIds.push(r.queue_id);
      leads.set(r.lead_id, entry);
    }
    const entries = [...leads.values()];
    const outcomes = await redrive(entries.map((e) => e.lead), trx);
    const done: string[] = [];
    outcomes.forEach((outcome, i) => {
      count(outcome);
      if (outcome === 'started' || outcome === 'finished' || outcome === 'not_found') done.push(...entries[i]!.queueIds);
    });
    if (done.length > 0) await trx('lead_routing_queue').whereIn('id', done).update({ processed_at: trx.fn.now() });
  });

  // Orphans hold no ledger rows, so nothing to lock: two passes finding the same one both ask Temporal,
  // and USE_EXISTING makes that one run.
  if (orphans) {
    const { rows } = await deps.db.raw<{ rows: Array<Omit<DueRow, 'queue_id' | 'next_retry_at'>> }>(ORPHANS_SQL, [orphanAgeSeconds, orphanAgeSeconds, orphanAgeSeconds, limit]);
    report.orphans = rows.length;
    const found = await redrive(rows.map((r) => ({ id: r.lead_id, sourceWorkspaceId: r.source_workspace_id, status: r.routing_status })), deps.db);
    found.forEach(count);
  }
  return report;
}
