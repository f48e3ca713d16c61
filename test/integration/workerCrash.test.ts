import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '../../scripts/local/waitFor';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/** Invariant 1 under a worker crash: SIGKILL while the routing lock is held, mid-delivery. */
let stack: TestStack;
let buyer: BuyerServer;
const root = path.resolve(__dirname, '../..');

beforeAll(async () => {
  stack = await startTestStack();
  buyer = await startBuyerServer();
});
afterAll(async () => {
  await stack?.stop();
  await buyer?.close();
});

function startWorkerProcess(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
      IDENTITY_HMAC_KEY: stack.config.IDENTITY_HMAC_KEY,
      MAINTENANCE_SCHEDULES: 'false', // the shared test server's schedules are not this test's business
      ROUTING_RETRY_BASE_SECONDS: '0.2',
      LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
}

test('a worker killed with SIGKILL while holding the lock: after a restart the lead is routed once, delivered once', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const partner = await createWorkspace(stack, { name: 'Slow buyer', kind: 'partner', deliveryUrl: buyer.url('/slow') });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: partner.id }] });
  buyer.respondWith('/slow', ['hang', 200]); // the first delivery never answers

  const worker = startWorkerProcess();
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const res = await postLead(stack, source.apiKey!, aLead());
  const { leadId } = res.json();

  // The worker is inside the delivery: the lead is locked by the workflow run.
  await waitFor('the first delivery to reach the buyer', async () => (buyer.received.some((r) => r.path === '/slow') ? true : undefined), { timeoutMs: 90_000 });
  const locked = await stack.db('leads').where({ id: leadId }).first();
  expect(locked).toMatchObject({ routing_status: 'routing' });
  expect(locked.routing_lock_owner).toMatch(new RegExp(`^route-lead-${leadId}/`));
  worker.kill('SIGKILL');
  await exited;

  await stack.startWorker(); // a fresh worker picks the workflow up where history says it was
  const routed = await waitFor('the lead to be routed after the crash', async () => {
    const row = await stack.db('leads').where({ id: leadId }).first();
    return row.routing_status === 'routed' ? row : undefined;
  }, { timeoutMs: 90_000 });

  expect(routed).toMatchObject({ routing_result: 'success', destination_workspace_id: partner.id });
  expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);
  expect(buyer.acceptedKeys('/slow')).toEqual([leadId]); // delivered (accepted) exactly once
  expect(buyer.received.filter((r) => r.path === '/slow').map((r) => r.idempotencyKey)).toEqual([leadId, leadId]);
}, 150_000);
