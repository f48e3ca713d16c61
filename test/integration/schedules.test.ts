import crypto from 'node:crypto';
import { waitFor } from '../../scripts/local/waitFor';
import { ensureSchedules, scheduleDefinitions } from '../../workers/schedules';
import { createRule, createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
const idPrefix = `test-${crypto.randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
});

afterAll(async () => {
  for (const d of scheduleDefinitions({ taskQueue: stack.config.TEMPORAL_TASK_QUEUE, timezone: 'UTC', idPrefix })) {
    await stack.client.schedule.getHandle(d.scheduleId).delete().catch(() => undefined);
  }
  await stack?.stop();
});

test('schedules are created once and updated in place on the next start', async () => {
  const settings = { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, timezone: 'America/New_York', idPrefix };
  const first = await ensureSchedules(stack.client, settings);
  expect(first.map((s) => s.created)).toEqual([true, true, true, true, true]);
  const second = await ensureSchedules(stack.client, { ...settings, timezone: 'Europe/Paris' });
  expect(second.map((s) => s.created)).toEqual([false, false, false, false, false]);

  const digest = await stack.client.schedule.getHandle(`${idPrefix}-expiration-digest`).describe();
  expect(digest.spec.timezone).toBe('Europe/Paris');
  expect(digest.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 9, end: 9, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
  const retry = await stack.client.schedule.getHandle(`${idPrefix}-retry-queue`).describe();
  expect(retry.spec.intervals?.[0]?.every).toBe(60_000);
  expect(retry.action).toMatchObject({ type: 'startWorkflow', workflowType: 'retryQueueProcessor', taskQueue: stack.config.TEMPORAL_TASK_QUEUE });
});

test('triggering the retry-queue schedule by hand re-drives a lead whose workflow never started', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: buyer.id }] });
  // A lead the API stored but whose workflow never started, with its retry due.
  const [lead] = await stack.db('leads')
    .insert({ source_workspace_id: source.id, external_id: 'orphan', email_hash: 'orphan-hash', payload: {}, expires_at: stack.db.raw("now() + interval '90 days'") })
    .returning('id');
  await stack.db('lead_routing_queue').insert({ lead_id: lead.id, workspace_id: source.id, attempt_number: 1, next_retry_at: stack.db.raw("now() - interval '1 second'") });

  await ensureSchedules(stack.client, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, timezone: 'UTC', idPrefix });
  await stack.client.schedule.getHandle(`${idPrefix}-retry-queue`).trigger(); // = `temporal schedule trigger`

  const routed = await waitFor('the orphan to be routed', async () => {
    const row = await stack.db('leads').where({ id: lead.id }).first();
    return row.routing_status === 'routed' ? row : undefined;
  });
  expect(routed.destination_workspace_id).toBe(buyer.id);
  const [queued] = await stack.db('lead_routing_queue').where({ lead_id: lead.id });
  expect(queued.processed_at).not.toBeNull();
});

test('the every-minute SLO report stores a snapshot, and GET /api/admin/slo answers the same computation now', async () => {
  await ensureSchedules(stack.client, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, timezone: 'UTC', idPrefix });
  const slo = await stack.client.schedule.getHandle(`${idPrefix}-slo-report`).describe();
  expect(slo.action).toMatchObject({ type: 'startWorkflow', workflowType: 'sloReport' });
  expect(slo.spec.intervals?.[0]?.every).toBe(60_000);
  await stack.client.schedule.getHandle(`${idPrefix}-slo-report`).trigger();
  const snapshot = await waitFor('an SLO snapshot', async () => stack.db('slo_snapshots').orderBy('id', 'desc').first());
  // The earlier test routed one lead (success): 1 good, 0 bad over 30 days.
  expect(snapshot.report.availability).toMatchObject({ good30d: 1, bad30d: 0, percent30d: 100, errorBudgetRemaining: 1, met: true });
  expect(snapshot.retry_queue_depth).toBe(0);

  const res = await stack.app.inject({ method: 'GET', url: '/api/admin/slo', headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect({ status: res.statusCode, body: res.statusCode === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
  expect(res.json()).toMatchObject({ availability: { good30d: 1, bad30d: 0, objective: 0.999 }, retryQueue: { depth: 0, threshold: 100 }, latency: { thresholdMs: 2000 } });
  expect(res.json().availability.tiers.map((t: { id: string }) => t.id)).toEqual(['page_fast', 'page_slow', 'ticket_slow']);
  expect(res.json().availability.burnRates).toEqual({ '5m': expect.any(Number), '30m': expect.any(Number), '1h': expect.any(Number), '2h': expect.any(Number), '6h': expect.any(Number), '24h': expect.any(Number), '3d': expect.any(Number) });
});
