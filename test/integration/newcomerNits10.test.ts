// Session 10's newcomer walk, nits fixed as a kind (each with the walk's own example): headers that meant nothing or
// were read wrongly (Idempotency-Key where it is not honoured, given twice; two Authorization headers), the email
// 400 saying which check failed, PATCH `caps: null`, and trailing slashes. Real Postgres and Temporal (test/support/stack.ts).
import type { InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });
let paths: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  paths = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
});

const asAdmin = (more: Record<string, string | string[]> = {}) => ({ authorization: `Bearer ${stack.adminToken}`, ...more });
const inject = (opts: InjectOptions) => stack.app.inject(opts);
type Detail = { field: string; message: string };
const errorOf = (res: { json: () => unknown }) => (res.json() as { error: { code: string; message: string; details?: Detail[] } }).error;

describe('1. Idempotency-Key is refused where it is not honoured (admin POSTs), honoured at the signing-secret rotation', () => {
  test('POST …/api-key with Idempotency-Key: 400 naming idempotency-key and why; nothing rotated, the old key still works', async () => {
    const source = await createWorkspace(stack, { name: 'Nits 10 key source', kind: 'source' });
    const res = await inject({ method: 'POST', url: `/api/admin/workspaces/${source.id}/api-key`, headers: asAdmin({ 'idempotency-key': 'zz' }) });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details).toEqual([{ field: 'idempotency-key', message: expect.stringMatching(/shown once and stored hashed.*rotate again: the key of the last answer is the one that works/) }]);
    expect((await postLead(stack, source.apiKey!, aLead())).statusCode).toBe(202);
  });

  test('every documented admin POST but the signing-secret rotation refuses it, naming the header', async () => {
    const posts = Object.entries(paths).filter(([p, ops]) => p.startsWith('/api/admin/') && 'post' in ops).map(([p]) => p);
    expect(posts.length).toBeGreaterThanOrEqual(6);
    for (const template of posts) {
      const url = template.replace(/\{\w+\}/g, () => crypto.randomUUID());
      const res = await inject({ method: 'POST', url, headers: asAdmin({ 'idempotency-key': crypto.randomUUID() }), payload: {} });
      if (template.endsWith('/signing-secret')) {
        expect([template, res.statusCode]).toEqual([template, 404]); // honoured: the unknown workspace is the answer
      } else {
        // Answered with the request's other problems (one 400 lists them all): the header is one of them.
        expect([template, res.statusCode, errorOf(res).details]).toEqual([template, 400, expect.arrayContaining([expect.objectContaining({ field: 'idempotency-key' })])]);
      }
    }
  });

  test('without credentials the refusal is not shown (authentication comes first)', async () => {
    const res = await inject({ method: 'POST', url: `/api/admin/workspaces/${crypto.randomUUID()}/api-key`, headers: { 'idempotency-key': 'zz' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('2. a header given twice: refused where it is read and the copies differ; copies that agree are one value', () => {
  test('two different Idempotency-Key headers on the signing-secret rotation: 400 naming it (Node joins them as "k1, k2"); two equal ones are that key', async () => {
    const partner = await createWorkspace(stack, { name: 'Nits 10 partner', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/hook' });
    const rotate = (key: string | string[]) => inject({ method: 'POST', url: `/api/admin/workspaces/${partner.id}/signing-secret`, headers: asAdmin({ 'idempotency-key': key }) });
    const res = await rotate(['k1', 'k2']);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details).toEqual([{ field: 'idempotency-key', message: expect.stringMatching(/^is given more than once with different values/) }]);
    // One key, sent once or twice, is honoured: the repeat is a replay.
    const [first, again, twice] = [await rotate('k1'), await rotate('k1'), await rotate(['k1', 'k1'])];
    expect([first.statusCode, again.statusCode, again.headers['idempotent-replayed'], twice.statusCode, twice.headers['idempotent-replayed']]).toEqual([201, 201, 'true', 201, 'true']);
    expect([again.json().signingSecret, twice.json().signingSecret]).toEqual([first.json().signingSecret, first.json().signingSecret]);
  });

  test('two different Authorization headers: 401 naming the header, for a source and for the admin API, even when both are valid', async () => {
    const source = await createWorkspace(stack, { name: 'Nits 10 two keys', kind: 'source' });
    // light-my-request sends an array as the header given twice (Node's typings allow one Authorization only).
    const twice = (first: string, second: string) => ({ authorization: [first, second] }) as unknown as InjectOptions['headers'];
    const lead = await inject({ method: 'POST', url: '/api/leads/route', headers: { ...twice(`Bearer ${source.apiKey}`, 'Bearer lr_live_other'), 'content-type': 'application/json' }, payload: aLead() });
    const adminRes = await inject({ method: 'GET', url: '/api/admin/workspaces', headers: twice(`Bearer ${stack.adminToken}`, `Bearer ${source.apiKey}`) });
    for (const res of [lead, adminRes]) {
      expect(res.statusCode).toBe(401);
      expect(errorOf(res)).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('Authorization header is given more than once') });
    }
    // The same credential twice is that credential.
    const same = await inject({ method: 'GET', url: '/api/admin/workspaces', headers: twice(`Bearer ${stack.adminToken}`, `Bearer ${stack.adminToken}`) });
    expect(same.statusCode).toBe(200);
  });
});

describe('5. the email 400 says which check failed', () => {
  test.each<[string, RegExp]>([
    ['bad', /^is not an email address such as jane@example\.com/],
    ['jane@example', /^is not an email address/],
    [`${'a'.repeat(65)}@outlook.com`, /^has more than 64 bytes before the @ \(UTF-8/],
    [`${'ж'.repeat(33)}@outlook.com`, /^has more than 64 bytes before the @/], // 33 characters, 66 bytes
  ])('%s', async (email, message) => {
    const source = await createWorkspace(stack, { name: `Nits 10 email ${crypto.randomUUID()}`, kind: 'source' });
    const res = await postLead(stack, source.apiKey!, aLead({ email }));
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).details).toEqual([{ field: 'email', message: expect.stringMatching(message) }]);
  });

  test('the OpenAPI document carries both checks of email', () => {
    const lead = (paths['/api/leads/route'] as { post: { requestBody: { content: { 'application/json': { schema: { properties: { email: Record<string, unknown> } } } } } } })
      .post.requestBody.content['application/json'].schema.properties.email;
    expect(lead).toMatchObject({ format: 'email', 'x-max-local-part-bytes': 64 });
  });
});

describe('6. PATCH caps: null clears every cap', () => {
  test('a partner with three caps; {"caps": null} answers 200 with none, and GET shows none', async () => {
    const partner = await createWorkspace(stack, { name: 'Nits 10 capped', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/hook', caps: { hourly: 5, daily: 50, monthly: 500 } });
    const res = await inject({ method: 'PATCH', url: `/api/admin/workspaces/${partner.id}`, headers: asAdmin(), payload: { caps: null } });
    expect([res.statusCode, res.json().caps]).toEqual([200, { hourly: null, daily: null, monthly: null }]);
    const read = await inject({ method: 'GET', url: `/api/admin/workspaces/${partner.id}`, headers: asAdmin() });
    expect(read.json().caps).toEqual({ hourly: null, daily: null, monthly: null });
  });

  test('caps: null on a source is refused as any caps are', async () => {
    const source = await createWorkspace(stack, { name: 'Nits 10 source caps', kind: 'source' });
    const res = await inject({ method: 'PATCH', url: `/api/admin/workspaces/${source.id}`, headers: asAdmin(), payload: { caps: null } });
    expect([res.statusCode, errorOf(res).details]).toEqual([400, [{ field: 'caps', message: 'only partner workspaces receive leads' }]]);
  });
});

describe('7. a trailing slash is the same resource', () => {
  test('GET /api/admin/workspaces/ is the list; GET …/:id/ the workspace', async () => {
    const partner = await createWorkspace(stack, { name: 'Nits 10 slash', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/hook' });
    const list = await inject({ method: 'GET', url: '/api/admin/workspaces/?kind=partner', headers: asAdmin() });
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).toContain(partner.id);
    const one = await inject({ method: 'GET', url: `/api/admin/workspaces/${partner.id}/`, headers: asAdmin() });
    expect([one.statusCode, one.json().id]).toEqual([200, partner.id]);
  });

  test('a method not served there is still a 405 with Allow, and an unknown path a 404', async () => {
    const put = await inject({ method: 'PUT', url: '/api/admin/workspaces/', headers: asAdmin() });
    expect([put.statusCode, put.headers.allow]).toEqual([405, 'GET, HEAD, POST']);
    const unknown = await inject({ method: 'GET', url: '/api/admin/nothing-here/', headers: asAdmin() });
    expect(unknown.statusCode).toBe(404);
  });
});
