import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { freePort } from '../../scripts/local/freePort';
import { ensureDatabase, startLocalPostgres } from '../../scripts/local/postgres';
import { startTemporalDevServer } from '../../scripts/local/temporal';
import { TEMPLATE_DB, type SharedStack } from './env';

/**
 * Starts what every integration test file shares, once per jest run: a private Postgres with a migrated
 * template database (each file clones its own database from it), a Temporal dev server, and the workflow
 * bundle with the trace-propagating workflow interceptors, as the worker builds it (bundling takes seconds;
 * doing it once keeps files fast). Everything lives in one temp dir.
 */
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-test-'));
  fs.chmodSync(dir, 0o711); // when run as root, Postgres runs as `postgres` and must pass through
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const [pg, temporal, bundle] = await Promise.all([
    // Helpers and runs share the machine: a free port may be taken before the server binds it; then another.
    startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, durable: false, portInUseRetries: 3 }),
    startTemporalDevServer({ port: temporalPort, logFile: path.join(dir, 'temporal.log'), portInUseRetries: 3 }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), workflowInterceptorModules: [require.resolve('../../workflows/interceptors')], logger: quietBundlerLogger }),
  ]);

  await ensureDatabase(pg.url(), TEMPLATE_DB);
  const db = createDb(pg.url(TEMPLATE_DB), { poolMax: 2 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }

  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.LR_TEST_PG_PORT = String(pg.port);
  process.env.LR_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.LR_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.LR_TEST_DIR = dir;
  const shared: SharedStack = { stop: async () => { await Promise.all([temporal.stop(), pg.stop()]); fs.rmSync(dir, { recursive: true, force: true }); } };
  (globalThis as { __leadRouterStack?: SharedStack }).__leadRouterStack = shared;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
  log: () => undefined,
};
