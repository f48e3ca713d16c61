import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../scripts/local/freePort';
import { fencedBlocks, RUN_LANGUAGES } from '../../scripts/local/runbookBlocks';
import { startService, stopService, waitForApi, waitForWorker, type Service } from '../../scripts/local/services';
import { findTemporalCli, startTemporalDevServer, type DevServer } from '../../scripts/local/temporal';
import { waitFor } from '../../scripts/local/waitFor';
import { scheduleDefinitions } from '../../workers/schedules';
import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Every command on-call is told to paste (docs/runbooks/*.md) runs against this system: ```sql blocks on
 * the stack's database (in a transaction rolled back), ```sh/```bash blocks through bash with the variables
 * the runbooks' README asks for ($API, $ADMIN_TOKEN, $DATABASE_URL, $TEMPORAL_ADDRESS, $LEAD_ID,
 * $WORKSPACE_ID) filled in. The system is the production one, not an in-process stand-in: the API and the
 * worker as their own processes (api/server.ts, workers/main.ts, the worker creating the `lead-router-*`
 * maintenance schedules), the task queue `lead-routing`, and a Temporal dev server of this file's own so
 * those schedule ids are not shared with other test files. Each block must exit 0 (curl -f: a 2xx), and the
 * commands that change something are checked for their effect:
 *  - `POST …/leads/$LEAD_ID/retry` re-drives the failed lead until it is routed;
 *  - the rollback's `schedule toggle --pause` loop pauses every maintenance schedule but the SLO report (which
 *    runs the local alert evaluation: alerting must not go silent during a rollback), `--unpause` resumes them;
 *  - `schedule trigger --schedule-id lead-router-stale-locks` releases a lead seeded with a stale lock;
 *  - the bulk re-drive loop leaves no re-drivable failed lead behind.
 */
const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'docs/runbooks');
const blocks = fs.readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .flatMap((file) => fencedBlocks(fs.readFileSync(path.join(dir, file), 'utf8')).map((b) => ({ file, ...b })))
  .filter((b) => RUN_LANGUAGES.has(b.lang));

const retriesLead = (code: string) => /\/leads\/\$LEAD_ID\/retry/.test(code);
const SCHEDULE_IDS = scheduleDefinitions({ taskQueue: 'lead-routing', timezone: 'UTC' }).map((d) => d.scheduleId);

let temporal: DevServer;
let stack: TestStack;
let api: Service | undefined;
let worker: Service | undefined;
let pg: Client;
let apiUrl: string;
let logDir: string;
let sourceId: string;
let lowPrioritySourceId: string;
/** Leads that failed through a real workflow (no rule matched yet); each re-drive block takes the next one. */
const failedLeads: string[] = [];
let leadId: string;

beforeAll(async () => {
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-runbooks-'));
  temporal = await startTemporalDevServer({ port: await freePort(), logFile: path.join(logDir, 'temporal.log') });
  stack = await startTestStack({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: 'lead-routing' });
  pg = new Client({ connectionString: stack.config.DATABASE_URL });
  await pg.connect();

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.config.DATABASE_URL,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'lead-routing',
    IDENTITY_HMAC_KEY: stack.config.IDENTITY_HMAC_KEY,
    ADMIN_TOKEN: stack.adminToken,
    LOG_LEVEL: 'info',
    ROUTING_RETRY_BASE_SECONDS: '0.2',
    ROUTING_RETRY_MAX_SECONDS: '1',
    DD_TRACE_ENABLED: 'false',
  };
  api = startService('api', 'api/server.ts', { ...env, PORT: String(port), HOST: '127.0.0.1' }, logDir);
  worker = startService('worker', 'workers/main.ts', { ...env, MAINTENANCE_SCHEDULES: 'true' }, logDir);
  await waitForApi(apiUrl, 120_000).catch((err) => { throw new Error(`${err.message}\n${api?.tail(30)}`); });
  await waitForWorker(temporal.address, 'default', 'lead-routing').catch((err) => { throw new Error(`${err.message}\n${worker?.tail(30)}`); });
  for (const id of SCHEDULE_IDS) await waitFor(`schedule ${id}`, () => stack.client.schedule.getHandle(id).describe(), { timeoutMs: 60_000, intervalMs: 250 });

  // Data for the queries to find: leads that failed (no rule yet), then a rule, routed leads and a duplicate.
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  sourceId = source.id;
  lowPrioritySourceId = (await createWorkspace(stack, { name: 'Low priority source', kind: 'source' })).id;
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  const post = (body: Record<string, unknown>) => fetch(`${apiUrl}/api/leads/route?wait=10000`, {
    method: 'POST',
    headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: await res.json() as { leadId: string; status: string } }));

  const redrives = blocks.filter((b) => retriesLead(b.code)).length;
  for (let i = 0; i < redrives + 2; i += 1) {
    const res = await post(aLead());
    expect({ status: res.status, leadStatus: res.body.status }).toEqual({ status: 200, leadStatus: 'failed' }); // 200: decided within ?wait
    failedLeads.push(res.body.leadId);
  }
  leadId = failedLeads.shift()!;
  await createRule(stack, { name: 'all to the buyer', priority: 1, destinations: [{ workspaceId: buyer.id }] });
  const person = aLead();
  expect((await post(person)).body.status).toBe('routed');
  expect((await post({ ...person, externalId: `${person.externalId}-again` })).body.status).toBe('routed'); // a duplicate
}, 300_000);

