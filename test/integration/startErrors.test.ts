// A newcomer's `make dev` values (session 8): each must stop the real entry point at start, exit 1, with a message
// naming the variable, instead of starting and failing later (or failing with a message that names nothing).
import net from 'node:net';
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { buildApp } from '../../api/app';
import { freePort } from '../../scripts/local/freePort';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { runEntryPoint, startEntryPoint } from '../support/entryPoint';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });

/** The stack's settings an entry point needs, with telemetry, the starter and the schedules off. */
const baseEnv = () => ({
  PATH: process.env.PATH,
  DATABASE_URL: stack.config.DATABASE_URL,
  TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
  TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
  IDENTITY_HMAC_KEY: stack.config.IDENTITY_HMAC_KEY,
  DD_TRACE_ENABLED: 'false',
  METRICS_ENABLED: 'false',
  ADMISSION_STARTER: 'false',
  MAINTENANCE_SCHEDULES: 'false',
});

/**
 * Runs an entry point with `env` over the stack's database, Temporal and HMAC key (no starter loop, no schedules:
 * the shared server's are not this test's business) until it exits; a process still running after `timeoutMs`
 * is a failure. Its exit code and everything it printed.
 */
async function runEntry(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return runEntryPoint(entry, { ...baseEnv(), ...env }, timeoutMs);
}

/**
 * Runs an entry point with `env` over the stack's settings until it prints `ready` (it started); the caller stops it.
 */
function startEntry(entry: string, env: Record<string, string>, ready: RegExp) {
  return startEntryPoint(entry, { ...baseEnv(), ...env }, ready);
}

const named = (result: { code: number | null; output: string }, message: RegExp) => ({ code: result.code, named: message.test(result.output), output: message.test(result.output) ? '' : result.output });

describe('settings that started and then broke are refused by the real entry points', () => {
  test.each<[string, string, Record<string, string>, RegExp]>([
    ['api/server.ts', 'LEAD_TTL_DAYS too large (every POST answered 500)', { LEAD_TTL_DAYS: '9007199254740991' }, /LEAD_TTL_DAYS: must be at most 3650/],
    ['workers/main.ts', 'DEDUPE_WINDOW_DAYS too large (every routing attempt failed)', { DEDUPE_WINDOW_DAYS: '9007199254740991' }, /DEDUPE_WINDOW_DAYS: must be at most 365/],
    ['workers/main.ts', 'ROUTING_LOCK_STALE_SECONDS too large', { ROUTING_LOCK_STALE_SECONDS: '9007199254740991' }, /ROUTING_LOCK_STALE_SECONDS: must be at most 86400/],
    ['api/server.ts', 'TEMPORAL_UI_URL=javascript:', { TEMPORAL_UI_URL: 'javascript:alert(1)' }, /TEMPORAL_UI_URL: must be an absolute http:\/\/ or https:\/\/ URL/],
    ['workers/main.ts', 'MAINTENANCE_TIMEZONE in the wrong case', { MAINTENANCE_TIMEZONE: 'america/new_york' }, /MAINTENANCE_TIMEZONE: must be spelt exactly America\/New_York/],
    ['api/server.ts', 'DD_TRACE_ENABLED=maybe (dd-trace is not initialised with it)', { DD_TRACE_ENABLED: 'maybe' }, /DD_TRACE_ENABLED: must be true or false/],
    ['api/server.ts', 'DD_TRACE_AGENT_PORT=abc', { DD_TRACE_AGENT_PORT: 'abc' }, /DD_TRACE_AGENT_PORT: must be a whole number/],
    ['api/server.ts', 'DD_SERVICE with spaces', { DD_SERVICE: 'bad service name!' }, /DD_SERVICE: must be a Datadog service name/],
    ['api/server.ts', 'ADMIN_TOKEN with surrounding spaces (every admin call was 401)', { ADMIN_TOKEN: '  0123456789abcdef-admin ' }, /ADMIN_TOKEN: must not contain spaces/],
  ])('%s with %s: exit 1 naming it', async (entry, _what, env, message) => {
    expect(named(await runEntry(entry, env), message)).toEqual({ code: 1, named: true, output: '' });
  }, 60_000);
});

