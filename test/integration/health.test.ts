import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { buildApp } from '../../api/app';
import { WAITING_COUNT_CAP } from '../../lib/admission/backlogSummary';
import { createDb, type Db } from '../../lib/db/createDb';
import { loggerOptions } from '../../lib/logger';
import { freePort } from '../../scripts/local/freePort';
import pino from 'pino';
import { createTestDatabase } from '../support/stack';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });

test('/health answers while the process is up; /ready checks Postgres and Temporal for real', async () => {
  expect((await stack.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
  const ready = await stack.app.inject({ method: 'GET', url: '/ready' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({
    status: 'ready',
    checks: { postgres: { ok: true }, temporal: { ok: true } },
    admission: { waiting: 0, waitingCapped: false, oldestWaitingSeconds: 0, inFlight: 0 },
  });
});

test('/ready is 503 and names the dependency that is down, without saying why (that goes to the log)', async () => {
  // Nothing listens on this port: the database is "down" for this app instance.
  // Its driver's complaints go to the structured log, not to the console.
  const lines: Array<{ event?: string; msg?: string; level?: number }> = [];
  const log = pino(loggerOptions('info'), { write: (line: string) => void lines.push(JSON.parse(line)) });
  const deadDb = createDb(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`, { poolMax: 1, log });
  const app = await buildApp({ db: deadDb, temporal: stack.client, config: stack.config }, { logger: false });
  try {
    const res = await app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', checks: { postgres: { ok: false }, temporal: { ok: true } } });
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect(lines).toContainEqual(expect.objectContaining({ event: 'db.error', level: 50, msg: expect.stringMatching(/ECONNREFUSED/) }));
  } finally {
    await app.close();
    await deadDb.destroy();
  }
});

describe("/ready's admission block: information, never a reason for 503", () => {
  // A database of its own (no starter loop claims from it), read by an app on the shared Temporal.
  let db: Db;
  beforeAll(async () => {
    db = createDb((await createTestDatabase()).url, { poolMax: 4 });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const readyOf = async (database: Db, logStream?: Writable) => {
    const config = { ...stack.config, LOG_LEVEL: 'info' as const };
    const app = await buildApp({ db: database, temporal: stack.client, config }, logStream ? { logStream } : { logger: false });
    try {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      return { statusCode: res.statusCode, body: res.json() };
    } finally {
      await app.close();
    }
  };

  async function source(): Promise<string> {
    const [ws] = await db('workspaces').insert({ name: `S ${crypto.randomUUID()}`, kind: 'source', api_key_hash: crypto.randomUUID(), api_key_prefix: 'lr_live_x' }).returning('id');
    return ws.id;
  }

  /** `count` leads of `sourceId`, stored `ageSeconds` ago; `state` says where they are in admission. */
  async function leads(sourceId: string, count: number, ageSeconds: number, state: 'waiting' | 'expired' | 'in_flight') {
    await db.raw(
      `INSERT INTO leads (source_workspace_id, external_id, email_hash, payload, created_at, expires_at, admitted_at)
       SELECT ?::uuid, md5(random()::text), md5(random()::text), '{}', now() - make_interval(secs => ?),
              now() + CASE WHEN ? THEN interval '-1 hour' ELSE interval '1 day' END, CASE WHEN ? THEN now() END
         FROM generate_series(1, ?)`,
      [sourceId, ageSeconds, state === 'expired', state === 'in_flight', count],
    );
  }

  test('counts the waiting leads of every source, the oldest one\'s wait and the leads in flight; a backlog leaves it 200', async () => {
    const [a, b] = [await source(), await source()];
    await leads(a, 2, 30, 'waiting');
    await leads(b, 1, 90, 'waiting');
    await leads(a, 1, 86_400, 'expired'); // past its TTL: neither waiting nor the oldest
    await leads(b, 2, 5, 'in_flight');

    const { statusCode, body } = await readyOf(db);
    expect(statusCode).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.admission).toEqual({ waiting: 3, waitingCapped: false, oldestWaitingSeconds: expect.any(Number), inFlight: 2 });
    expect(body.admission.oldestWaitingSeconds).toBeGreaterThanOrEqual(90);
    expect(body.admission.oldestWaitingSeconds).toBeLessThan(90 + 60);
  });

  test(`stops counting at ${WAITING_COUNT_CAP} waiting leads and says so (a bounded read however large the backlog)`, async () => {
    await leads(await source(), WAITING_COUNT_CAP + 500, 10, 'waiting');
    const { statusCode, body } = await readyOf(db);
    expect(statusCode).toBe(200);
    expect(body.admission).toMatchObject({ waiting: WAITING_COUNT_CAP, waitingCapped: true, inFlight: 2 });
    expect(body.admission.oldestWaitingSeconds).toBeGreaterThanOrEqual(90);
  });

  test('leaves the block out, still 200, when the backlog cannot be read (and logs why)', async () => {
    const broken = createDb((await createTestDatabase()).url, { poolMax: 2 });
    try {
      await broken.raw('ALTER TABLE leads RENAME TO leads_elsewhere');
      const lines: Array<{ event?: string }> = [];
      const sink = new Writable({ write: (chunk, _enc, cb) => { lines.push(JSON.parse(String(chunk))); cb(); } });
      const { statusCode, body } = await readyOf(broken, sink);
      expect(statusCode).toBe(200);
      expect(body).toEqual({ status: 'ready', checks: { postgres: { ok: true }, temporal: { ok: true } } });
      expect(lines).toContainEqual(expect.objectContaining({ event: 'api.admission_summary_failed' }));
    } finally {
      await broken.destroy();
    }
  });
});
