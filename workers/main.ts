// First: dd-trace must wrap pg, knex, fetch, grpc and pino before they are loaded.
import '../lib/telemetry/initWorker';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../lib/config';
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

/** Something main() opened, with how to close it. */
type Opened = { name: string; close: () => unknown };

/**
 * Closes what main() opened, last opened first. A close that throws is printed and the rest still close: after
 * a failed start, the first error has been printed already and must stay the one that explains the exit (the
 * SDK's "Cannot close connection while Workers hold a reference" used to replace it). Bounded by `timeoutMs`.
 */
async function closeAll(opened: Opened[], timeoutMs = 15_000): Promise<void> {
  const closing = (async () => {
    for (const { name, close } of [...opened].reverse()) {
      try {
        await close();
      } catch (err) {
        console.error(`while stopping, closing ${name} failed:`, err);
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(() => {
    console.error(`while stopping, closing took over ${timeoutMs} ms; exiting without waiting`);
    resolve();
  }, timeoutMs)));
  await Promise.race([closing, deadline]);
  clearTimeout(timer);
}

/**
 * The worker process. SIGTERM/SIGINT start a graceful shutdown (the SDK's Runtime installs the handlers):
 * polling stops, running activities get shutdownGraceTime to finish, then the pool and connection close.
 * A failed start prints its error first, then closes what was opened and exits 1.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  Runtime.install(temporalRuntimeOptions(config));
  const opened: Opened[] = [];
  let failure: unknown;
  try {
    const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-worker', log });
    opened.push({ name: 'the database pool', close: () => db.destroy() });
    const metrics = metricsFromConfig(config, process.env.DD_SERVICE ?? 'lead-router-worker', (err) => log.debug({ event: 'metrics.send_failed', err }, 'metric not sent'));
    opened.push({ name: 'metrics', close: () => metrics.close() });
    opened.push({ name: 'the pool gauge', close: startPoolGauge(db, metrics, 'worker') });
    const connection = await NativeConnection.connect(temporalConnectionOptions(config));
    opened.push({ name: 'the worker\'s Temporal connection', close: () => connection.close() });
    // A client too: maintenance activities re-drive leads by starting workflows.
    const clientConnection = await Connection.connect(temporalConnectionOptions(config));
    opened.push({ name: 'the client\'s Temporal connection', close: () => clientConnection.close() });
    const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, interceptors: temporalClientInterceptors() });
    // Before the worker exists: a created Worker holds its connection until it has run, so a failure between
    // the two could not close the connection.
    if (config.MAINTENANCE_SCHEDULES) {
      const schedules = await ensureSchedules(temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, timezone: config.MAINTENANCE_TIMEZONE });
      log.info({ event: 'worker.schedules', schedules }, 'maintenance schedules in place');
    }
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
    log.info({ event: 'worker.started', taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
    await worker.run();
    log.info({ event: 'worker.stopped' }, 'worker drained and stopped');
  } catch (err) {
    // Printed now, before closing: a close that throws or hangs must not hide why the worker stopped.
    console.error(err);
    failure = err;
  }
  await closeAll(opened);
  await flushTraces();
  if (failure !== undefined) process.exit(1);
}

main().catch((err) => {
  // A configuration problem is the operator's to fix: its list of variables, without a stack trace.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
