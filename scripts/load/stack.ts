import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createDb, type Db } from '../../lib/db/createDb';
import { migrateLatest } from '../../lib/db/migrate';
import { freePort } from '../local/freePort';
import { ensureDatabase, startLocalPostgres } from '../local/postgres';
import { startService, stopService, waitForApi, waitForWorker } from '../local/services';
import { startTemporalDevServer } from '../local/temporal';

/**
 * The system under load, production-shaped on one machine: Postgres (durable), the Temporal dev server with
 * its SQLite file, the worker and the API as two separate processes (the real entry points), and buyers
 * that answer 200 to every signed delivery. Everything lives in `dir`.
 *
 * Deployment modes: `separate` (api/server.ts and workers/main.ts, two processes) or `combined` (one process
 * running the gateway and a worker together, workers/combined.ts, when the product has that entry).
 */
export interface LoadStack {
  apiUrl: string;
  adminToken: string;
  /** A connection of the load runner's own, for measuring. */
  db: Db;
  buyerUrl: string;
  /** Deliveries the buyers received. */
  deliveries(): number;
  /**
   * Process ids for CPU and memory readings: `api` and `worker` (separate mode) or `combined`, and
   * `postgres` / `temporal` when this stack started them.
   */
  pids: Partial<Record<'api' | 'worker' | 'combined' | 'postgres' | 'temporal', number>>;
  mode: DeploymentMode;
  /** The product runs from dist/ (compiled), not through tsx. */
  built: boolean;
  /** URL of another database on this stack's Postgres server (benchmarks keep their data apart); undefined when external. */
  otherDatabaseUrl?: (database: string) => string;
  /** The Temporal server's address (host:port). */
  temporalAddress: string;
  stop(): Promise<void>;
}

export type DeploymentMode = 'separate' | 'combined';

/** The entry point of each deployment mode's processes (paths from the repository root). */
export const MODE_ENTRIES: Record<DeploymentMode, Array<{ name: 'api' | 'worker' | 'combined'; entry: string }>> = {
  separate: [{ name: 'worker', entry: 'workers/main.ts' }, { name: 'api', entry: 'api/server.ts' }],
  combined: [{ name: 'combined', entry: 'workers/combined.ts' }],
};

/** Throws a clear error when the mode's entry point is not in this checkout. */
export function checkMode(mode: string): DeploymentMode {
  if (mode !== 'separate' && mode !== 'combined') throw new Error(`--mode must be separate or combined, got ${mode}`);
  for (const { entry } of MODE_ENTRIES[mode]) {
    if (!fs.existsSync(path.join(root, entry))) throw new Error(`--mode ${mode} needs ${entry}, which this checkout does not have`);
  }
  return mode;
}

export interface LoadStackOptions {
  mode?: DeploymentMode;
  /**
   * Use a Postgres database and a Temporal server that already run (the CI smoke test reuses the test
   * suite's): the database must be empty or migrated; nothing of theirs is stopped or measured.
   */
  external?: { databaseUrl: string; temporalAddress: string };
  /** Run the product's processes from dist/ (`npm run build`) with plain node, as the Docker image does. */
  built?: boolean;
}

const root = path.resolve(__dirname, '../..');

/** `env`: extra environment of the product's processes (overrides the defaults below). */
export async function startLoadStack(dir: string, env: Record<string, string> = {}, opts: LoadStackOptions = {}): Promise<LoadStack> {
  const mode = checkMode(opts.mode ?? 'separate');
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((err: unknown) => console.error(err));
  };
  try {
    const apiPort = await freePort();
    const pids: LoadStack['pids'] = {};
    let databaseUrl: string;
    let temporalAddress: string;
    let otherDatabaseUrl: LoadStack['otherDatabaseUrl'];
    if (opts.external) {
      ({ databaseUrl, temporalAddress } = opts.external);
    } else {
      const [pgPort, temporalPort] = [await freePort(), await freePort()];
      const [pg, temporal] = await Promise.all([
        startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, durable: true, logFile: path.join(dir, 'postgres.log') }),
        startTemporalDevServer({ port: temporalPort, dbFile: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log') }),
      ]);
      stoppers.push(pg.stop, temporal.stop);
      Object.assign(pids, { postgres: pg.pid, temporal: temporal.pid });
      await ensureDatabase(pg.url(), 'lead_router');
      databaseUrl = pg.url('lead_router');
      otherDatabaseUrl = (database) => pg.url(database);
      temporalAddress = temporal.address;
    }
    const db = createDb(databaseUrl, { poolMax: 2, applicationName: 'lead-router-load' });
    stoppers.push(() => db.destroy());
    await migrateLatest(db);

    let received = 0;
    const buyer = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => buyer.listen(0, '127.0.0.1', resolve));
    stoppers.push(() => new Promise<void>((resolve) => buyer.close(() => resolve())));

    const adminToken = crypto.randomBytes(24).toString('hex');
    const serviceEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      ADMIN_TOKEN: adminToken,
      IDENTITY_HMAC_KEY: crypto.randomBytes(24).toString('hex'),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000', // the load is one source key: measure routing, not the limiter
      ...env,
    };
    const services = MODE_ENTRIES[mode].map(({ name, entry }) => startService(name, entry, serviceEnv, dir, opts.built ? 'compiled' : 'tsx'));
    stoppers.push(() => Promise.all(services.map((s) => stopService(s))).then(() => undefined));
    for (const s of services) {
      s.child.once('exit', (code) => {
        if (code !== 0 && code !== null) console.error(`${s.name} exited with ${code}; last lines of ${s.logFile}:\n${s.tail()}`);
      });
    }
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForApi(apiUrl);
    await waitForWorker(temporalAddress, serviceEnv.TEMPORAL_NAMESPACE ?? 'default', serviceEnv.TEMPORAL_TASK_QUEUE ?? 'lead-routing');
    const { port: buyerPort } = buyer.address() as AddressInfo;
    for (const s of services) pids[s.name as 'api' | 'worker' | 'combined'] = s.child.pid;
    return { apiUrl, adminToken, db, buyerUrl: `http://127.0.0.1:${buyerPort}/leads`, deliveries: () => received, pids, mode, built: opts.built ?? false, otherDatabaseUrl, temporalAddress, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A source and three buyers sharing a weighted catch-all rule, created through the admin API. */
export async function seedMarketplace(stack: LoadStack): Promise<{ sourceId: string; apiKey: string }> {
  const admin = async (url: string, body: unknown) => {
    const res = await fetch(`${stack.apiUrl}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; apiKey?: string };
  };
  const source = await admin('/api/admin/workspaces', { name: 'Load source', kind: 'source' });
  const buyers = [];
  for (const name of ['Buyer A', 'Buyer B', 'Buyer C']) buyers.push(await admin('/api/admin/workspaces', { name, kind: 'partner', deliveryUrl: stack.buyerUrl }));
  await admin('/api/admin/rules', {
    name: 'everything, weighted',
    priority: 1,
    distribution: 'weighted',
    destinations: buyers.map((b, i) => ({ workspaceId: b.id, weight: [50, 30, 20][i] })),
  });
  return { sourceId: source.id, apiKey: source.apiKey! };
}

export function makeScratchDir(base: string): string {
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, 'load-'));
  fs.chmodSync(dir, 0o711); // as root, Postgres runs as `postgres` and must pass through
  return dir;
}
