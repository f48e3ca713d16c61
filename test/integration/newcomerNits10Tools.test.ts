// Session 10's newcomer walk, start-up nits of the tools and processes (no stack needed: each case fails before it
// would use one): `npm run schedules` with a host that does not exist, the combined process with Temporal down,
// and `make dev`/`make smoke` with PORT busy or with another stack's (real) Postgres on the same data dir.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local/freePort';
import { startLocalPostgres } from '../../scripts/local/postgres';
import { runEntryPoint } from '../support/entryPoint';

/** The Temporal SDK's connect deadline (ms): a failure said before it did not wait for it. */
const SDK_CONNECT_DEADLINE_MS = 10_000;

test('npm run schedules with TEMPORAL_ADDRESS naming a host that does not exist: one line naming it, before the connect deadline', async () => {
  const started = performance.now();
  const { code, output } = await runEntryPoint('scripts/schedules.ts', { PATH: process.env.PATH, TEMPORAL_ADDRESS: 'no-such-host.invalid' }, 60_000);
  const elapsed = performance.now() - started;
  expect({ code, lines: output.trim().split('\n') }).toEqual({
    code: 1,
    lines: ['could not set up schedules: TEMPORAL_ADDRESS: the host "no-such-host.invalid" does not exist (no DNS address); expected host:port of the Temporal frontend, e.g. localhost:7233'],
  });
  expect(elapsed).toBeLessThan(SDK_CONNECT_DEADLINE_MS);
}, 60_000);

test('the combined process with Temporal down: its log lines are its own service, and say it will exit, not "starting anyway"', async () => {
  const { code, output } = await runEntryPoint('workers/combined.ts', {
    PATH: process.env.PATH,
    DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/lead_router`,
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    IDENTITY_HMAC_KEY: '0123456789abcdef-hmac',
    PORT: String(await freePort()),
    DD_TRACE_ENABLED: 'false',
    METRICS_ENABLED: 'false',
    MAINTENANCE_SCHEDULES: 'false',
  }, 90_000);
  const logs = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { service?: string; event?: string; dependency?: string; msg?: string });
  const unreachable = logs.filter((l) => l.event === 'start.dependency_unreachable');
  expect(code).toBe(1);
  expect(output).toMatch(/TEMPORAL_ADDRESS: cannot connect to 127\.0\.0\.1:\d+/);
  expect(new Set(logs.map((l) => l.service))).toEqual(new Set(['lead-router-combined']));
  expect(unreachable.map((l) => [l.dependency, l.msg])).toEqual(expect.arrayContaining([
    ['temporal', 'temporal not reachable at start; its worker cannot start without Temporal: connecting once more, then exiting 1 (naming TEMPORAL_ADDRESS) if it is still unreachable'],
    ['postgres', expect.stringContaining('leads are answered 503 database_unavailable until Postgres is up')],
  ]));
}, 90_000);

describe('make dev / make smoke refuse at once what would fail later', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-dev-refuse-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** scripts/dev.ts --smoke on `dataDir`, on free ports unless `env` says otherwise; nothing of the caller's stack. */
  const runDev = async (env: Record<string, string>) => runEntryPoint('scripts/dev.ts', {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DEV_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    DEV_PG_PORT: String(await freePort()),
    DEV_TEMPORAL_PORT: String(await freePort()),
    DEV_TEMPORAL_UI_PORT: String(await freePort()),
    ...env,
  }, 60_000);

  test('PORT in use: one line, before Postgres or Temporal is started (nothing written in the data dir)', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const { code, output } = await runDev({ PORT: String(port) });
      expect({ code, output: output.trim() }).toEqual({ code: 1, output: `port ${port} is in use: set PORT to another port` });
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  }, 60_000);

  test('another stack\'s Postgres on the data dir: one line saying so (not Postgres\'s lock-file error), nothing started', async () => {
    // A real Postgres running on the data dir, as a live `make dev` leaves it (the jest PID used here before is make
    // dev's parent: stale for Postgres, and for dataDirInUse since session 11).
    fs.chmodSync(dataDir, 0o711); // when run as root, Postgres runs as `postgres` and must pass through
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // a retried port says so
    const other = await startLocalPostgres({ dataDir: path.join(dataDir, 'postgres'), port: await freePort(), durable: false, portInUseRetries: 2 })
      .finally(() => warn.mockRestore());
    try {
      const { code, output } = await runDev({});
      expect({ code, output: output.trim() }).toEqual({
        code: 1,
        output: `another stack uses the data dir ${dataDir} (its Postgres runs as PID ${other.pid}): stop it (Ctrl-C in its make dev), or set DEV_DATA_DIR to another directory`,
      });
      expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(false);
    } finally {
      await other.stop();
    }
  }, 90_000);
});
