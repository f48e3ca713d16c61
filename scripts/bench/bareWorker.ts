// First, as in workers/main.ts: dd-trace must wrap pg, knex, fetch, grpc and pino before they are loaded.
import '../../lib/telemetry/initWorker';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../lib/config';
import { createDb } from '../../lib/db/createDb';
import { createLogger } from '../../lib/logger';
import { metricsFromConfig } from '../../lib/telemetry/metrics';
import { temporalRuntimeOptions } from '../../lib/telemetry/temporalRuntime';
import { temporalConnectionOptions } from '../../lib/temporal/connectionOptions';
import { createWorker } from '../../workers/createWorker';
import { noOpActivities } from './noOpActivities';

/**
 * The bare-workflow worker of `npm run bench` (its own process, as the product's worker is): the product's
 * worker (workers/createWorker.ts: the same workflow code, worker options and interceptors, configured from
 * the same environment) with every activity replaced by a no-op that answers at once as the happy path would.
 * What it sustains is the ceiling this Temporal deployment puts on the product's shape on this machine.
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
    await worker.run();
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
