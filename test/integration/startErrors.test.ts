// A newcomer's `make dev` values (session 8): each must stop the real entry point at start, exit 1, with a message
// naming the variable, instead of starting and failing later (or failing with a message that names nothing).
import net from 'node:net';
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { freePort } from '../../scripts/local/freePort';
import { runEntryPoint } from '../support/entryPoint';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * Runs an entry point with `env` over the stack's database, Temporal and HMAC key (no starter loop, no schedules:
 * the shared server's are not this test's business) until it exits; a process still running after `timeoutMs`
 * is a failure. Its exit code and everything it printed.
 */
async function runEntry(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const base = {
    PATH: process.env.PATH,
    DATABASE_URL: stack.config.DATABASE_URL,
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    IDENTITY_HMAC_KEY: stack.config.IDENTITY_HMAC_KEY,
    DD_TRACE_ENABLED: 'false',
    METRICS_ENABLED: 'false',
    ADMISSION_STARTER: 'false',
    MAINTENANCE_SCHEDULES: 'false',
  };
  return runEntryPoint(entry, { ...base, ...env }, timeoutMs);
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
