import { buildApp } from '../../api/app';
import { createDb, type Db } from '../../lib/db/createDb';
import { createLogger } from '../../lib/logger';
import { freePort } from '../../scripts/local/freePort';
import { aLead, createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Postgres unreachable (nothing listens on its port: a stopped or restarting database): every route that
 * needs it answers 503 `database_unavailable` with retry-after — the one case the API answers 503 in (never
 * for load or a Temporal outage) — not a 500; readiness says not_ready. Once Postgres is back, the same
 * request succeeds (nothing was half-written).
 */
let stack: TestStack;
let downDb: Db;

beforeAll(async () => {
  stack = await startTestStack();
  downDb = createDb(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`, { poolMax: 2, log: createLogger('silent') });
});
afterAll(async () => {
  await downDb?.destroy();
  await stack?.stop();
});

test('every database-backed route answers 503 database_unavailable, never 500', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const app = await buildApp({ db: downDb, temporal: stack.client, config: stack.config }, { logger: false });
  const admin = { authorization: `Bearer ${stack.config.ADMIN_TOKEN}` };
  const sourceAuth = { authorization: `Bearer ${source.apiKey}` };
  const id = '00000000-0000-4000-8000-000000000000';
  try {
    const requests = [
      { method: 'POST', url: '/api/leads/route', headers: sourceAuth, payload: aLead() },
      { method: 'POST', url: '/api/leads/route?wait=1000', headers: sourceAuth, payload: aLead() },
      { method: 'GET', url: `/api/leads/${id}`, headers: sourceAuth },
      { method: 'GET', url: `/api/leads/${id}`, headers: admin },
      { method: 'GET', url: '/api/admin/workspaces', headers: admin },
      { method: 'POST', url: '/api/admin/workspaces', headers: admin, payload: { name: 'New', kind: 'source' } },
      { method: 'GET', url: '/api/admin/rules', headers: admin },
      { method: 'GET', url: '/api/admin/leads?status=failed', headers: admin },
      { method: 'GET', url: '/api/admin/slo', headers: admin },
    ] as const;
    for (const r of requests) {
      const res = await app.inject(r as never);
      expect({ route: `${r.method} ${r.url}`, status: res.statusCode, code: res.json().error?.code }).toEqual({ route: `${r.method} ${r.url}`, status: 503, code: 'database_unavailable' });
      expect(res.headers['retry-after']).toBe('5');
    }
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { postgres: { ok: false } } });
  } finally {
    await app.close();
  }

  // Back up: the same lead body is stored and accepted once.
  const lead = aLead();
  const up = await buildApp({ db: stack.db, temporal: stack.client, config: stack.config }, { logger: false });
  try {
    const res = await up.inject({ method: 'POST', url: '/api/leads/route', headers: sourceAuth, payload: lead });
    expect(res.statusCode).toBe(202);
  } finally {
    await up.close();
  }
});
