import { MockActivityEnvironment } from '@temporalio/testing';
import crypto from 'node:crypto';
import pino from 'pino';
import { makeLockAndDecide } from '../../activities/lockAndDecide';
import type { Metrics } from '../../lib/telemetry/metrics';
import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId, type LockAndDecideOutput } from '../../workflows/routeLead.types';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Issue 10 §1: a new run routes each attempt in ONE workflow task, every step a local activity. A buyer slower
 * than the workflow task timeout still works (the SDK heartbeats the task), and the merged lock + decide step
 * is safe to run again (an LA retry, or a crashed worker's task run once more). workerCrash.test.ts covers
 * the SIGKILL mid-delivery; routeLead.e2e.test.ts the one-task history of a routed lead.
 */
let stack: TestStack;
let buyer: BuyerServer;
let source: { id: string; apiKey?: string };

beforeAll(async () => {
  // A buyer timeout well above the 10 s workflow task timeout, as production may configure (up to 120 s).
  stack = await startTestStack({ DELIVERY_TIMEOUT_MS: '30000' });
  await stack.startWorker();
  buyer = await startBuyerServer();
  source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
});
afterAll(async () => {
  await stack?.stop();
  await buyer?.close();
});

const productRule = async (product: string, destinations: Array<{ id: string }>) =>
  createRule(stack, { name: product, priority: 1, conditions: { all: [{ field: 'product', op: 'eq', value: product }] }, destinations: destinations.map((d) => ({ workspaceId: d.id })) });

test('a buyer slower than the workflow task timeout: delivered once, routed once, the task heartbeated, never timed out', async () => {
  const slow = await createWorkspace(stack, { name: 'Slow buyer', kind: 'partner', deliveryUrl: buyer.url('/slow') });
  await productRule('slow', [slow]);
  let answeredAt = 0;
  const thinking = new Promise((resolve) => setTimeout(resolve, 12_000)).then(() => (answeredAt = Date.now()));
  buyer.respondWith('/slow', [{ status: 200, heldUntil: thinking }]);

  const { leadId } = (await postLead(stack, source.apiKey!, aLead({ product: 'slow' }))).json();
  const routed = await waitFor('the slow buyer\'s lead to be routed', async () => {
    const row = await stack.db('leads').where({ id: leadId }).first();
    return row.routing_status === 'routed' ? row : undefined;
  }, { timeoutMs: 60_000 });

  expect(answeredAt).toBeGreaterThan(0); // routed only after the buyer answered, 12 s in
  expect(routed).toMatchObject({ routing_result: 'success', destination_workspace_id: slow.id, routing_attempts: 1 });
  expect(buyer.received.filter((r) => r.path === '/slow').map((r) => r.idempotencyKey)).toEqual([leadId]);
  expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);

  const handle = stack.client.workflow.getHandle(routeLeadWorkflowId(leadId));
  await handle.result();
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
  expect(events.filter((e) => e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes)).toEqual([]);
  // 12 s of delivery > 80 % of the 10 s task timeout: at least one heartbeat task, not a timeout.
  expect(events.filter((e) => e.workflowTaskScheduledEventAttributes).length).toBeGreaterThanOrEqual(2);
}, 90_000);

test('a misconfigured buyer (a port fetch refuses) counts as a rejection: the next destination gets the lead, capacity given back', async () => {
  // A local activity's failure reaches the workflow unwrapped: InvalidConfiguration must still read as a rejection.
  const misconfigured = await createWorkspace(stack, { name: 'Misconfigured buyer', kind: 'partner', deliveryUrl: 'http://127.0.0.1:6000/leads', caps: { hourly: 5 } });
  const accepting = await createWorkspace(stack, { name: 'Accepting buyer', kind: 'partner', deliveryUrl: buyer.url('/accept') });
  await productRule('misconfigured', [misconfigured, accepting]);

  const { leadId } = (await postLead(stack, source.apiKey!, aLead({ product: 'misconfigured' }))).json();
  const routed = await waitFor('the lead to reach the next buyer', async () => {
    const row = await stack.db('leads').where({ id: leadId }).first();
    return ['routed', 'failed'].includes(row.routing_status) ? row : undefined;
  }, { timeoutMs: 30_000 });
  expect(routed).toMatchObject({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: accepting.id });
  expect(routed.decision.deliveries).toEqual([
    expect.objectContaining({ workspaceId: misconfigured.id, outcome: 'rejected', reason: expect.stringContaining('cannot deliver') }),
    expect.objectContaining({ workspaceId: accepting.id, outcome: 'accepted' }),
  ]);
  const [{ used }] = await stack.db('capacity_counters').where({ workspace_id: misconfigured.id, period: 'hourly' }).select('used');
  expect(used).toBe(0);
});

