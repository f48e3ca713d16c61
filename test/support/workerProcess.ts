import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import type { TestStack } from './stack';

const root = path.resolve(__dirname, '../..');

/**
 * The real worker entry point (workers/main.ts) as its own process, on this stack's database and task
 * queue, as production runs it. Output is collected for assertions and failure messages.
 */
export function spawnWorkerProcess(stack: TestStack, env: Record<string, string> = {}) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
      IDENTITY_HMAC_KEY: stack.config.IDENTITY_HMAC_KEY,
      ROUTING_RETRY_BASE_SECONDS: String(stack.config.ROUTING_RETRY_BASE_SECONDS),
      MAINTENANCE_SCHEDULES: 'false', // the shared test server's schedules are not this test's business
      ...env,
    },
  });
  const output = { text: '' };
  child.stdout.on('data', (c) => (output.text += c));
  child.stderr.on('data', (c) => (output.text += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}
