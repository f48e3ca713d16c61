import { MockActivityEnvironment } from '@temporalio/testing';
import crypto from 'node:crypto';
import pino from 'pino';
import { makeAcquireRoutingLock } from '../../activities/acquireRoutingLock';
import { makeCompleteRouting } from '../../activities/completeRouting';
import { makeRoutingStateActivities } from '../../activities/routingState';
import type { ActivityDeps } from '../../activities/deps';
import type { Metrics } from '../../lib/telemetry/metrics';
import { startPoolGauge } from '../../lib/telemetry/poolGauge';
import { waitFor } from '../../scripts/local/waitFor';
import { createTestDatabase } from '../support/stack';
import { createDb, type Db } from '../../lib/db/createDb';
import { loadConfig } from '../../lib/config';

/**
 * Activities run again: Temporal retries them, and re-runs a local activity whose result was lost with a
 * failed workflow task. A lead is still counted once (issue 8, found by review): a re-run of a committed
 * completion, a re-entered lock, an already expired lead send nothing. Real activities on a real
 * database, inside Temporal's MockActivityEnvironment; the metrics client is a recorder.
 */
let db: Db;
const sent: Array<{ name: string; tags?: Record<string, string | undefined> }> = [];
const recorder: Metrics = {
  increment: (name, tags) => void sent.push({ name, tags }),
  gauge: (name, _v, tags) => void sent.push({ name, tags }),
  distribution: (name, _v, tags) => void sent.push({ name, tags }),
  close: async () => undefined,
};
let deps: ActivityDeps;

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 4 });
  const config = loadConfig({ DATABASE_URL: 'postgres://x@localhost/x', IDENTITY_HMAC_KEY: 'test-identity-hmac-key-0123456789' });
  deps = { db, config, log: pino({ level: 'silent' }), metrics: recorder, temporal: undefined as never };
});
afterAll(async () => {
  await db?.destroy();
});

async function aLeadRow(expiresIn = "interval '1 day'"): Promise<string> {
  const [ws] = await db('workspaces').insert({ name: `S ${crypto.randomUUID()}`, kind: 'source', api_key_hash: crypto.randomUUID(), api_key_prefix: 'lr_live_x' }).returning('id');
  const [lead] = await db('leads')
    .insert({ source_workspace_id: ws.id, external_id: crypto.randomUUID(), email_hash: crypto.randomUUID(), payload: '{}', expires_at: db.raw(`now() + ${expiresIn}`) })
    .returning('id');
  return lead.id;
}
const count = (name: string) => sent.filter((s) => s.name === name).length;

test('a completion run twice (its first result lost) counts and logs the lead once', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'route-lead-x', runId: crypto.randomUUID() } });
  const leadId = await aLeadRow();
  await env.run(makeAcquireRoutingLock(deps), { leadId });
  const input = { leadId, outcome: { result: 'failed' as const, errorCode: 'no_matching_rule', errorMessage: 'no rule matched' }, trace: { rules: [] }, attemptStartedAtMs: Date.now() };
  sent.length = 0;
  const first = await env.run(makeCompleteRouting(deps), input);
  const again = await env.run(makeCompleteRouting(deps), input);
  expect(again).toEqual(first);
  expect({ total: count('routing.logs.total'), failed: count('routing.logs.failed'), routed: count('routing.leads_routed') }).toEqual({ total: 1, failed: 1, routed: 1 });
  expect(await db('lead_routing_logs').where({ lead_id: leadId }).count<{ n: string }[]>('* as n')).toEqual([{ n: '1' }]);
});

test('the owner re-entering its lock is not a second acquisition', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'route-lead-y', runId: crypto.randomUUID() } });
  const leadId = await aLeadRow();
  sent.length = 0;
  await env.run(makeAcquireRoutingLock(deps), { leadId });
  await env.run(makeAcquireRoutingLock(deps), { leadId });
  expect(sent.filter((s) => s.name === 'routing.lock.acquired').map((s) => s.tags?.outcome)).toEqual(['acquired']);
  expect(count('routing.lock.latency')).toBe(2); // latency is per call
});

test('a lead expired twice (a re-run, or the daily job first) is counted once', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'route-lead-z', runId: crypto.randomUUID() } });
  const leadId = await aLeadRow("interval '-1 second'");
  sent.length = 0;
  const { expireLead } = makeRoutingStateActivities(deps);
  expect(await env.run(expireLead, { leadId })).toBe('expired');
  expect(await env.run(expireLead, { leadId })).toBe('expired');
  expect(count('routing.leads_expired')).toBe(1);
});

test('the pool gauge reports connections in use over the pool maximum, in percent', async () => {
  const values: number[] = [];
  const gauge: Metrics = { ...recorder, gauge: (_name, value) => void values.push(value) };
  const trx = await db.transaction(); // holds one of the pool's 4 connections
  const stop = startPoolGauge(db, gauge, 'worker', 20);
  try {
    await waitFor('a pool gauge reading', async () => (values.length > 0 ? true : undefined));
    expect(values[0]).toBe(25);
  } finally {
    stop();
    await trx.rollback();
  }
});

test('a lock held by another run is counted once per lead (on the first attempt), not per retry', async () => {
  const leadId = await aLeadRow();
  await new MockActivityEnvironment({ workflowExecution: { workflowId: 'route-lead-a', runId: crypto.randomUUID() } }).run(makeAcquireRoutingLock(deps), { leadId });
  sent.length = 0;
  const other = { workflowExecution: { workflowId: 'route-lead-b', runId: crypto.randomUUID() } };
  await expect(new MockActivityEnvironment({ ...other, attempt: 1 }).run(makeAcquireRoutingLock(deps), { leadId })).rejects.toMatchObject({ type: 'LockHeld' });
  await expect(new MockActivityEnvironment({ ...other, attempt: 2 }).run(makeAcquireRoutingLock(deps), { leadId })).rejects.toMatchObject({ type: 'LockHeld' });
  expect(count('routing.lock.failed')).toBe(1);
  expect(count('routing.lock.acquired')).toBe(0);
});

test('a lead row locked elsewhere makes the lock activity fail after the 5 s lock_timeout, counted as a timeout', async () => {
  const leadId = await aLeadRow();
  const blocker = await db.transaction();
  await blocker('leads').where({ id: leadId }).forUpdate().first();
  sent.length = 0;
  try {
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'route-lead-t', runId: crypto.randomUUID() } });
    await expect(env.run(makeAcquireRoutingLock(deps), { leadId })).rejects.toMatchObject({ code: '55P03' });
  } finally {
    await blocker.rollback();
  }
  expect(sent.filter((s) => s.name === 'routing.lock.timeout_errors').map((s) => s.tags?.code)).toEqual(['55P03']);
}, 20_000);
