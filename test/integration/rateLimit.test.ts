import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false, env: { RATE_LIMIT_PER_MINUTE: '3', AUTH_FAILURES_PER_MINUTE: '1000' } });

test('a source over its per-minute limit gets 429 in the API error shape; another key and /health are unaffected', async () => {
  // The admin's own calls count against the admin token, not against the sources.
  const a = await createWorkspace(stack, { name: 'Busy source', kind: 'source' });
  const b = await createWorkspace(stack, { name: 'Quiet source', kind: 'source' });

  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await postLead(stack, a.apiKey!, aLead())).statusCode);
  expect(statuses).toEqual([202, 202, 202, 429]);

  const limited = await postLead(stack, a.apiKey!, aLead());
  expect(limited.statusCode).toBe(429);
  expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/rate limit of 3 requests per 1 minute/) } });
  expect(limited.headers['retry-after']).toBeDefined();

  expect((await postLead(stack, b.apiKey!, aLead())).statusCode).toBe(202);
  for (let i = 0; i < 5; i++) expect((await stack.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
});

describe('failed authentication is throttled before it costs a lookup (issue 7, item 8)', () => {
  const guarded = useTestStack({ worker: false, env: { RATE_LIMIT_PER_MINUTE: '3', AUTH_FAILURES_PER_MINUTE: '5' } });

  const call = (authorization: string | undefined, remoteAddress: string, url = '/api/admin/workspaces') =>
    guarded.app.inject({ method: 'GET', url, remoteAddress, headers: authorization ? { authorization } : {} });

  test('ten admin-token guesses from one address: 401 five times, then 429 with Retry-After, even for the right token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await call(`Bearer wrong-admin-token-${i}-0123456789`, '203.0.113.7')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    const blocked = await call(`Bearer ${guarded.adminToken}`, '203.0.113.7');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/failed authentications/) } });
    // Another address is not affected.
    expect((await call(`Bearer ${guarded.adminToken}`, '198.51.100.9')).statusCode).toBe(200);
  });

  test('wrong source keys are throttled per address, and one wrong key is throttled per credential across addresses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(`Bearer lr_live_wrong${i}`, '203.0.113.20', '/api/leads/00000000-0000-4000-8000-000000000000')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);

    const leaked = 'Bearer lr_live_revoked_key_from_a_partner_loop';
    const byCredential: number[] = [];
    for (let i = 0; i < 7; i++) byCredential.push((await call(leaked, `192.0.2.${i + 1}`, '/api/leads/00000000-0000-4000-8000-000000000000')).statusCode);
    expect(byCredential).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  test("a valid source key sent to the admin API counts against the address only: the source still sends leads (found by review)", async () => {
    const source = await guarded.app.inject({ method: 'POST', url: '/api/admin/workspaces', remoteAddress: '198.51.100.50', headers: { authorization: `Bearer ${guarded.adminToken}` }, payload: { name: 'Monitored', kind: 'source' } });
    const key = source.json().apiKey as string;
    for (let i = 0; i < 6; i++) expect((await call(`Bearer ${key}`, '203.0.113.99')).statusCode).toBe(i < 5 ? 401 : 429);
    const lead = await guarded.app.inject({ method: 'POST', url: '/api/leads/route', remoteAddress: '198.51.100.51', headers: { authorization: `Bearer ${key}` }, payload: aLead() });
    expect(lead.statusCode).toBe(202);
  });

  test('health endpoints are matched by route, not by exact URL: /ready?x=1 is never limited', async () => {
    for (let i = 0; i < 8; i++) {
      expect((await guarded.app.inject({ method: 'GET', url: `/health?x=${i}` })).statusCode).toBe(200);
      expect((await guarded.app.inject({ method: 'GET', url: `/ready?x=${i}` })).statusCode).not.toBe(429);
    }
  });
});

describe("a source's own limit, set by an operator (issue 7, item 9)", () => {
  // Default 4/min, for the sources and for the admin token (this test's admin makes 2 calls).
  const limits = useTestStack({ worker: false, env: { RATE_LIMIT_PER_MINUTE: '4' } });

  test('PATCH rateLimitPerMinute raises one source above the default; null returns it to the default', async () => {
    const big = await createWorkspace(limits, { name: 'Big partner', kind: 'source', rateLimitPerMinute: 6 });
    expect(big).toMatchObject({ rateLimitPerMinute: 6 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await postLead(limits, big.apiKey!, aLead())).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429]);
    const limited = await postLead(limits, big.apiKey!, aLead());
    expect(limited.json().error.message).toMatch(/rate limit of 6 requests per 1 minute/);

    const patch = await limits.app.inject({
      method: 'PATCH',
      url: `/api/admin/workspaces/${big.id}`,
      headers: { authorization: `Bearer ${limits.adminToken}` },
      payload: { rateLimitPerMinute: null },
    });
    expect(patch.json()).toMatchObject({ rateLimitPerMinute: null });
    // null on creation means the default too.
    expect(await createWorkspace(limits, { name: 'Default partner', kind: 'source', rateLimitPerMinute: null })).toMatchObject({ rateLimitPerMinute: null });
  });
});
