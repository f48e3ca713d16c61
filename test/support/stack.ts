import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import crypto from 'node:crypto';
import { Client as PgClient } from 'pg';
import { buildApp } from '../../api/app';
import { loadConfig, type Config } from '../../lib/config';
import { createDb, type Db } from '../../lib/db/createDb';
import { createLogger, type Logger } from '../../lib/logger';
import { metricsFromConfig } from '../../lib/telemetry/metrics';
import { temporalRuntimeOptions } from '../../lib/telemetry/temporalRuntime';
import { temporalClientInterceptors } from '../../lib/telemetry/temporalTracing';
import { createWorker } from '../../workers/createWorker';
import { installResponseSchemaGuard } from './responseSchemaGuard';
import { sharedEnv, TEMPLATE_DB } from './env';

/**
 * Test output shows test failures, not the SDK's routine worker lifecycle lines. The runtime is
 * process-wide and installed once, by the first stack of the file (before any connection would create a
 * default one); a file that needs the SDK's Prometheus endpoint passes TEMPORAL_PROMETHEUS_BIND_ADDRESS.
 * A later test file in the same jest worker finds it installed already, which is fine.
 */
function installRuntime(prometheusBindAddress: string | undefined): void {
  try {
    Runtime.install({ ...temporalRuntimeOptions({ TEMPORAL_PROMETHEUS_BIND_ADDRESS: prometheusBindAddress }), shutdownSignals: [], logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
}

/** A fresh database cloned from the migrated template: real Postgres, isolated per test file. */
export async function createTestDatabase(): Promise<{ url: string; name: string }> {
  const { pgPort } = sharedEnv();
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  return { url: `postgres://postgres@127.0.0.1:${pgPort}/${name}`, name };
}

export interface TestStack {
  app: FastifyInstance;
  db: Db;
  client: Client;
  config: Config;
  adminToken: string;
  /** Starts a worker on this stack's task queue; stopped by stop() if not before. */
  startWorker(overrides?: { activities?: (base: Record<string, unknown>) => Record<string, unknown>; log?: Logger }): Promise<Worker>;
  stop(): Promise<void>;
}

/**
 * The whole system for one test file: API (in-process, driven by app.inject), a worker on a task queue
 * of its own, its own database, and the shared Temporal dev server.
 */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  installRuntime(env.TEMPORAL_PROMETHEUS_BIND_ADDRESS);
  const shared = sharedEnv();
  // A test that brings its own Postgres or Temporal (outage tests restart them) passes DATABASE_URL or
  // TEMPORAL_ADDRESS; otherwise the file gets a database cloned from the shared template.
  const database = env.DATABASE_URL ? { url: env.DATABASE_URL } : await createTestDatabase();
  const adminToken = crypto.randomBytes(24).toString('hex');
  const config = loadConfig({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: shared.temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${crypto.randomBytes(6).toString('hex')}`,
    ADMIN_TOKEN: adminToken,
    IDENTITY_HMAC_KEY: 'test-identity-hmac-key-0123456789',
    LOG_LEVEL: 'silent',
    DATABASE_POOL_MAX: '20',
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_FAILURES_PER_MINUTE: '100000', // tests of wrong keys would otherwise block the file's own later calls
    // Retries after 0.2 s, 0.4 s ... (capped at 1 s) instead of 30 s, 60 s ...: same code path, test-sized clock.
    ROUTING_RETRY_BASE_SECONDS: '0.2',
    ROUTING_RETRY_MAX_SECONDS: '1',
    ...env,
  });
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, log: createLogger('silent') });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: temporalClientInterceptors() });
  const app = await buildApp({ db, temporal: client, config }, { logger: false });
  // Sent to DD_AGENT_HOST:DD_DOGSTATSD_PORT: nowhere unless a test listens there (test/support/statsdCapture.ts).
  const metrics = metricsFromConfig(config, 'lead-router-worker');
  installResponseSchemaGuard(app); // every answer matches its documented schema (nothing dropped)

  const workers: Array<{ worker: Worker; running: Promise<void>; connection: NativeConnection }> = [];
  const startWorker: TestStack['startWorker'] = async (overrides) => {
    const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await createWorker({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      db,
      config,
      log: overrides?.log ?? createLogger('silent'),
      metrics,
      temporal: client,
      workflowBundle: { codePath: shared.workflowBundlePath },
      wrapActivities: overrides?.activities,
    });
    const running = worker.run();
    workers.push({ worker, running, connection: workerConnection });
    return worker;
  };

  const stop = async () => {
    for (const w of workers) {
      if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.running;
      await w.connection.close();
    }
    await app.close();
    await metrics.close();
    await connection.close();
    await db.destroy();
    // The SDK's native runtime outlives its workers until shut down; left alone it keeps jest from exiting.
    if (workers.length > 0) await Runtime.instance().shutdown().catch(() => undefined);
  };
  return { app, db, client, config, adminToken, startWorker, stop };
}
