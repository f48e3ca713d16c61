import { Client } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app';
import { Admission } from '../lib/admission/admission';
import { startStarter } from '../lib/admission/starter';
import type { Config } from '../lib/config';
import { envSetting } from '../lib/config/parsers';
import { createDb, type Db } from '../lib/db/createDb';
import { createLogger, type Logger } from '../lib/logger';
import { createLeadHandOff } from '../lib/routing/leadHandOff';
import { metricsFromConfig } from '../lib/telemetry/metrics';
import { startPoolGauge } from '../lib/telemetry/poolGauge';
import { temporalClientInterceptors } from '../lib/telemetry/temporalTracing';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { createWorker } from './createWorker';

export interface Combined {
  app: FastifyInstance;
  worker: Worker;
  admission: Admission;
  /** The client on the worker's connection (eager starts). */
  temporal: Client;
  /** The gateway's pool and the worker's: separate, so neither waits for a connection behind the other. */
  pools: { api: Db; worker: Db };
  /** Resolves when the worker has stopped (after stop(), or if it fails). */
  running: Promise<void>;
  /** HTTP first (no new leads), then the starter loop, then the worker drains; closes every connection. */
  stop(): Promise<void>;
}

/**
 * The gateway and a worker in one process (issue 10 §2, `npm run start:combined`): the Temporal client is
 * built on the worker's NativeConnection (the SDK's requirement for eager start, TS SDK ≥ 1.24), so each
 * workflow start asks for its first workflow task to come straight back to this worker
 * (`requestEagerStart`), skipping a trip through the server's task queue; the worker's slots are sized
 * above ADMISSION_MAX_IN_FLIGHT (createWorker's workerSlots) so the server can accept the eager start.
 * The separate-process mode (api/server.ts + workers/main.ts) is unchanged.
 */
export async function startCombined(
  config: Config,
  opts: { log?: Logger; workflowBundle?: WorkerOptions['workflowBundle']; httpLogger?: boolean } = {},
): Promise<Combined> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  // Two pools, as the two processes of the separate mode have: the gateway's inserts and admission claims must
  // not queue for a connection behind routing transactions (issue 10: at a 100/s spike the gateway's p95
  // followed the worker's pool waits). DATABASE_POOL_MAX each.
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-combined-api', log });
  const workerDb = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-combined-worker', log });
  const metrics = metricsFromConfig(config, envSetting(process.env, 'DD_SERVICE') ?? 'lead-router-combined', (err) => log.debug({ event: 'metrics.send_failed', err }, 'metric not sent'));
  const stopApiPoolGauge = startPoolGauge(db, metrics, 'api');
  const stopWorkerPoolGauge = startPoolGauge(workerDb, metrics, 'worker');
  // What is open so far, closed if the start fails part-way: a caller gets the error, not leaked pools.
  const opened: { connection?: NativeConnection; app?: FastifyInstance } = {};
  const closeOpened = async () => {
    stopApiPoolGauge();
    stopWorkerPoolGauge();
    await Promise.allSettled([opened.app?.close(), metrics.close()]);
    await Promise.allSettled([opened.connection?.close(), db.destroy(), workerDb.destroy()]);
  };
  const { connection, temporal, admission, app, worker } = await (async () => {
    const connection = (opened.connection = await NativeConnection.connect(temporalConnectionOptions(config)));
    // NativeConnection implements the client's ConnectionLike and tells it that eager start is supported.
    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: temporalClientInterceptors() });
    const admission = Admission.fromConfig(config, { db, temporal, metrics, log, eager: true });
    // New leads go from the gateway to this worker's first routing attempt in memory (no read of the lead back).
    const leadHandOff = createLeadHandOff();
    const app = (opened.app = await buildApp({ db, temporal, config, admission, leadHandOff }, { logger: opts.httpLogger ?? true }));
    // Last: a created Worker holds the connection until it has run, so nothing that can fail comes after it.
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db: workerDb,
      config,
      log,
      metrics,
      temporal,
      leadHandOff,
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : {}),
    });
    return { connection, temporal, admission, app, worker };
  })().catch(async (err: unknown) => {
    await closeOpened();
    throw err;
  });
  const running = worker.run();
  const starter = config.ADMISSION_STARTER ? startStarter(admission, { pollMs: config.ADMISSION_POLL_MS, metrics, log }) : undefined;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close();
      await starter?.stop();
      await admission.idle();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch((err: unknown) => log.error({ err, event: 'worker.failed' }, 'worker stopped with an error'));
      stopApiPoolGauge();
      stopWorkerPoolGauge();
      await metrics.close();
      await connection.close();
      await Promise.all([db.destroy(), workerDb.destroy()]);
    })());
  return { app, worker, admission, temporal, pools: { api: db, worker: workerDb }, running, stop };
}
