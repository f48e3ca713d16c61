// First: dd-trace must wrap pg, knex, fetch, grpc and pino before they are loaded.
import '../lib/telemetry/initWorker';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';
import { createLogger } from '../lib/logger';
import { metricsFromConfig } from '../lib/telemetry/metrics';
import { startPoolGauge } from '../lib/telemetry/poolGauge';
import { temporalRuntimeOptions } from '../lib/telemetry/temporalRuntime';
import { temporalClientInterceptors } from '../lib/telemetry/temporalTracing';
import { flushTraces } from '../lib/telemetry/tracer';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { createWorker } from './createWorker';
import { ensureSchedules } from './schedules';

/**
 * The worker process. SIGTERM/SIGINT start a graceful shutdown (the SDK's Runtime installs the handlers):
 * polling stops, running activities get shutdownGraceTime to finish, then the pool and connection close.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  Runtime.install(temporalRuntimeOptions(config));
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-worker', log });
  const metrics = metricsFromConfig(config, process.env.DD_SERVICE ?? 'lead-router-worker', (err) => log.debug({ event: 'metrics.send_failed', err }, 'metric not sent'));
  const stopPoolGauge = startPoolGauge(db, metrics, 'worker');
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // A client too: maintenance activities re-drive leads by starting workflows.
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, interceptors: temporalClientInterceptors() });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db,
      config,
      log,
      metrics,
      temporal,
    });
    if (config.MAINTENANCE_SCHEDULES) {
      const schedules = await ensureSchedules(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, timezone: config.MAINTENANCE_TIMEZONE });
      log.info({ event: 'worker.schedules', schedules }, 'maintenance schedules in place');
    }
    log.info({ event: 'worker.started', taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
    await worker.run();
    log.info({ event: 'worker.stopped' }, 'worker drained and stopped');
  } finally {
    stopPoolGauge();
    await metrics.close();
    await clientConnection.close();
    await connection.close();
    await db.destroy();
    await flushTraces();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
