import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { envSetting } from '../lib/config/parsers';
import { createDb } from '../lib/db/createDb';
import { migrateLatest } from '../lib/db/migrate';
import { createLogger } from '../lib/logger';
import { databaseToolError } from '../lib/startErrors';
import { refuseDataDirInUse } from './local/dataDirInUse';
import { devPorts } from './local/devPorts';
import { freePort, isPortOpen } from './local/freePort';
import { ensureDatabase, startLocalPostgres } from './local/postgres';
import { startService, stopService, waitForApi, waitForWorker, type Service } from './local/services';
import { findTemporalCli, startTemporalDevServer } from './local/temporal';
import { seedDemo, type DemoKeys } from './seedDemo';

/**
 * `make dev`: the whole system on this machine, no Docker. Postgres (machine binaries, data in .data/),
 * the Temporal dev server (SQLite in .data/, Web UI), migrations, a demo marketplace, the worker and the
 * API. A second run reuses the data. Ctrl-C stops everything it started.
 * Set DATABASE_URL or TEMPORAL_ADDRESS to use servers of your own instead.
 * `--smoke` routes ten demo leads (new people each run), prints the times from POST to routed, and stops.
 */
const root = path.resolve(__dirname, '..');
const dataDir = path.resolve(envSetting(process.env, 'DEV_DATA_DIR') ?? path.join(root, '.data'));
const smoke = process.argv.includes('--smoke');
const stoppers: Array<() => Promise<void>> = [];
/** Starts on a new free port when the one picked was taken before the server bound it (another process won the race). */
const PORT_IN_USE_RETRIES = 3;
const services: Service[] = [];

/** A secret generated on the first run and kept in .data/ (git-ignored) so later runs reuse it. */
function persistentSecret(file: string, fromEnv: string | undefined): string {
  // fromEnv: envSetting's (blank is unset)
  if (fromEnv) return fromEnv;
  const full = path.join(dataDir, file);
  if (fs.existsSync(full)) return fs.readFileSync(full, 'utf8').trim();
  const secret = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(full, secret, { mode: 0o600 });
  return secret;
}

/** `preferred` if nothing listens there, else a free port, saying so (the printed URLs then differ from the defaults). */
async function pickPort(setting: string, preferred: number): Promise<number> {
  if (!(await isPortOpen(preferred))) return preferred;
  const port = await freePort();
  console.log(`dev: ${setting} ${preferred} is taken; using ${port}`);
  return port;
}

/** Says so when a server had to move off the port it was given (taken between the check and its bind). */
function sayIfMoved(what: string, asked: number, got: number): void {
  if (got !== asked) console.log(`dev: ${what}'s port ${asked} was taken as it started; it runs on ${got}`);
}

function startNode(name: string, entry: string, env: NodeJS.ProcessEnv): Service {
  const service = startService(name, entry, env, dataDir);
  service.child.once('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`${name} exited (code ${code}, signal ${signal}); last lines of ${service.logFile}:`);
      console.error(service.tail());
      void shutdown(1);
    }
  });
  services.push(service);
  return service;
}

let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  shuttingDown = true;
  await Promise.all(services.map((service) => stopService(service)));
  for (const stop of stoppers.reverse()) await stop().catch((err) => console.error(err));
  process.exit(code);
}

