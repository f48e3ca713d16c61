import { buildApp } from '../../api/app';
import { createDb } from '../../lib/db/createDb';
import { loggerOptions } from '../../lib/logger';
import { freePort } from '../../scripts/local/freePort';
import pino from 'pino';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

test('/health answers while the process is up; /ready checks Postgres and Temporal for real', async () => {
  expect((await stack.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
  const ready = await stack.app.inject({ method: 'GET', url: '/ready' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({ status: 'ready', checks: { postgres: { ok: true }, temporal: { ok: true } } });
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
