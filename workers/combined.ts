// First: dd-trace must wrap fastify, http, pg, knex, grpc and pino before they are loaded.
import '../lib/telemetry/initCombined';
import { ConfigError, loadConfig, type Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { exitOnStartFailure, settleWithin } from '../lib/shutdown';
import { checkDatabaseAtStart, checkTemporalNamespaceAtStart, logUnreachable } from '../lib/startChecks';
import { listenError, temporalConnectError, temporalStartError } from '../lib/startErrors';
import { installTemporalRuntime } from '../lib/telemetry/temporalRuntime';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { flushTraces } from '../lib/telemetry/tracer';
import { ensureSchedules } from './schedules';
import { startCombined } from './startCombined';

/** How long stopping may take: the worker's shutdownGraceTime (30 s) plus a margin. */
const STOP_TIMEOUT_MS = 45_000;

/**
 * `npm run start:combined`: the gateway and a worker in one process, with eager workflow starts
 * (workers/startCombined.ts). SIGTERM/SIGINT: the HTTP server stops taking leads, the starter loop finishes
 * its pass, the worker drains (shutdownGraceTime), then the process exits. A failed start prints its error
 * first, then stops what was started and exits 1.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  // Signals are handled below, so the HTTP server stops taking leads before the worker drains.
  installTemporalRuntime(config, { shutdownSignals: [] }); // a Prometheus port in use names its variable
  const { temporalReachable } = await startChecks(config, log);
  const temporalSettings = { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE };
  // Closes what it opened if it fails. An unknown namespace is named as TEMPORAL_NAMESPACE; with Temporal unreachable
  // (its worker cannot start without it, unlike the separate API) the failure names TEMPORAL_ADDRESS, and says when
  // its host does not exist.
  const combined = await startCombined(config, { log }).catch(async (err: unknown) => {
    throw temporalReachable ? temporalStartError(err, temporalSettings) : await temporalConnectError(err, temporalSettings);
  });
  try {
    if (config.MAINTENANCE_SCHEDULES) {
      const schedules = await ensureSchedules(combined.temporal, { taskQueue: config.TEMPORAL_TASK_QUEUE, timezone: config.MAINTENANCE_TIMEZONE });
      log.info({ event: 'worker.schedules', schedules }, 'maintenance schedules in place');
    }
    await combined.app.listen({ port: config.PORT, host: config.HOST }).catch((err: unknown) => {
      throw listenError(err, { host: config.HOST, port: config.PORT });
    });
  } catch (err) {
    // Printed before stopping: an error while stopping must not hide why the start failed.
    console.error(err instanceof ConfigError ? err.message : err);
    await settleWithin(combined.stop(), STOP_TIMEOUT_MS);
    await flushTraces();
    process.exit(1);
  }
  const close = async (signal: string) => {
    log.info({ event: 'combined.stopping', signal }, 'stopping: HTTP first, then the worker drains');
    const stopped = await settleWithin(combined.stop(), STOP_TIMEOUT_MS);
    await flushTraces();
    process.exit(stopped ? 0 : 1);
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
  log.info({ event: 'combined.started', taskQueue: config.TEMPORAL_TASK_QUEUE, port: config.PORT }, 'gateway and worker running in one process');
  await combined.running;
}

/**
 * What the combined process does while a dependency is down at start, said in its warning: Postgres down, the
 * gateway answers 503 until it is up (as the separate API does); Temporal down, its worker cannot start, so the
 * process tries to connect once more and exits 1 naming TEMPORAL_ADDRESS if Temporal is still not there
 * (it used to say "starting anyway" and then exit).
 */
const COMBINED_MEANWHILE = {
  postgres: 'starting anyway: leads are answered 503 database_unavailable until Postgres is up',
  temporal: 'its worker cannot start without Temporal: connecting once more, then exiting 1 (naming TEMPORAL_ADDRESS) if it is still unreachable',
};

/**
 * DATABASE_URL and TEMPORAL_NAMESPACE that can never work stop the process (ConfigError); Postgres not up yet is
 * logged and the start goes on, as in the separate mode (lib/startChecks.ts); Temporal not up: COMBINED_MEANWHILE.
 */
async function startChecks(config: Config, log: Logger): Promise<{ temporalReachable: boolean }> {
  const [database, temporal] = await Promise.all([
    checkDatabaseAtStart(config.DATABASE_URL),
    checkTemporalNamespaceAtStart(temporalConnectionOptions(config), config.TEMPORAL_NAMESPACE),
  ]);
  logUnreachable(log, { postgres: database, temporal }, COMBINED_MEANWHILE);
  return { temporalReachable: temporal.reachable };
}

main().catch(exitOnStartFailure);
