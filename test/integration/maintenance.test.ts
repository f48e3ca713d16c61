import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { makeMaintenanceActivities } from '../../activities/maintenance';
import { expirationDigest, expireDueLeads } from '../../lib/maintenance/expiry';
import { isWorkflowRunning, type RedriveDeps } from '../../lib/maintenance/redrive';
import { processDueRetries, type RetryQueueReport } from '../../lib/maintenance/retryQueue';
import { sweepStaleLocks } from '../../lib/maintenance/staleLocks';
import { createMetrics } from '../../lib/telemetry/metrics';
import { startRouteLead } from '../../lib/temporal/startRouteLead';
import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { createRule, createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * Issue 4 parts 2-4 on the real stack (Postgres + the Temporal dev server + a real worker): the retry-queue
 * processor, the stale-lock sweeper and lead expiry. Lead rows are inserted directly to put them in the
 * states under test; the clock is injected through their timestamps, never by sleeping.
 */
const stack = useTestStack({ worker: false });
let deps: RedriveDeps;
let source: { id: string };
let buyer: { id: string };
let workerStarted = false;

beforeAll(async () => {
  deps = { db: stack.db, temporal: stack.client, taskQueue: stack.config.TEMPORAL_TASK_QUEUE };
  source = await createWorkspace(stack, { name: 'Maintenance source', kind: 'source' });
  buyer = await createWorkspace(stack, { name: 'Maintenance buyer', kind: 'partner' });
  await createRule(stack, { name: 'catch-all', priority: 1, destinations: [{ workspaceId: buyer.id }] });
});

/** The worker starts late on purpose: the first test needs workflows that run without making progress. */
async function ensureWorker() {
  if (workerStarted) return;
  workerStarted = true;
  await stack.startWorker();
}

interface LeadSpec {
  sourceId?: string;
  status?: 'pending' | 'routing' | 'routed';
  /** SQL interval ago, e.g. '91 days' */
  createdAgo?: string;
  /** SQL interval from now (negative: in the past), e.g. '-1 day' */
  expiresIn?: string;
  lockOwner?: string;
  lockedAgo?: string;
  /** Still in the admission backlog (leads.admitted_at NULL): admission control's, not an orphan. */
  backlog?: boolean;
}

/** A lead row straight in the database, in the state a test needs. */
async function insertLead(spec: LeadSpec = {}): Promise<string> {
  const db = stack.db;
  const status = spec.status ?? 'pending';
  const [row] = await db('leads')
    .insert({
      source_workspace_id: spec.sourceId ?? source.id,
      external_id: `maint-${crypto.randomUUID()}`,
      email_hash: crypto.randomBytes(16).toString('hex'),
      payload: { state: 'CA' },
      routing_status: status,
      created_at: db.raw(`now() - ?::interval`, [spec.createdAgo ?? '0 seconds']),
      // Admitted when stored, as every lead before admission control (migration 0011); `backlog` leaves it
      // waiting for admission's starter instead.
      admitted_at: spec.backlog ? null : db.raw(`now() - ?::interval`, [spec.createdAgo ?? '0 seconds']),
      expires_at: db.raw(`now() + ?::interval`, [spec.expiresIn ?? '90 days']),
      ...(status === 'routing'
        ? { routing_lock_owner: spec.lockOwner ?? 'route-lead-x/dead-run', routing_locked_at: db.raw(`now() - ?::interval`, [spec.lockedAgo ?? '10 minutes']), routing_attempts: 1 }
        : {}),
      ...(status === 'routed' ? { routing_result: 'success', destination_workspace_id: buyer.id, routed_at: db.raw('now()') } : {}),
    })
    .returning('id');
  return row.id;
}

/** A retry waiting in the ledger, due since `dueAgo`. */
async function addDueRow(leadId: string, dueAgo = '1 minute', attempt = 1): Promise<string> {
  const [row] = await stack.db('lead_routing_queue')
    .insert({ lead_id: leadId, workspace_id: source.id, attempt_number: attempt, next_retry_at: stack.db.raw('now() - ?::interval', [dueAgo]), last_error: 'all_destinations_capped' })
    .returning('id');
  return String(row.id);
}

const queueRow = (id: string) => stack.db('lead_routing_queue').where({ id }).first();
const leadRow = (id: string) => stack.db('leads').where({ id }).first();
const logRows = (leadId: string) => stack.db('lead_routing_logs').where({ lead_id: leadId });

async function processViaApi(): Promise<Omit<RetryQueueReport, 'next'> & { more: boolean }> {
  const res = await stack.app.inject({ method: 'POST', url: '/api/admin/retry-queue/process', headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function routed(leadId: string) {
  return waitFor(`lead ${leadId} routed`, async () => {
    const row = await leadRow(leadId);
    if (row.routing_status === 'failed' || row.routing_status === 'expired') throw new Error(`lead ended ${row.routing_status}`);
    return row.routing_status === 'routed' ? row : undefined;
  });
}

/** The runs of route-lead-<id> as Temporal's visibility lists them (eventually consistent: wait for `n`). */
async function runsOf(leadId: string, n: number, closed = true) {
  return waitFor(`${n} runs of ${routeLeadWorkflowId(leadId)}`, async () => {
    const runs: Array<{ runId: string; status: string }> = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${routeLeadWorkflowId(leadId)}'` })) runs.push({ runId: wf.runId, status: wf.status.name });
    const settled = !closed || runs.every((r) => r.status !== 'RUNNING');
    return runs.length === n && settled ? runs : undefined;
  });
}

/** A task queue nobody polls: a workflow started there stays RUNNING without making progress. */
const idleQueue = () => `idle-${crypto.randomBytes(6).toString('hex')}`;

describe('retry-queue processor', () => {
  test('a lead whose workflow was terminated by hand is re-driven by a new run and routed; its ledger row is processed', async () => {
    const leadId = await insertLead();
    const queueId = await addDueRow(leadId);

    // Its workflow starts while no worker polls the task queue, so it runs without progress ...
    const first = await startRouteLead(stack.client, stack.config.TEMPORAL_TASK_QUEUE, { id: leadId, sourceWorkspaceId: source.id });
    const firstRun = await first.describe();
    expect(firstRun.status.name).toBe('RUNNING');
    // ... and an operator (or a bad deploy) terminates it: the lead is left waiting in the ledger.
    await stack.client.workflow.getHandle(routeLeadWorkflowId(leadId)).terminate('test: the workflow is gone');
    expect((await leadRow(leadId)).routing_status).toBe('pending');

    await ensureWorker();
    const report = await processViaApi();
    expect(report).toMatchObject({ scanned: 1, redriven: 1, running: 0, errors: 0, more: false });

    const lead = await routed(leadId);
    expect(lead).toMatchObject({ routing_result: 'success', destination_workspace_id: buyer.id });
    expect((await queueRow(queueId)).processed_at).not.toBeNull();
    expect(await logRows(leadId)).toHaveLength(1);
    const runs = await runsOf(leadId, 2);
    expect(runs.map((r) => r.status).sort()).toEqual(['COMPLETED', 'TERMINATED']);
    expect(runs.find((r) => r.status === 'TERMINATED')!.runId).toBe(firstRun.runId);
  });

  test('a due row whose workflow is running is left to that workflow; once that workflow is gone, the lead is re-driven', async () => {
    await ensureWorker();
    const leadId = await insertLead();
    const queueId = await addDueRow(leadId);
    await startRouteLead(stack.client, idleQueue(), { id: leadId, sourceWorkspaceId: source.id });

    const report = await processDueRetries(deps, { limit: 100 });
    expect(report).toMatchObject({ scanned: 1, running: 1, redriven: 0, errors: 0 });
    expect((await queueRow(queueId)).processed_at).toBeNull();
    expect(await isWorkflowRunning(stack.client, leadId)).toBe(true);
    expect((await leadRow(leadId)).routing_status).toBe('pending');

    await stack.client.workflow.getHandle(routeLeadWorkflowId(leadId)).terminate('test: the workflow is gone');
    expect(await processDueRetries(deps, { limit: 100 })).toMatchObject({ scanned: 1, redriven: 1, running: 0 });
    await routed(leadId);
    expect((await queueRow(queueId)).processed_at).not.toBeNull();
    expect(await logRows(leadId)).toHaveLength(1);
  });

  test('a finished lead is never re-driven; its stale ledger rows are just marked processed', async () => {
    const leadId = await insertLead({ status: 'routed' });
    const queueIds = [await addDueRow(leadId, '2 minutes', 1), await addDueRow(leadId, '1 minute', 2)];
    expect(await processDueRetries(deps, { limit: 100 })).toMatchObject({ scanned: 2, finished: 1, redriven: 0 });
    for (const id of queueIds) expect((await queueRow(id)).processed_at).not.toBeNull();
    await expect(stack.client.workflow.getHandle(routeLeadWorkflowId(leadId)).describe()).rejects.toThrow(/not found/i);
  });

  test('two processors running at once never take the same row (FOR UPDATE SKIP LOCKED), and neither waits for the other', async () => {
    const leadIds = await Promise.all(Array.from({ length: 40 }, () => insertLead()));
    for (const id of leadIds) await addDueRow(id);
    const seen: Record<'p1' | 'p2', string[]> = { p1: [], p2: [] };

    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let tookBatch!: () => void;
    const p1HoldsRows = new Promise<void>((r) => { tookBatch = r; });
    // P1 takes its batch and holds it (its transaction stays open) until the gate opens.
    const p1 = processDueRetries(deps, {
      limit: 20, orphans: false,
      redrive: async (lead) => { seen.p1.push(lead.id); tookBatch(); await gate; return 'started'; },
    });
    try {
      await p1HoldsRows;
      // P2 meanwhile works through everything else and finishes while P1 still holds its rows.
      for (;;) {
        const r = await Promise.race([
          processDueRetries(deps, { limit: 20, orphans: false, redrive: async (lead) => { seen.p2.push(lead.id); return 'started'; } }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('P2 waited for rows P1 holds')), 15_000)),
        ]);
        if (r.scanned === 0) break;
      }
    } finally {
      release();
    }
    const r1 = await p1;
    expect(r1.scanned).toBe(20);
    expect(seen.p1).toHaveLength(20);
    expect(seen.p1.filter((id) => seen.p2.includes(id))).toEqual([]);
    const all = [...seen.p1, ...seen.p2];
    expect(new Set(all).size).toBe(all.length); // nobody twice
    expect(leadIds.every((id) => all.includes(id))).toBe(true); // everybody once
    const unprocessed = await stack.db('lead_routing_queue').whereIn('lead_id', leadIds).whereNull('processed_at');
    expect(unprocessed).toEqual([]);
    // These leads never got a workflow (the test's redrive only counted them): remove them.
    await stack.db('lead_routing_queue').whereIn('lead_id', leadIds).delete();
    await stack.db('leads').whereIn('id', leadIds).delete();
  });

  test('two real processors at once: each of 30 due leads gets exactly one new run', async () => {
    const leadIds = await Promise.all(Array.from({ length: 30 }, () => insertLead()));
    for (const id of leadIds) await addDueRow(id);
    const idle = { ...deps, taskQueue: idleQueue() }; // runs stay RUNNING: a second start would show as a second run
    const loop = async () => {
      const total = { scanned: 0, redriven: 0 };
      for (;;) {
        const r = await processDueRetries(idle, { limit: 7, orphans: false });
        total.scanned += r.scanned;
        total.redriven += r.redriven;
        if (r.scanned === 0) return total;
      }
    };
    const [a, b] = await Promise.all([loop(), loop()]);
    expect(a.redriven + b.redriven).toBe(30);
    expect(a.scanned + b.scanned).toBe(30);
    for (const id of leadIds) expect(await runsOf(id, 1, false)).toHaveLength(1);
    await Promise.all(leadIds.map((id) => stack.client.workflow.getHandle(routeLeadWorkflowId(id)).terminate('test cleanup')));
    await stack.db('lead_routing_queue').whereIn('lead_id', leadIds).delete();
    await stack.db('leads').whereIn('id', leadIds).delete();
  });

  test('an orphan (admitted, never started) is re-driven after a minute; a younger pending lead is left to the API, a backlog lead to admission', async () => {
    await ensureWorker();
    const orphan = await insertLead({ createdAgo: '2 minutes' });
    const young = await insertLead({ createdAgo: '10 seconds' });
    const queued = await insertLead({ createdAgo: '2 minutes', backlog: true });
    const report = await processViaApi();
    expect(report).toMatchObject({ orphans: 1, redriven: 1 });
    expect(await isWorkflowRunning(stack.client, queued)).toBe(false); // the starter loop's, in order
    await stack.db('leads').where({ id: queued }).delete();
    await routed(orphan);
    expect(await logRows(orphan)).toHaveLength(1);
    expect(await isWorkflowRunning(stack.client, young)).toBe(false);
    await expect(stack.client.workflow.getHandle(routeLeadWorkflowId(young)).describe()).rejects.toThrow(/not found/i);
    expect((await leadRow(young)).routing_status).toBe('pending');
    await stack.db('leads').where({ id: young }).delete();
  });

  test('the processRetryQueue activity walks past rows left to running workflows until no due row is left', async () => {
    await ensureWorker();
    const idle = idleQueue();
    const running = await Promise.all(Array.from({ length: 5 }, () => insertLead()));
    for (const id of running) {
      await addDueRow(id, '10 minutes'); // oldest: at the head of every batch
      await startRouteLead(stack.client, idle, { id, sourceWorkspaceId: source.id });
    }
    const gone = await Promise.all(Array.from({ length: 7 }, () => insertLead()));
    for (const id of gone) await addDueRow(id, '1 minute');

    const activities = makeMaintenanceActivities({ db: stack.db, config: { ...stack.config, RETRY_QUEUE_BATCH_SIZE: 3 }, log: pino({ level: 'silent' }), metrics: createMetrics({ enabled: false }), temporal: stack.client });
    const report = await activities.processRetryQueue();
    // Batches of 3 over 12 rows: the 5 running rows never hide the 7 behind them.
    expect(report).toMatchObject({ scanned: 12, running: 5, redriven: 7, errors: 0, budgetExhausted: false });
    expect(report.batches).toBeGreaterThanOrEqual(4);
    await Promise.all(gone.map(routed));
    await Promise.all(running.map((id) => stack.client.workflow.getHandle(routeLeadWorkflowId(id)).terminate('test cleanup')));
  });
});

describe('stale-lock sweeper', () => {
  test('a lock left by a dead run is released and the lead routed once; a younger lock is untouched', async () => {
    await ensureWorker();
    const stale = await insertLead({ status: 'routing', createdAgo: '11 minutes', lockOwner: 'route-lead-x/dead-run', lockedAgo: '10 minutes' });
    const fresh = await insertLead({ status: 'routing', lockOwner: 'route-lead-y/live-run', lockedAgo: '30 seconds' });
    const freshBefore = await leadRow(fresh);

    const report = await sweepStaleLocks(deps, { staleSeconds: stack.config.ROUTING_LOCK_STALE_SECONDS, limit: 100 });
    expect(report).toEqual({ released: 1, redriven: 1, running: 0, errors: 0 });

    const lead = await routed(stale);
    expect(lead).toMatchObject({ routing_result: 'success', destination_workspace_id: buyer.id, routing_lock_owner: null });
    const logs = await logRows(stale);
    expect(logs).toHaveLength(1);
    expect(logs[0].lock_owner_id).toMatch(new RegExp(`^${routeLeadWorkflowId(stale)}/`));

    const freshAfter = await leadRow(fresh);
    expect(freshAfter).toMatchObject({ routing_status: 'routing', routing_lock_owner: 'route-lead-y/live-run', last_error: null });
    expect(freshAfter.routing_locked_at).toEqual(freshBefore.routing_locked_at);
    // Nothing more to release now.
    expect(await sweepStaleLocks(deps, { staleSeconds: stack.config.ROUTING_LOCK_STALE_SECONDS, limit: 100 })).toMatchObject({ released: 0 });
    await stack.db('leads').where({ id: fresh }).delete();
  });

  test('the sweepStaleLocks activity reports the count in its maintenance.stale_locks log line', async () => {
    await ensureWorker();
    const leadIds = await Promise.all([1, 2, 3].map(() => insertLead({ status: 'routing', lockedAgo: '20 minutes' })));
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }));
    const activities = makeMaintenanceActivities({ db: stack.db, config: { ...stack.config, RETRY_QUEUE_BATCH_SIZE: 2 }, log, metrics: createMetrics({ enabled: false }), temporal: stack.client });
    expect(await activities.sweepStaleLocks()).toMatchObject({ released: 3, redriven: 3, batches: 2 });
    expect(lines.find((l) => l.event === 'maintenance.stale_locks')).toMatchObject({ count: 3, released: 3 });
    await Promise.all(leadIds.map(routed));
  });
});

