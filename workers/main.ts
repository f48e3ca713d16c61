// First: dd-trace must wrap pg, knex, fetch, grpc and pino before they are loaded.
import '../lib/telemetry/initWorker';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../lib/config';
import { envSetting } from '../lib/config/parsers';
import { createDb } from '../lib/db/createDb';
import { createLogger } from '../lib/logger';
import { closeInOrder, exitOnStartFailure, type CloseStep } from '../lib/shutdown';
import { checkDatabaseAtStart, logUnreachable } from '../lib/startChecks';
import { temporalConnectError, temporalStartError } from '../lib/startErrors';
import { metricsFromConfig } from '../lib/telemetry/metrics';
import { startPoolGauge } from '../lib/telemetry/poolGauge';
import { installTemporalRuntime } from '../lib/telemetry/temporalRuntime';
import { temporalClientInterceptors } from '../lib/telemetry/temporalTracing';
import { flushTraces } from '../lib/telemetry/tracer';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { createWorker } from './createWorker';
import { ensureSchedules } from './schedules';

/**
 * The worker process. SIGTERM/SIGINT start a graceful shutdown (the SDK's Runtime installs the handlers):
 * polling stops, running activities get shutdownGraceTime to finish, then the pool and connection close.
 * A failed start prints its error first, then closes what was opened and exits 1.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(config); // a Prometheus port in use names TEMPORAL_PROMETHEUS_BIND_ADDRESS
  // A DATABASE_URL that can never work stops the worker here: polling the shared task queue, it would take lead
  // tasks it can only fail. Postgres not up yet is not that: its activities retry until it is.
  logUnreachable(log, { postgres: await checkDatabaseAtStart(config.DATABASE_URL) }, { postgres: 'starting anyway: its activities retry until Postgres is up' });
  const opened: CloseStep[] = [];
  let failure: unknown;
  const temporalSettings = { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE };
  // A failed connect names TEMPORAL_ADDRESS (it said only "transport error"), and says when its host does not exist
  // (it printed the SDK's raw tonic "dns error").
  const connect = <T>(p: Promise<T>) => p.catch(async (err: unknown) => { throw await temporalConnectError(err, temporalSettings); });
  try {
    const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-worker', log });
    opened.push({ name: 'the database pool', close: () => db.destroy() });
    const metrics = metricsFromConfig(config, envSetting(process.env, 'DD_SERVICE') ?? 'lead-router-worker', (err) => log.debug({ event: 'metrics.send_failed', err }, 'metric not sent'));
    opened.push({ name: 'metrics', close: () => metrics.close() });
    opened.push({ name: 'the pool gauge', close: startPoolGauge(db, metrics, 'worker') });
    const connection = await connect(NativeConnection.connect(temporalConnectionOptions(config)));
    opened.push({ name: 'the worker\'s Temporal connection', close: () => connection.close() });
    // A client too: maintenance activities re-drive leads by starting workflows.
    const clientConnection = await connect(Connection.connect(temporalConnectionOptions(config)));
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
    // Printed now, before closing: a close that throws or hangs must not hide why the worker stopped. An unknown
    // namespace is named as TEMPORAL_NAMESPACE.
    const named = temporalStartError(err, temporalSettings);
    console.error(named instanceof ConfigError ? named.message : named);
    failure = err;
  }
  await closeInOrder([...opened].reverse(), 15_000); // last opened first
  await flushTraces();
  if (failure !== undefined) process.exit(1);
}

main().catch(exitOnStartFailure);
