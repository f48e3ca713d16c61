// First: dd-trace must wrap fastify, http, pg, knex, grpc and pino before they are loaded.
import '../lib/telemetry/initApi';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';
import { createLogger } from '../lib/logger';
import { metricsFromConfig } from '../lib/telemetry/metrics';
import { startPoolGauge } from '../lib/telemetry/poolGauge';
import { temporalClientInterceptors } from '../lib/telemetry/temporalTracing';
import { flushTraces } from '../lib/telemetry/tracer';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { buildApp } from './app';

/** The API process: config, connections, listen, and a clean close on SIGTERM/SIGINT. */
async function main() {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-api', log: createLogger(config.LOG_LEVEL) });
  // Lazy: the API starts (and /ready says what is missing) even while Temporal is still coming up.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: temporalClientInterceptors() });
  const app = await buildApp({ db, temporal, config });
  const metrics = metricsFromConfig(config, process.env.DD_SERVICE ?? 'lead-router-api', (err) => app.log.debug({ event: 'metrics.send_failed', err }, 'metric not sent'));
  const stopPoolGauge = startPoolGauge(db, metrics, 'api');

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ event: 'api.stopping', signal }, 'stopping: finishing in-flight requests');
    await app.close();
    stopPoolGauge();
    await metrics.close();
    await connection.close();
    await db.destroy();
    await flushTraces(); // the last requests' spans: process.exit() skips dd-trace's own exit flush
    process.exit(0);
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
