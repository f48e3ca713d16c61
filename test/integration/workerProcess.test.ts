import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createCatchAllRouting, postLead } from '../support/fixtures';
import { spawnWorkerProcess } from '../support/workerProcess';
import { runEntryPoint } from '../support/entryPoint';
import { useTestStack } from '../support/useStack';

/** The real worker entry point (workers/main.ts) as its own process, as production runs it. */
const stack = useTestStack({ worker: false });
const root = path.resolve(__dirname, '../..');

test('the worker process routes leads, then drains and exits 0 on SIGTERM', async () => {
  const { source } = await createCatchAllRouting(stack);

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

/**
 * Runs an entry point with `env` (over the stack's database, Temporal and HMAC key) until it exits, or fails
 * after `timeoutMs` (a process that hangs is a failure too). Exit code and everything it printed.
 */
async function runEntry(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const base = { PATH: process.env.PATH, DATABASE_URL: stack.config.DATABASE_URL, TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS, IDENTITY_HMAC_KEY: stack.config.IDENTITY_HMAC_KEY, DD_TRACE_ENABLED: process.env.DD_TRACE_ENABLED };
  return runEntryPoint(entry, { ...base, ...env }, timeoutMs);
}

// Found by a newcomer: WORKER_WORKFLOW_TASK_SLOTS=200 WORKER_MAX_CACHED_WORKFLOWS=10 exited 0 without a word (the
// error was thrown after the connections opened, and the cleanup awaited a trace flush whose timer did not hold
// the event loop open). Now config refuses the combination by name, before anything opens.
test.each<[string, Record<string, string>, RegExp]>([
  ['workers/main.ts', { WORKER_WORKFLOW_TASK_SLOTS: '200', WORKER_MAX_CACHED_WORKFLOWS: '10' }, /WORKER_MAX_CACHED_WORKFLOWS: must be at least the workflow-task slots \(200/],
  ['workers/main.ts', { MAINTENANCE_TIMEZONE: '+05:30' }, /MAINTENANCE_TIMEZONE: must be an IANA time zone name/],
  ['workers/main.ts', { DATABASE_URL: 'postgres://' }, /DATABASE_URL: must name a host/],
  ['workers/combined.ts', { WORKER_WORKFLOW_TASK_SLOTS: '200', WORKER_MAX_CACHED_WORKFLOWS: '10' }, /WORKER_MAX_CACHED_WORKFLOWS: must be at least/],
  ['api/server.ts', { PORT: '0x50' }, /PORT: must be a whole number/],
  ['api/server.ts', { IDENTITY_HMAC_KEY: '' }, /IDENTITY_HMAC_KEY is required/],
])('%s with %j exits non-zero and names the variable', async (entry, env, message) => {
  const { code, output } = await runEntry(entry, env);
  expect({ code, named: message.test(output) }).toEqual({ code: 1, named: true });
}, 90_000);

// Failures after the connections opened. A task queue name over the server's length limit (1,000: a server-side
// setting, so not something config can check) fails the schedules' creation; the worker process used to have
// created its Worker by then, and closing the connection under it threw "IllegalStateError: Cannot close
// connection while Workers hold a reference", which replaced the real error.
test.each<[string, Record<string, string>, RegExp]>([
  ['workers/main.ts', { TEMPORAL_TASK_QUEUE: 'q'.repeat(1100) }, /taskQueue length exceeds limit/],
  ['workers/combined.ts', { TEMPORAL_TASK_QUEUE: 'q'.repeat(1100), PORT: '0', HOST: '127.0.0.1' }, /taskQueue length exceeds limit/],
  ['workers/main.ts', { TEMPORAL_NAMESPACE: `missing-${crypto.randomBytes(4).toString('hex')}` }, /[Nn]amespace.*missing-|missing-.*not found/],
])('%s: a start failure after the connections opened is printed, not replaced, and the process exits 1 (%#)', async (entry, env, message) => {
  const { code, output } = await runEntry(entry, { MAINTENANCE_SCHEDULES: 'true', LOG_LEVEL: 'silent', ...env });
  expect({ code, real: message.test(output), masked: output.includes('IllegalStateError') }).toEqual({ code: 1, real: true, masked: false });
}, 120_000);
