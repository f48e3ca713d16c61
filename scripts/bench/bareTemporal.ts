import { Client, Connection } from '@temporalio/client';
import crypto from 'node:crypto';
import path from 'node:path';
import { startRouteLead } from '../../lib/temporal/startRouteLead';
import { freePort } from '../local/freePort';
import { startService, stopService, waitForWorker } from '../local/services';
import { startTemporalDevServer } from '../local/temporal';
import { sampleProcesses, type ProcessUsage } from '../load/processStats';
import { waitFor } from '../local/waitFor';
import { MEASURING_LINE, RESULT_PREFIX } from './bareProtocol';
import { closedLoop, type ClosedLoopResult } from './closedLoop';

const TASK_QUEUE = 'bench-bare';

/**
 * The Temporal ceiling for the product's shape on this machine: a fresh dev server started exactly as the
 * product's stack starts it (scripts/local/temporal.ts: SQLite file, WAL, the search attributes), the
 * product's worker with no-op activities in its own process (scripts/bench/bareWorker.ts), and
 * `concurrency` closed loops each starting a routeLead workflow the way the gateway does
 * (lib/temporal/startRouteLead.ts) and waiting for its result. A warm-up of `concurrency` x 5 workflows is
 * not counted. `env` is the product worker's environment (the same settings apply to the bare worker).
 * `eager` (the combined deployment): the loops run inside the worker's process and start each workflow
 * eagerly on the worker's connection, as workers/startCombined.ts does; `eagerStarts` says how many were.
 */
export async function measureBareTemporal(dir: string, env: NodeJS.ProcessEnv, opts: { concurrency: number; durationSeconds: number; eager: boolean; built: boolean }): Promise<ClosedLoopResult & {
  processes: Record<string, ProcessUsage | undefined>;
  eagerStarts?: number;
}> {
  const temporal = await startTemporalDevServer({ port: await freePort(), dbFile: path.join(dir, 'bare-temporal.db'), logFile: path.join(dir, 'bare-temporal.log'), portInUseRetries: 3 });
  const drive = opts.eager ? { BENCH_EAGER_DRIVE: JSON.stringify({ concurrency: opts.concurrency, durationSeconds: opts.durationSeconds }) } : {};
  const worker = startService('bare-worker', 'scripts/bench/bareWorker.ts', { ...env, ...drive, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE, MAINTENANCE_SCHEDULES: 'false' }, dir, opts.built ? 'compiled' : 'tsx', 'worker'); // the product worker's heap limits: a like-for-like ceiling
  const connection = await Connection.connect({ address: temporal.address });
  try {
    if (opts.eager) {
      const logged = () => worker.tail(10_000);
      // A worker that dies (a start-up error) fails the wait at once instead of at its deadline.
      const died = new Promise<never>((_, reject) => worker.child.once('exit', (code) => reject(new Error(`the bare worker exited (${code}):\n${worker.tail()}`))));
      died.catch(() => undefined); // it also exits normally after printing its result
      await Promise.race([died, waitFor('the bare worker to start measuring', async () => (logged().includes(MEASURING_LINE) ? true : undefined), { timeoutMs: 300_000, intervalMs: 200 })]);
      const processes = sampleProcesses({ temporal: temporal.pid, worker: worker.child.pid });
      const result = () => logged().split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      const line = await Promise.race([
        died.catch((err: unknown) => result() ?? Promise.reject(err)), // exited right after printing: the result is there
        waitFor('the bare worker\'s result', async () => result(), { timeoutMs: (opts.durationSeconds + 300) * 1000, intervalMs: 200 }),
      ]);
      const usage = processes.stop().usage;
      return { ...(JSON.parse(line.slice(RESULT_PREFIX.length)) as ClosedLoopResult & { eagerStarts: number }), processes: usage };
    }
    await waitForWorker(temporal.address, env.TEMPORAL_NAMESPACE ?? 'default', TASK_QUEUE);
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE ?? 'default' });
    const sourceWorkspaceId = crypto.randomUUID();
    const one = async () => {
      const handle = await startRouteLead(client, TASK_QUEUE, { id: crypto.randomUUID(), sourceWorkspaceId });
      const outcome = (await handle.result()) as { status?: string };
      if (outcome.status !== 'routed') throw new Error(`bare workflow ended ${JSON.stringify(outcome)}`);
    };
    await closedLoop({ concurrency: opts.concurrency, durationSeconds: 120, items: opts.concurrency * 5, run: one });
    const processes = sampleProcesses({ temporal: temporal.pid, worker: worker.child.pid });
    const result = await closedLoop({ concurrency: opts.concurrency, durationSeconds: opts.durationSeconds, run: one });
    return { ...result, processes: processes.stop().usage };
  } finally {
    await connection.close();
    await stopService(worker, 10_000);
    await temporal.stop();
  }
}