describe('start errors caused by a setting name the setting', () => {
  test('api/server.ts with HOST=nonexistent.invalid (was: getaddrinfo ENOTFOUND, naming nothing)', async () => {
    const result = await runEntry('api/server.ts', { HOST: 'nonexistent.invalid', PORT: String(await freePort()) });
    expect(named(result, /HOST: nonexistent\.invalid cannot be resolved/)).toEqual({ code: 1, named: true, output: '' });
  }, 60_000);

  test('api/server.ts with a PORT in use names PORT', async () => {
    const busy = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runEntry('api/server.ts', { HOST: '127.0.0.1', PORT: String(port) });
      expect(named(result, new RegExp(`PORT: ${port} is already in use on HOST 127\\.0\\.0\\.1`))).toEqual({ code: 1, named: true, output: '' });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 60_000);

  test('workers/combined.ts with HOST=nonexistent.invalid names HOST', async () => {
    const result = await runEntry('workers/combined.ts', { HOST: 'nonexistent.invalid', PORT: String(await freePort()) }, 90_000);
    expect(named(result, /HOST: nonexistent\.invalid cannot be resolved/)).toEqual({ code: 1, named: true, output: '' });
  }, 120_000);

  test('workers/main.ts with TEMPORAL_NAMESPACE=does-not-exist names TEMPORAL_NAMESPACE', async () => {
    const result = await runEntry('workers/main.ts', { TEMPORAL_NAMESPACE: 'does-not-exist' });
    expect(named(result, /TEMPORAL_NAMESPACE: "does-not-exist" does not exist/)).toEqual({ code: 1, named: true, output: '' });
  }, 60_000);
});

test('/ready is 503 while TEMPORAL_NAMESPACE does not exist on the server, and the log says which namespace', async () => {
  const lines: string[] = [];
  const logStream = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
  const missing = new Client({ connection: stack.client.connection, namespace: 'does-not-exist' });
  const app = await buildApp({ db: stack.db, temporal: missing, config: { ...stack.config, LOG_LEVEL: 'info', TEMPORAL_NAMESPACE: 'does-not-exist' } }, { logStream });
  try {
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect({ status: res.statusCode, checks: res.json().checks }).toEqual({ status: 503, checks: { postgres: { ok: true }, temporal: { ok: false } } });
    expect(lines.join('')).toContain('Temporal namespace \\"does-not-exist\\" does not exist (TEMPORAL_NAMESPACE)');
  } finally {
    await app.close();
  }
  // The stack's own namespace exists: ready (and a second probe within the cache time still is).
  for (let i = 0; i < 2; i++) expect((await stack.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
});

// The admin API checks a workspace's time zone with the same lib/timeZone.ts: tz database names pass (aliases too),
// another case (which Go's LoadLocation would not find) is a 400 naming `timezone`.
test.each<[string, number]>([
  ['America/New_York', 201],
  ['Asia/Kolkata', 201], // Intl calls it Asia/Calcutta: the tz database's current name must still pass
  ['US/Eastern', 201], // an alias Go and Postgres know
  ['america/new_york', 400],
  ['asia/kolkata', 400],
])('POST /api/admin/workspaces with timezone %s answers %d', async (timezone, status) => {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/admin/workspaces',
    headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: { name: `Tz ${timezone} ${Date.now()}`, kind: 'source', timezone },
  });
  expect(res.statusCode).toBe(status);
  if (status === 201) expect(res.json().timezone).toBe(timezone);
  else expect(res.body).toContain('timezone');
});

/** The stack's DATABASE_URL with `change` applied (a database, user or option that cannot work). */
function databaseUrl(change: (url: URL) => void): string {
  const url = new URL(stack.config.DATABASE_URL);
  change(url);
  return url.toString();
}

// Session 9's newcomer walk: these started, the API answering 503 to everything and the worker taking lead tasks
// from the shared queue only to fail them. Nothing named like the missing database is created here.
describe('a DATABASE_URL that can never work stops every entry point at start, naming it without the password', () => {
  const missingDb = () => databaseUrl((u) => { u.pathname = `/lr_nosuchdb_${crypto.randomBytes(4).toString('hex')}`; });
  const unknownRole = () => databaseUrl((u) => { u.username = 'lr_nosuchrole'; u.password = 'pw-never-printed'; });
  test.each<[string, string, () => string, RegExp]>([
    ['api/server.ts', 'a database that does not exist (3D000)', missingDb, /DATABASE_URL: the database does not exist \(database "lr_nosuchdb_\w+" does not exist\)/],
    ['workers/main.ts', 'a database that does not exist (3D000)', missingDb, /DATABASE_URL: the database does not exist/],
    ['workers/combined.ts', 'a database that does not exist (3D000)', missingDb, /DATABASE_URL: the database does not exist/],
    ['scripts/migrate.ts', 'a database that does not exist (3D000)', missingDb, /DATABASE_URL: the database does not exist/],
    ['api/server.ts', 'a user the server refuses (28000), with a password', unknownRole, /DATABASE_URL: the server refuses this user .*role "lr_nosuchrole" does not exist/],
    ['workers/main.ts', 'a user the server refuses (28000), with a password', unknownRole, /DATABASE_URL: the server refuses this user/],
    ['scripts/migrate.ts', 'a user the server refuses (28000), with a password', unknownRole, /DATABASE_URL: the server refuses this user/],
    ['api/server.ts', 'sslmode=bogus', () => `${stack.config.DATABASE_URL}?sslmode=bogus`, /DATABASE_URL: sslmode=bogus is not one of disable, allow, prefer/],
    ['workers/main.ts', 'sslmode=require on a server without TLS', () => `${stack.config.DATABASE_URL}?sslmode=require`, /DATABASE_URL: the TLS it asks for .* cannot be used with this server \(The server does not support SSL connections\)/],
  ])('%s with %s: exit 1 naming DATABASE_URL', async (entry, _what, url, message) => {
    const result = await runEntry(entry, { DATABASE_URL: url() });
    expect({ ...named(result, message), password: result.output.includes('pw-never-printed') }).toEqual({ code: 1, named: true, output: '', password: false });
  }, 90_000);
});

describe('Postgres or Temporal not reachable at start: the processes start as before (compose starts services in any order)', () => {
  test('the API with Postgres refusing connections listens and answers 503 database_unavailable', async () => {
    const port = await freePort();
    const api = await startEntry('api/server.ts', { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/lead_router`, HOST: '127.0.0.1', PORT: String(port) }, /Server listening at/);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/leads/route`, { method: 'POST', headers: { authorization: 'Bearer some-source-key', 'content-type': 'application/json' }, body: '{}' });
      expect({ status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code, warned: /start\.dependency_unreachable.*"dependency":"postgres"/.test(api.output()) })
        .toEqual({ status: 503, code: 'database_unavailable', warned: true });
    } finally {
      await api.stop();
    }
  }, 90_000);

  test('the worker with Postgres refusing connections polls (its activities retry until Postgres is up)', async () => {
    const worker = await startEntry('workers/main.ts', { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/lead_router` }, /worker polling/);
    try {
      expect(worker.output()).toMatch(/start\.dependency_unreachable.*"dependency":"postgres"/);
    } finally {
      await worker.stop();
    }
  }, 90_000);

  test('the API with Temporal unreachable listens (leads wait in Postgres: admission control)', async () => {
    const port = await freePort();
    const api = await startEntry('api/server.ts', { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, HOST: '127.0.0.1', PORT: String(port) }, /Server listening at/);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect({ status: res.status, warned: /start\.dependency_unreachable.*"dependency":"temporal"/.test(api.output()) }).toEqual({ status: 200, warned: true });
    } finally {
      await api.stop();
    }
  }, 90_000);
});

describe('TEMPORAL_NAMESPACE that does not exist on a Temporal that answers stops the API and the combined process', () => {
  test.each(['api/server.ts', 'workers/combined.ts'])('%s: exit 1 naming TEMPORAL_NAMESPACE', async (entry) => {
    const result = await runEntry(entry, { TEMPORAL_NAMESPACE: 'nosuchns', HOST: '127.0.0.1', PORT: String(await freePort()) }, 90_000);
    expect(named(result, /TEMPORAL_NAMESPACE: "nosuchns" does not exist on the Temporal server/)).toEqual({ code: 1, named: true, output: '' });
  }, 120_000);
});

test('workers/combined.ts with Temporal unreachable (its worker cannot start without it) exits 1 naming TEMPORAL_ADDRESS', async () => {
  const address = `127.0.0.1:${await freePort()}`;
  const result = await runEntry('workers/combined.ts', { TEMPORAL_ADDRESS: address, HOST: '127.0.0.1', PORT: String(await freePort()) }, 90_000);
  expect(named(result, new RegExp(`TEMPORAL_ADDRESS: cannot connect to ${address.replace(/\./g, '\\.')}`))).toEqual({ code: 1, named: true, output: '' });
}, 120_000);

describe('TEMPORAL_PROMETHEUS_BIND_ADDRESS on a port in use is named (was: the SDK\'s raw error and stack)', () => {
  test.each(['workers/main.ts', 'workers/combined.ts'])('%s: exit 1 naming it', async (entry) => {
    const busy = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runEntry(entry, { TEMPORAL_PROMETHEUS_BIND_ADDRESS: `127.0.0.1:${port}`, HOST: '127.0.0.1', PORT: String(await freePort()) }, 90_000);
      expect(named(result, new RegExp(`TEMPORAL_PROMETHEUS_BIND_ADDRESS: 127\\.0\\.0\\.1:${port} is already in use`))).toEqual({ code: 1, named: true, output: '' });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 120_000);
});

// docs/runbooks/emergency-rollback.md step 6, with only what docs/runbooks/README.md "Before you start" exports
// (it failed: "IDENTITY_HMAC_KEY is required"). A namespace of this test's own: the schedules it creates start
// workflows on `lead-routing`, which must not reach other files' workers on the shared server.
test('`npm run --silent schedules` with only the runbooks\' variables creates the maintenance schedules', async () => {
  const namespace = `lr-schedules-${crypto.randomBytes(4).toString('hex')}`;
  await stack.client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const client = new Client({ connection: stack.client.connection, namespace });
  const env = {
    PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
    HOME: process.env.HOME,
    API: 'http://127.0.0.1:1',
    ADMIN_TOKEN: 'runbook-admin-token',
    DATABASE_URL: stack.config.DATABASE_URL,
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: namespace,
  };
  const run = () => new Promise<{ code: number; output: string }>((resolve) => {
    execFile('npm', ['run', '--silent', 'schedules'], { cwd: path.resolve(__dirname, '../..'), env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
  try {
    // A namespace just registered may take a moment to reach the frontend's cache: retried until it has.
    const deadline = Date.now() + 30_000;
    let result = await run();
    while (result.code !== 0 && /TEMPORAL_NAMESPACE/.test(result.output) && Date.now() < deadline) result = await run();
    expect(result).toEqual({ code: 0, output: expect.stringContaining('created lead-router-retry-queue') });
    expect(result.output.trim().split('\n')).toHaveLength(5);
  } finally {
    for await (const s of client.schedule.list()) await client.schedule.getHandle(s.scheduleId).delete();
  }
}, 120_000);

/** What an entry point printed that is not a JSON log line: its start error, one line per problem. */
const plainLines = (output: string) => output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));

// Session 11's newcomer walk: config errors were two lines from the processes ("invalid configuration:" then the
// variable) and one from the tools; now one line per problem everywhere, each naming its variable.
test.each(['api/server.ts', 'workers/main.ts', 'workers/combined.ts'])('%s with two bad settings: one line each, naming the variable', async (entry) => {
  const result = await runEntry(entry, { LOG_LEVEL: 'loud', PORT: 'abc' });
  const lines = plainLines(result.output);
  expect({ code: result.code, lines: lines.length }).toEqual({ code: 1, lines: 2 });
  expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^invalid configuration: PORT: \S/), expect.stringMatching(/^invalid configuration: LOG_LEVEL: \S/)]));
}, 60_000);

// Session 11's newcomer walk: TEMPORAL_ADDRESS=nohost.invalid:7233 got three answers (schedules: the host does not
// exist; the worker: the SDK's raw tonic "dns error" after 6.7 s; the API: "Failed to connect before the deadline …
// starting anyway" after 10 s). Now every entry point says it in the same words, naming TEMPORAL_ADDRESS.
describe('TEMPORAL_ADDRESS whose host does not exist (DNS): every entry point names it, in the same words', () => {
  const problem = 'TEMPORAL_ADDRESS: the host "nohost.invalid" does not exist (no DNS address); expected host:port of the Temporal frontend, e.g. localhost:7233';
  const env = { TEMPORAL_ADDRESS: 'nohost.invalid:7233' };

  /** The `start.dependency_unreachable` warning an entry point logged for Temporal. */
  const temporalWarning = (output: string) => output.split('\n').filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event?: string; dependency?: string; reason?: string; msg?: string })
    .find((l) => l.event === 'start.dependency_unreachable' && l.dependency === 'temporal');

  /** Exit code, the lines that are not JSON logs, and whether any of the SDK's raw connect texts got through. */
  const failure = (result: { code: number | null; output: string }) => ({ code: result.code, lines: plainLines(result.output), raw: /tonic|dns error|before the deadline/i.test(result.output) });

  test.each<[string, string]>([
    ['workers/main.ts', `invalid configuration: ${problem}`],
    ['scripts/schedules.ts', `could not set up schedules: ${problem}`],
  ])('%s: exit 1 with one line naming it, no raw SDK text', async (entry, line) => {
    expect(failure(await runEntry(entry, env, 90_000))).toEqual({ code: 1, lines: [line], raw: false });
  }, 120_000);

  test('workers/combined.ts: its start warning says why, then it exits 1 with one line naming it (its worker needs Temporal)', async () => {
    const result = await runEntry('workers/combined.ts', { ...env, HOST: '127.0.0.1', PORT: String(await freePort()) }, 90_000);
    expect(failure(result)).toEqual({ code: 1, lines: [`invalid configuration: ${problem}`], raw: false });
    expect(temporalWarning(result.output)).toMatchObject({
      reason: problem,
      msg: `temporal not reachable at start (${problem}); its worker cannot start without Temporal: connecting once more, then exiting 1 (naming TEMPORAL_ADDRESS) if it is still unreachable`,
    });
  }, 120_000);

  test('api/server.ts: starts anyway (admission control), its warning saying why, without the SDK\'s connect deadline text', async () => {
    const port = await freePort();
    const api = await startEntry('api/server.ts', { ...env, HOST: '127.0.0.1', PORT: String(port) }, /Server listening at/);
    try {
      expect(temporalWarning(api.output())).toMatchObject({
        reason: problem,
        msg: `temporal not reachable at start (${problem}); starting anyway: leads are answered 202 and wait in Postgres until Temporal is up`,
      });
      expect(api.output()).not.toMatch(/before the deadline|tonic/);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      await api.stop();
    }
  }, 90_000);
});
