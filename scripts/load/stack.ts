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
 */
export interface LoadStack {
  apiUrl: string;
  adminToken: string;
  /** A connection of the load runner's own, for measuring. */
  db: Db;
  buyerUrl: string;
  /** Deliveries the buyers received. */
  deliveries(): number;
  /** Process ids of the API and the worker (their CPU time is what a benchmark weighs). */
  pids: { api?: number; worker?: number };
  stop(): Promise<void>;
}

export async function startLoadStack(dir: string, env: Record<string, string> = {}): Promise<LoadStack> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((err: unknown) => console.error(err));
  };
  try {
    const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const [pg, temporal] = await Promise.all([
      startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, durable: true, logFile: path.join(dir, 'postgres.log') }),
      startTemporalDevServer({ port: temporalPort, dbFile: path.join(dir, 'temporal.db'), logFile: path.join(dir, 'temporal.log') }),
    ]);
    stoppers.push(pg.stop, temporal.stop);
    await ensureDatabase(pg.url(), 'lead_router');
    const databaseUrl = pg.url('lead_router');
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
      TEMPORAL_ADDRESS: temporal.address,
      ADMIN_TOKEN: adminToken,
      IDENTITY_HMAC_KEY: crypto.randomBytes(24).toString('hex'),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000', // the load is one source key: measure routing, not the limiter
      ...env,
    };
    const services = [startService('worker', 'workers/main.ts', serviceEnv, dir), startService('api', 'api/server.ts', serviceEnv, dir)];
    stoppers.push(() => Promise.all(services.map((s) => stopService(s))).then(() => undefined));
    for (const s of services) {
      s.child.once('exit', (code) => {
        if (code !== 0 && code !== null) console.error(`${s.name} exited with ${code}; last lines of ${s.logFile}:\n${s.tail()}`);
      });
    }
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForApi(apiUrl);
    await waitForWorker(temporal.address, serviceEnv.TEMPORAL_NAMESPACE ?? 'default', serviceEnv.TEMPORAL_TASK_QUEUE ?? 'lead-routing');
    const { port: buyerPort } = buyer.address() as AddressInfo;
    const pids = Object.fromEntries(services.map((s) => [s.name, s.child.pid]));
    return { apiUrl, adminToken, db, buyerUrl: `http://127.0.0.1:${buyerPort}/leads`, deliveries: () => received, pids, stop };
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
