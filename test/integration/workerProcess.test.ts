import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { spawnWorkerProcess } from '../support/workerProcess';
import { startTestStack, type TestStack } from '../support/stack';

/** The real worker entry point (workers/main.ts) as its own process, as production runs it. */
let stack: TestStack;
const root = path.resolve(__dirname, '../..');

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

test('the worker process routes leads, then drains and exits 0 on SIGTERM', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: buyer.id }] });

  const { child, output: collected, exited } = spawnWorkerProcess(stack, { LOG_LEVEL: 'info' });
  const output = () => collected.text;

  try {
    const res = await postLead(stack, source.apiKey!, aLead());
    const { leadId } = res.json();
    await waitFor('the worker process to route the lead', async () => {
      const row = await stack.db('leads').where({ id: leadId }).first();
      return row.routing_status === 'routed' ? true : undefined;
    }, { timeoutMs: 90_000 });
  } finally {
    child.kill('SIGTERM');
  }
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 45_000))]);
  expect({ code, output: code === 0 ? '' : output() }).toEqual({ code: 0, output: '' });
  expect(output()).toContain('worker drained and stopped');

}, 150_000);

test('a worker with bad configuration exits 1 with a message naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH, DATABASE_URL: 'mysql://nope', IDENTITY_HMAC_KEY: crypto.randomBytes(16).toString('hex') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(code).toBe(1);
  expect(output).toContain('DATABASE_URL: must be a postgres:// URL');
}, 60_000);