async function main() {
  const ports = devPorts(process.env); // before anything starts: a bad port variable is named at once
  // The API's port is not replaced by a free one (the README's curls and the runbooks name it): a busy one is said
  // before anything starts, not after Postgres, Temporal, the migration and the seed (5.6 s).
  if (await isPortOpen(ports.PORT)) throw new Error(`port ${ports.PORT} is in use: set PORT to another port`);
  fs.mkdirSync(dataDir, { recursive: true });
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  let databaseUrl = envSetting(process.env, 'DATABASE_URL');
  if (!databaseUrl) {
    refuseDataDirInUse(dataDir);
    const pgPort = await pickPort('DEV_PG_PORT', ports.DEV_PG_PORT);
    // The port may be taken between the check and the server's bind: then a new free one (PORT_IN_USE_RETRIES times).
    const pg = await startLocalPostgres({ dataDir: path.join(dataDir, 'postgres'), port: pgPort, durable: true, logFile: path.join(dataDir, 'postgres.log'), portInUseRetries: PORT_IN_USE_RETRIES });
    stoppers.push(pg.stop);
    sayIfMoved('Postgres', pgPort, pg.port);
    await ensureDatabase(pg.url(), 'lead_router');
    databaseUrl = pg.url('lead_router');
  }

  let temporalAddress = envSetting(process.env, 'TEMPORAL_ADDRESS');
  let temporalUiUrl = envSetting(process.env, 'TEMPORAL_UI_URL') ?? 'http://localhost:8233';
  if (!temporalAddress) {
    const port = await pickPort('DEV_TEMPORAL_PORT', ports.DEV_TEMPORAL_PORT);
    const uiPort = await pickPort('DEV_TEMPORAL_UI_PORT', ports.DEV_TEMPORAL_UI_PORT);
    const server = await startTemporalDevServer({ port, uiPort, dbFile: path.join(dataDir, 'temporal.db'), logFile: path.join(dataDir, 'temporal.log'), portInUseRetries: PORT_IN_USE_RETRIES });
    stoppers.push(server.stop);
    sayIfMoved('the Temporal dev server', port, Number(server.address.split(':').pop()));
    temporalAddress = server.address;
    temporalUiUrl = `http://localhost:${server.uiPort ?? uiPort}`;
  }

  // knex's own warnings ("Acquire connection error" with pg's stack) stay quiet: a failure is printed once, below.
  const db = createDb(databaseUrl, { poolMax: 2, applicationName: 'lead-router-dev', log: createLogger('silent') });
  let demo: DemoKeys | undefined;
  const keysFile = path.join(dataDir, 'demo-source-keys.json');
  try {
    const url = databaseUrl;
    await migrateLatest(db).catch((err: unknown) => { throw databaseToolError(err, url); });
    demo = await seedDemo(db);
    // Dev convenience only: the demo keys are kept so every run can print a ready-to-paste curl.
    if (demo) fs.writeFileSync(keysFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
    else if (fs.existsSync(keysFile)) demo = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as DemoKeys;
  } finally {
    await db.destroy();
  }

  const port = ports.PORT;
  // Checked again: something may have taken it while the stack started.
  if (await isPortOpen(port)) throw new Error(`port ${port} is in use: set PORT to another port`);
  const adminToken = persistentSecret('admin-token', envSetting(process.env, 'ADMIN_TOKEN'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_URL: temporalUiUrl,
    ADMIN_TOKEN: adminToken,
    IDENTITY_HMAC_KEY: persistentSecret('identity-hmac-key', envSetting(process.env, 'IDENTITY_HMAC_KEY')),
    PORT: String(port),
    HOST: envSetting(process.env, 'HOST') ?? '127.0.0.1',
  };
  startNode('worker', 'workers/main.ts', env);
  startNode('api', 'api/server.ts', env);
  const apiUrl = `http://localhost:${port}`;
  await waitForApi(apiUrl);
  // The namespace and queue the worker reads (loadConfig: blank is unset, so the default).
  await waitForWorker(temporalAddress, envSetting(env, 'TEMPORAL_NAMESPACE') ?? 'default', envSetting(env, 'TEMPORAL_TASK_QUEUE') ?? 'lead-routing');

  const key = demo?.sources[0]?.apiKey ?? '<a source API key>';
  // The runbooks' and README's `temporal` commands: the CLI make dev found (usually .tools/venv/bin, not on PATH).
  const cli = findTemporalCli();
  const cliPath = cli ? ` PATH="${path.dirname(cli)}:$PATH"` : '';
  // A new person each run: the same person again would be a cross-partner duplicate of the last run's lead.
  const run = Date.now();
  const lead = { externalId: `demo-${run}`, email: `jane.doe.${run}@outlook.com`, phone: `+1 415 734 ${String(run % 10_000).padStart(4, '0')}`, state: 'TX', product: 'mortgage' };
  console.log(`
Lead Router is running.
  API          ${apiUrl}
  Temporal UI  ${temporalUiUrl}
  Admin token  ${adminToken}
  Data         ${dataDir}  (logs: api.log, worker.log, temporal.log, postgres.log)

Route a lead (waits up to 5 s for the decision):
  curl -s -X POST '${apiUrl}/api/leads/route?wait=5000' \\
    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '${JSON.stringify(lead)}'

For the runbooks' commands (docs/runbooks/README.md, "Before you start"; PATH: the \`temporal\` CLI):
  export API=${apiUrl} ADMIN_TOKEN=${adminToken} DATABASE_URL=${databaseUrl} TEMPORAL_ADDRESS=${temporalAddress}${cliPath}

${smoke ? 'Smoke test: routing 10 leads, then stopping.' : 'Press Ctrl-C to stop.'}`);

  if (smoke) await shutdown(await smokeTest(apiUrl, key));
}

/** Routes a few demo leads one after another and prints POST-to-routed times (dev-stack sanity, not a benchmark). */
async function smokeTest(apiUrl: string, key: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const res = await fetch(`${apiUrl}/api/leads/route?wait=10000`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      // A new person per lead and run, so the times are of real routing, not of the duplicate path.
      body: JSON.stringify({ externalId: `smoke-${Date.now()}-${i}`, email: `smoke${i}.${Date.now()}@outlook.com`, state: 'TX', product: 'mortgage' }),
    });
    const body = (await res.json()) as { status?: string };
    if (body.status !== 'routed') {
      console.error(`smoke: lead ${i} ended ${res.status} ${JSON.stringify(body)}`);
      return 1;
    }
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`smoke: 10 leads routed; POST -> routed response: first ${times[0]!.toFixed(0)} ms, ` +
    `median ${sorted[5]!.toFixed(0)} ms, max ${sorted[9]!.toFixed(0)} ms`);
  return 0;
}

main().catch(async (err) => {
  console.error(err instanceof Error ? err.message : err);
  await shutdown(1);
});