describe('expiry', () => {
  test('a lead created 91 days ago ends expired and is counted in the digest; an 89-day-old lead and a routed one are untouched', async () => {
    const big = await createWorkspace(stack, { name: 'Expiry source big', kind: 'source' });
    const small = await createWorkspace(stack, { name: 'Expiry source small', kind: 'source' });
    const ttl = stack.config.LEAD_TTL_DAYS; // 90
    const oldPending = await insertLead({ sourceId: big.id, createdAgo: '91 days', expiresIn: `${ttl - 91} days` });
    const oldRouting = await insertLead({ sourceId: big.id, status: 'routing', createdAgo: '91 days', expiresIn: `${ttl - 91} days`, lockedAgo: '1 minute' });
    const oldSmall = await insertLead({ sourceId: small.id, createdAgo: '100 days', expiresIn: `${ttl - 100} days` });
    const young = await insertLead({ sourceId: big.id, createdAgo: '89 days', expiresIn: `${ttl - 89} days` });
    const routedOld = await insertLead({ sourceId: big.id, status: 'routed', createdAgo: '120 days', expiresIn: '-30 days' });
    const routedBefore = await leadRow(routedOld);

    expect(await expireDueLeads(stack.db, { limit: 2 })).toBe(3); // two batches
    for (const id of [oldPending, oldRouting, oldSmall]) {
      expect(await leadRow(id)).toMatchObject({ routing_status: 'expired', last_error: 'ttl_expired', routing_lock_owner: null, routing_locked_at: null, routing_result: null });
    }
    expect(await leadRow(young)).toMatchObject({ routing_status: 'pending', last_error: null });
    expect(await leadRow(routedOld)).toEqual(routedBefore);
    expect(await expireDueLeads(stack.db, { limit: 2 })).toBe(0);

    const now = Date.now();
    const digest = await expirationDigest(stack.db, { since: new Date(now - 60 * 60 * 1000), until: new Date(now + 60 * 1000) });
    expect(digest.total).toBe(3);
    expect(digest.bySource).toEqual([
      { sourceWorkspaceId: big.id, name: 'Expiry source big', count: 2 },
      { sourceWorkspaceId: small.id, name: 'Expiry source small', count: 1 },
    ]);
    // The window is the time they became expired, not when they were created.
    expect((await expirationDigest(stack.db, { since: new Date(now - 2 * 86_400_000), until: new Date(now - 86_400_000) })).total).toBe(0);
    await stack.db('leads').where({ id: young }).delete();
  });

  test('the daily digest activity logs per-source counts for the last 24 h as routing.expiration_digest, without PII', async () => {
    const src = await createWorkspace(stack, { name: 'Digest source', kind: 'source' });
    await insertLead({ sourceId: src.id, createdAgo: '95 days', expiresIn: '-5 days' });
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }));
    const activities = makeMaintenanceActivities({ db: stack.db, config: stack.config, log, metrics: createMetrics({ enabled: false }), temporal: stack.client });
    expect(await activities.expireLeads()).toEqual({ expired: 1 });
    const digest = await activities.sendExpirationDigest();
    expect(digest.bySource).toContainEqual({ sourceWorkspaceId: src.id, name: 'Digest source', count: 1 });
    const line = lines.find((l) => l.event === 'routing.expiration_digest');
    expect(line).toMatchObject({ total: digest.total, bySource: digest.bySource });
    expect(lines.find((l) => l.event === 'maintenance.expired')).toMatchObject({ expired: 1 });
    expect(JSON.stringify(lines)).not.toMatch(/@|payload|email/i);
  });
});