describe('lockAndDecide run again (its result lost) changes nothing', () => {
  const sent: string[] = [];
  const recorder: Metrics = {
    increment: (name) => void sent.push(name),
    gauge: (name) => void sent.push(name),
    distribution: (name) => void sent.push(name),
    close: async () => undefined,
  };
  const lockAndDecide = () => makeLockAndDecide({ db: stack.db, config: stack.config, log: pino({ level: 'silent' }), metrics: recorder, temporal: stack.client });
  const used = async (workspaceId: string) =>
    Number((await stack.db('capacity_counters').where({ workspace_id: workspaceId, period: 'hourly' }).first())?.used ?? 0);

  /** A lead row of its own, never given to a workflow: the activity is driven by hand. */
  async function aLeadRow(product: string): Promise<string> {
    const [lead] = await stack.db('leads')
      .insert({ source_workspace_id: source.id, external_id: crypto.randomUUID(), payload: JSON.stringify({ product }), expires_at: stack.db.raw("now() + interval '1 day'") })
      .returning('id');
    return lead.id;
  }

  test('the owner re-enters, a committed decision is found again, a rejected buyer\'s capacity goes back once', async () => {
    const first = await createWorkspace(stack, { name: 'First choice', kind: 'partner', caps: { hourly: 5 } });
    const second = await createWorkspace(stack, { name: 'Second choice', kind: 'partner', caps: { hourly: 5 } });
    await productRule('rerun', [first, second]);
    const leadId = await aLeadRow('rerun');
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: routeLeadWorkflowId(leadId), runId: crypto.randomUUID() } });
    sent.length = 0;

    const decided: LockAndDecideOutput = await env.run(lockAndDecide(), { leadId, excludeDestinations: [] });
    expect(decided).toMatchObject({ kind: 'assigned', destinationWorkspaceId: first.id, lock: { outcome: 'acquired' }, deliveryTimeoutMs: 30_000 });
    expect(await env.run(lockAndDecide(), { leadId, excludeDestinations: [] })).toMatchObject({ kind: 'assigned', destinationWorkspaceId: first.id, lock: { outcome: 'reentered' } });
    expect([await used(first.id), await used(second.id)]).toEqual([1, 0]);

    // The first buyer rejected the lead: its reservation is released (a statement of its own) before the next decision ...
    const next = { leadId, excludeDestinations: [first.id], releaseRejected: first.id };
    expect(await env.run(lockAndDecide(), next)).toMatchObject({ kind: 'assigned', destinationWorkspaceId: second.id });
    expect([await used(first.id), await used(second.id)]).toEqual([0, 1]);
    // ... and that call run again releases nothing more: the live reservation is the second buyer's.
    expect(await env.run(lockAndDecide(), next)).toMatchObject({ kind: 'assigned', destinationWorkspaceId: second.id });
    expect([await used(first.id), await used(second.id)]).toEqual([0, 1]);
    expect(await stack.db('capacity_reservations').where({ lead_id: leadId }).whereNull('released_at').count('* as n')).toEqual([{ n: '1' }]);

    // Counted once per lead, timed per call.
    expect(sent.filter((n) => n === 'routing.lock.acquired')).toHaveLength(1);
    expect(sent.filter((n) => n === 'routing.rules.latency')).toHaveLength(4);
  });

  test('the rejected buyer\'s reservation is given back before the next decision waits for another buyer: two leads rejected by each other\'s buyers cannot deadlock', async () => {
    // The session 11 review: lock_and_decide() released buyer A's counters and reserved buyer B's in ONE transaction,
    // so a lead going A -> B and another going B -> A deadlocked (40P01). Now the release commits first: while the
    // next decision waits for B's counters (held here by another transaction), A's reservation is already released.
    const a = await createWorkspace(stack, { name: 'Rejects first', kind: 'partner', caps: { hourly: 5 } });
    const b = await createWorkspace(stack, { name: 'Busy', kind: 'partner', caps: { hourly: 5 } });
    await productRule('crossed', [a, b]);
    const leadId = await aLeadRow('crossed');
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: routeLeadWorkflowId(leadId), runId: crypto.randomUUID() } });
    expect(await env.run(lockAndDecide(), { leadId, excludeDestinations: [] })).toMatchObject({ kind: 'assigned', destinationWorkspaceId: a.id });
    // B's counters of the current periods, as reserve_capacity() creates them, so that they can be held.
    await stack.db.raw(
      `INSERT INTO capacity_counters (workspace_id, period, period_start)
       SELECT w.id, p, cap_period_start(p, w.timezone, now()) FROM workspaces w, unnest(ARRAY['hourly', 'daily', 'monthly']) p
        WHERE w.id = ? ON CONFLICT DO NOTHING`, [b.id]);
    const holder = await stack.db.transaction();
    try {
      await holder.raw('SELECT 1 FROM capacity_counters WHERE workspace_id = ? FOR UPDATE', [b.id]);
      const next = env.run(lockAndDecide(), { leadId, excludeDestinations: [a.id], releaseRejected: a.id });
      // A's reservation released and committed, seen from another connection, while the decision waits for B.
      await waitFor('the rejected buyer\'s reservation released while the decision waits', async () =>
        stack.db('capacity_reservations').where({ lead_id: leadId, workspace_id: a.id }).whereNotNull('released_at').first(), { timeoutMs: 10_000 });
      expect(await used(a.id)).toBe(0);
      await holder.commit();
      expect(await next).toMatchObject({ kind: 'assigned', destinationWorkspaceId: b.id });
      expect([await used(a.id), await used(b.id)]).toEqual([0, 1]);
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
    }
  });

  test('another run finds the lock held (LockHeld, retried; counted once) and a decided lead not routable', async () => {
    const partner = await createWorkspace(stack, { name: 'Held', kind: 'partner' });
    await productRule('held', [partner]);
    const leadId = await aLeadRow('held');
    await new MockActivityEnvironment({ workflowExecution: { workflowId: routeLeadWorkflowId(leadId), runId: crypto.randomUUID() } }).run(lockAndDecide(), { leadId, excludeDestinations: [] });
    sent.length = 0;
    const other = { workflowExecution: { workflowId: routeLeadWorkflowId(leadId), runId: crypto.randomUUID() } };
    await expect(new MockActivityEnvironment({ ...other, attempt: 1 }).run(lockAndDecide(), { leadId, excludeDestinations: [] })).rejects.toMatchObject({ type: 'LockHeld' });
    await expect(new MockActivityEnvironment({ ...other, attempt: 2 }).run(lockAndDecide(), { leadId, excludeDestinations: [] })).rejects.toMatchObject({ type: 'LockHeld' });
    expect(sent.filter((n) => n === 'routing.lock.failed')).toHaveLength(1);
    expect(sent.filter((n) => n === 'routing.lock.acquired' || n === 'routing.rules.latency')).toEqual([]);

    await stack.db('leads').where({ id: leadId }).update({ routing_status: 'failed', routing_result: 'failed', routing_lock_owner: null, routing_locked_at: null, last_error: 'test' });
    expect(await new MockActivityEnvironment(other).run(lockAndDecide(), { leadId, excludeDestinations: [] })).toMatchObject({ kind: 'not_routable', lock: { status: 'failed' } });
  });
});