afterAll(async () => {
  await pg?.end();
  if (worker) await stopService(worker);
  if (api) await stopService(api);
  await stack?.stop();
  await temporal?.stop();
  if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
}, 120_000);

function runShell(code: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const cli = findTemporalCli();
  const PATH = [cli ? path.dirname(cli) : '', path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter);
  return new Promise((resolve) => {
    // Only what "Before you start" exports (and HOME, for npm): a tool that needs more fails here as it would on call.
    execFile('bash', ['-eo', 'pipefail', '-c', code], { cwd: root, env: { HOME: process.env.HOME, ...env, PATH }, timeout: 90_000, maxBuffer: 10 * 1024 * 1024 }, (err, stdout, stderr) => {
      const exit = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code: exit, output: `${stdout}${stderr}` });
    });
  });
}

async function leadStatus(id: string): Promise<string> {
  return (await pg.query('SELECT routing_status FROM leads WHERE id = $1', [id])).rows[0]?.routing_status;
}

async function pausedStates(): Promise<boolean[]> {
  return Promise.all(SCHEDULE_IDS.map(async (id) => (await stack.client.schedule.getHandle(id).describe()).state.paused));
}

/** A lead the API stored long ago whose workflow is gone while it held the lock: what the sweeper releases. */
async function seedStaleLock(): Promise<string> {
  const { rows } = await pg.query(
    `INSERT INTO leads (source_workspace_id, external_id, email_hash, payload, routing_status, routing_lock_owner, routing_locked_at, expires_at)
     VALUES ($1, $2, $3, '{}', 'routing', 'route-lead-gone/run', now() - interval '10 minutes', now() + interval '90 days') RETURNING id`,
    [sourceId, `stale-${crypto.randomUUID()}`, crypto.randomBytes(16).toString('hex')],
  );
  return rows[0].id;
}

test('the runbooks have commands of every kind to run', () => {
  const kinds = (lang: string) => blocks.filter((b) => b.lang === lang).length;
  expect(kinds('sql')).toBeGreaterThanOrEqual(15);
  expect(kinds('sh')).toBeGreaterThanOrEqual(15);
  const text = blocks.map((b) => b.code).join('\n');
  for (const command of ['curl ', 'temporal schedule toggle', 'temporal schedule trigger', 'temporal workflow list', 'temporal task-queue describe', 'psql ', 'npm run']) {
    expect({ command, present: text.includes(command) }).toEqual({ command, present: true });
  }
});

// In document order: a block may depend on an earlier one (the rollback pauses, then resumes, the schedules).
test.each(blocks.map((b) => [`${b.file}:${b.line} (${b.lang})`, b] as const))('%s runs against the system', async (_name, block) => {
  if (block.lang === 'sql') {
    const sql = block.code.replace(/'<lead id>'/g, `'${leadId}'`).replace(/'<workspace id>'/g, `'${lowPrioritySourceId}'`);
    await pg.query('BEGIN');
    try {
      await pg.query(sql);
    } finally {
      await pg.query('ROLLBACK');
    }
    return;
  }

  const staleLead = block.code.includes('schedule trigger --schedule-id lead-router-stale-locks') ? await seedStaleLock() : undefined;
  const result = await runShell(block.code, {
    API: apiUrl,
    ADMIN_TOKEN: stack.adminToken,
    DATABASE_URL: stack.config.DATABASE_URL,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    LEAD_ID: leadId,
    WORKSPACE_ID: lowPrioritySourceId,
    GOOD_COMMIT: 'HEAD',
    BAD_COMMIT: 'HEAD',
  });
  expect({ exit: result.code, output: result.code === 0 ? '' : result.output.slice(-3000) }).toEqual({ exit: 0, output: '' });

  if (retriesLead(block.code)) {
    const redriven = leadId;
    await waitFor(`lead ${redriven} to be routed after the retry`, async () => ((await leadStatus(redriven)) === 'routed' ? true : undefined), { timeoutMs: 60_000 });
    leadId = failedLeads.shift() ?? leadId;
  }
  if (/schedule toggle[^\n]*--pause/.test(block.code)) expect(await pausedStates()).toEqual(SCHEDULE_IDS.map((id) => id !== 'lead-router-slo-report'));
  if (/schedule toggle[^\n]*--unpause/.test(block.code)) expect(await pausedStates()).toEqual(SCHEDULE_IDS.map(() => false));
  if (staleLead) {
    await waitFor('the sweeper to release the stale lock', async () => ((await leadStatus(staleLead)) !== 'routing' ? true : undefined), { timeoutMs: 60_000 });
  }
  if (block.code.includes('while read -r id')) {
    await waitFor('every re-drivable failed lead to be routed', async () => {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM leads WHERE routing_status = 'failed' AND last_error = 'no_matching_rule'`);
      return rows[0].n === 0 ? true : undefined;
    }, { timeoutMs: 60_000 });
  }
}, 120_000);

test('an older release cannot run `migrate` on a newer schema (why the rollback runbook skips it)', async () => {
  const { migrations } = await import('../../migrations');
  const older = migrations.slice(0, -1);
  await expect(stack.db.migrate.latest({
    migrationSource: {
      getMigrations: async () => older.map(([name]) => name),
      getMigrationName: (name: string) => name,
      getMigration: async (name: string) => older.find(([n]) => n === name)![1],
    },
  })).rejects.toThrow(/migration directory is corrupt, the following files are missing/);
});
