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
import { openStatementStats, UNTRACKED_CONNECTION_OPTIONS, type StatementStats } from './statementStats';

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
  /**
   * pg_stat_statements of the product's database, when asked for (`statementStats`) and available; the
   * runner's own connection (`db`) is not counted in it.
   */
  statements?: StatementStats;
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
   * Use a Temporal server, and a Postgres database when given, that already run (the CI smoke test reuses the
   * test suite's Temporal server): the database must be empty or migrated; nothing of theirs is stopped or
   * measured. Without `databaseUrl` the stack starts its own Postgres.
   */
  external?: { databaseUrl?: string; temporalAddress: string };
  /**
   * Count the product's statements with pg_stat_statements (`stack.statements`; the load test's report shows
   * the top ones). Our own Postgres then loads the library; when it is not installed, or an external database's
   * server did not load it, the stack runs without (one warning). Off by default: benchmarks measure without
   * its overhead.
   */
  statementStats?: boolean;
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
    const [pgPort, temporalPort] = [await freePort(), await freePort()];
    const externalDb = opts.external?.databaseUrl;
    const [pg, temporal] = await Promise.all([
      externalDb ? undefined : startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, durable: true, logFile: path.join(dir, 'postgres.log'), statementStats: opts.statementStats, portInUseRetries: 3 }),
      opts.external ? undefined : startTemporalDevServer({ port: temporalPort, dbFile: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log'), portInUseRetries: 3 }),
    ]);
    if (pg) {
      stoppers.push(pg.stop);
      pids.postgres = pg.pid;
      await ensureDatabase(pg.url(), 'lead_router');
      databaseUrl = pg.url('lead_router');
      otherDatabaseUrl = (database) => pg.url(database);
    } else {
      databaseUrl = externalDb!;
    }
    if (temporal) {
      stoppers.push(temporal.stop);
      pids.temporal = temporal.pid;
      temporalAddress = temporal.address;
    } else {
      temporalAddress = opts.external!.temporalAddress;
    }
    // On our own Postgres the runner is superuser, so its connection can opt out of pg_stat_statements: its
    // per-second sampling is not the product's work. (Our Postgres already said so if the library is missing.)
    const untrackedRunner = pg?.statementStats === true;
    const db = createDb(untrackedRunner ? withConnectionOptions(databaseUrl, UNTRACKED_CONNECTION_OPTIONS) : databaseUrl, { poolMax: 2, applicationName: 'lead-router-load' });
    stoppers.push(() => db.destroy());
    await migrateLatest(db);
    let statements: StatementStats | undefined;
    if (opts.statementStats && (untrackedRunner || externalDb)) {
      const opened = await openStatementStats(db);
      statements = opened.stats;
      if (opened.unavailable) console.warn(`load: no Postgres statement statistics in this run's report: ${opened.unavailable}`);
    }

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
    return { apiUrl, adminToken, db, buyerUrl: `http://127.0.0.1:${buyerPort}/leads`, deliveries: () => received, pids, mode, built: opts.built ?? false, otherDatabaseUrl, temporalAddress, statements, stop };
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

/** `url` with a libpq `options` parameter (server settings for each connection, e.g. `-c name=value`). */
function withConnectionOptions(url: string, options: string): string {
  const u = new URL(url);
  u.searchParams.set('options', options);
  return u.toString();
}

export function makeScratchDir(base: string): string {
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, 'load-'));
  fs.chmodSync(dir, 0o711); // as root, Postgres runs as `postgres` and must pass through
  return dir;
}
