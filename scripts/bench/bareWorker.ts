// First, as in workers/main.ts: dd-trace must wrap pg, knex, fetch, grpc and pino before they are loaded.
import '../../lib/telemetry/initWorker';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import crypto from 'node:crypto';
import { loadConfig } from '../../lib/config';
import { createDb } from '../../lib/db/createDb';
import { createLogger } from '../../lib/logger';
import { metricsFromConfig } from '../../lib/telemetry/metrics';
import { temporalRuntimeOptions } from '../../lib/telemetry/temporalRuntime';
import { temporalConnectionOptions } from '../../lib/temporal/connectionOptions';
import { startRouteLead } from '../../lib/temporal/startRouteLead';
import { createWorker } from '../../workers/createWorker';
import { MEASURING_LINE, RESULT_PREFIX } from './bareProtocol';
import { closedLoop } from './closedLoop';
import { noOpActivities } from './noOpActivities';

/**
 * The bare-workflow worker of `npm run bench` (its own process, as the product's worker is): the product's
 * worker (workers/createWorker.ts: the same workflow code, worker options and interceptors, configured from
 * the same environment) with every activity replaced by a no-op that answers at once as the happy path would.
 * What it sustains is the ceiling this Temporal deployment puts on the product's shape on this machine.
 *
 * With BENCH_EAGER_DRIVE=<json {concurrency, durationSeconds}> it is the combined deployment's ceiling: this
 * process also drives the closed loops, starting each workflow eagerly on the worker's own connection as
 * workers/startCombined.ts does, and prints `BENCH_MEASURING` when the measured phase begins and
 * `BENCH_RESULT <json>` (a ClosedLoopResult plus how many starts were eager) when it ends, then stops.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  Runtime.install(temporalRuntimeOptions(config));
  const db = createDb(config.DATABASE_URL, { poolMax: 1, applicationName: 'bench-bare-worker' }); // never queried
  const metrics = metricsFromConfig(config, 'lead-router-bench-bare', () => undefined);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  try {
    const worker = await createWorker({
      connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, db, config, log, metrics, temporal,
      wrapActivities: (real) => noOpActivities(real, (name) => log.warn({ event: 'bench.generic_no_op', activity: name }, 'an activity without a specific no-op answer was called')),
    });
    const drive = process.env.BENCH_EAGER_DRIVE;
    if (!drive) return await worker.run();

    const { concurrency, durationSeconds } = JSON.parse(drive) as { concurrency: number; durationSeconds: number };
    const running = worker.run();
    // The client on the worker's NativeConnection: the SDK's condition for eager start.
    const eagerClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const sourceWorkspaceId = crypto.randomUUID();
    let eager = 0;
    const one = async () => {
      const handle = await startRouteLead(eagerClient, config.TEMPORAL_TASK_QUEUE, { id: crypto.randomUUID(), sourceWorkspaceId }, 'reject', { eager: true });
      if (handle.eagerlyStarted) eager += 1;
      const outcome = (await handle.result()) as { status?: string };
      if (outcome.status !== 'routed') throw new Error(`bare workflow ended ${JSON.stringify(outcome)}`);
    };
    await closedLoop({ concurrency, durationSeconds: 120, items: concurrency * 5, run: one });
    eager = 0;
    console.log(MEASURING_LINE);
    const result = await closedLoop({ concurrency, durationSeconds, run: one });
    console.log(`${RESULT_PREFIX}${JSON.stringify({ ...result, eagerStarts: eager })}`);
    worker.shutdown();
    await running;
  } finally {
    await metrics.close();
    await clientConnection.close();
    await connection.close();
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
