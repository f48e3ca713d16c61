// First: dd-trace must wrap fastify, http, pg, knex, grpc and pino before they are loaded.
import '../lib/telemetry/initApi';
import { Client, Connection } from '@temporalio/client';
import { Admission } from '../lib/admission/admission';
import { startStarter } from '../lib/admission/starter';
import { loadConfig, type Config } from '../lib/config';
import { envSetting } from '../lib/config/parsers';
import { createDb } from '../lib/db/createDb';
import { createLogger } from '../lib/logger';
import { closeInOrder, exitOnStartFailure } from '../lib/shutdown';
import { metricsFromConfig } from '../lib/telemetry/metrics';
import { startPoolGauge } from '../lib/telemetry/poolGauge';
import { temporalClientInterceptors } from '../lib/telemetry/temporalTracing';
import { checkDatabaseAtStart, checkTemporalNamespaceAtStart, logUnreachable } from '../lib/startChecks';
import { listenError } from '../lib/startErrors';
import { flushTraces } from '../lib/telemetry/tracer';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { buildApp } from './app';

/**
 * The API process: config, connections, admission control's starter loop, listen, and a clean close on
 * SIGTERM/SIGINT (the loop finishes its current pass; leads it had not started wait in Postgres).
 * A failed start (config, listen) rejects main(): printed by the catch below, exit 1, nothing awaited first.
 */
async function main() {
  const config = loadConfig();
  await startChecks(config);
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-api', log: createLogger(config.LOG_LEVEL) });
  // Lazy: the API starts (and /ready says what is missing) even while Temporal is still coming up.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: temporalClientInterceptors() });
  const log = createLogger(config.LOG_LEVEL);
  const metrics = metricsFromConfig(config, envSetting(process.env, 'DD_SERVICE') ?? 'lead-router-api', (err) => log.debug({ event: 'metrics.send_failed', err }, 'metric not sent'));
  // Admission control: the route's fast path and this process's starter loop share one instance.
  const admission = Admission.fromConfig(config, { db, temporal, metrics, log });
  const app = await buildApp({ db, temporal, config, admission });
  const starter = config.ADMISSION_STARTER ? startStarter(admission, { pollMs: config.ADMISSION_POLL_MS, metrics, log }) : undefined;
  const stopPoolGauge = startPoolGauge(db, metrics, 'api');

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ event: 'api.stopping', signal }, 'stopping: finishing in-flight requests');
    // Each step in turn; one that fails is printed and the rest still run, and the exit code says so (a
    // rejected close() used to surface as an unhandled rejection, skipping the remaining steps).
    const closed = await closeInOrder([
      { name: 'the HTTP server', close: () => app.close() },
      { name: 'the starter loop', close: () => starter?.stop() },
      { name: 'admission', close: () => admission.idle() },
      { name: 'the pool gauge', close: () => stopPoolGauge() },
      { name: 'metrics', close: () => metrics.close() },
      { name: 'the Temporal connection', close: () => connection.close() },
      { name: 'the database pool', close: () => db.destroy() },
    ], 60_000);
    await flushTraces(); // the last requests' spans: process.exit() skips dd-trace's own exit flush
    process.exit(closed ? 0 : 1);
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST }).catch((err: unknown) => {
    throw listenError(err, { host: config.HOST, port: config.PORT });
  });
}

/**
 * A DATABASE_URL or TEMPORAL_NAMESPACE that can never work stops the API here (ConfigError, exit 1): it would
 * answer 503 to everything, or store leads no workflow can start for. Postgres or Temporal not up yet does not:
 * the API answers 503 database_unavailable until Postgres is, and 202 while Temporal is down (admission control).
 */
async function startChecks(config: Config): Promise<void> {
  const [database, temporal] = await Promise.all([
    checkDatabaseAtStart(config.DATABASE_URL),
    checkTemporalNamespaceAtStart(temporalConnectionOptions(config), config.TEMPORAL_NAMESPACE),
  ]);
  logUnreachable(createLogger(config.LOG_LEVEL), { postgres: database, temporal }, {
    postgres: 'starting anyway: leads are answered 503 database_unavailable until Postgres is up',
    temporal: 'starting anyway: leads are answered 202 and wait in Postgres until Temporal is up',
  });
}

main().catch(exitOnStartFailure);
