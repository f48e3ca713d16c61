import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './waitFor';
import { HEAP_LIMIT_MB, heapLimitFlags, type ProcessRole } from '../../lib/heapLimits';

const root = path.resolve(__dirname, '../..');

/**
 * The project's own processes (api/server.ts, workers/main.ts) run as production runs them: one Node
 * process each, output appended to `<logDir>/<name>.log`. Used by the dev stack and the load test.
 */
export interface Service {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The last lines of its log (for "it exited" messages). */
  tail(lines?: number): string;
}

/**
 * `runtime`: `tsx` runs the TypeScript source (dev, tests); `compiled` runs what `npm run build` wrote to
 * dist/ with plain node, as the Docker image does (the load test's `--built`: memory as production has it).
 */
export function startService(name: string, entry: string, env: NodeJS.ProcessEnv, logDir: string, runtime: 'tsx' | 'compiled' = 'tsx', role?: ProcessRole): Service {
  const logFile = path.join(logDir, `${name}.log`);
  const compiled = path.join(root, 'dist', entry.replace(/\.ts$/, '.js'));
  if (runtime === 'compiled' && !fs.existsSync(compiled)) throw new Error(`${path.relative(root, compiled)} does not exist: run npm run build first`);
  // Compiled = as the Docker image runs it, with the production heap limit of its role (lib/heapLimits.ts).
  const heapRole = role ?? (name in HEAP_LIMIT_MB ? (name as ProcessRole) : undefined);
  const heap = heapRole ? heapLimitFlags(heapRole) : [];
  // SERVICE_NODE_FLAGS: extra node flags for the product's processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
  // profile a load run (node refuses --cpu-prof in NODE_OPTIONS).
  const extra = (process.env.SERVICE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const args = runtime === 'compiled' ? [...heap, ...extra, compiled] : [...extra, '--import', 'tsx', path.join(root, entry)];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  const out = fs.createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const tail = (lines = 15) => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n') : '');
  return { name, child, logFile, tail };
}

/** SIGTERM (a graceful drain), SIGKILL after `graceMs`. */
export function stopService(service: Service, graceMs = 40_000): Promise<void> {
  const { child } = service;
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}

/** The API answers /ready (Postgres and Temporal reachable). */
export async function waitForApi(apiUrl: string, timeoutMs = 60_000): Promise<void> {
  await waitFor('the API to be ready', async () => ((await fetch(`${apiUrl}/ready`)).ok ? true : undefined), { timeoutMs, intervalMs: 250 });
}

/** The API can be ready before the worker has bundled its workflows; wait until it polls its task queue. */
export async function waitForWorker(address: string, namespace: string, taskQueue: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await waitFor('the worker to poll its task queue', async () => {
      const res = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 });
      return (res.pollers?.length ?? 0) > 0 ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });
  } finally {
    await connection.close();
  }
}
