import type { InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { rowCounts as countRows } from '../support/rowCounts';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Bad requests to the API (DESIGN §8): each is answered with the one error shape, a stable code,
 * field-level details for 400s, no stack trace or SQL, and writes nothing. The service keeps serving.
 */

let stack: TestStack;

interface Ctx {
  sourceKey: string;
  sourceId: string;
  otherSourceLeadId: string;
  partnerId: string;
  adminToken: string;
}
let ctx: Ctx;

const TABLES = ['leads', 'workspaces', 'routing_rules', 'lead_routing_logs'] as const;

const rowCounts = () => countRows(stack.db, TABLES);

const isFinished = (status: unknown) => status === 'routed' || status === 'failed';

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  const source = await createWorkspace(stack, { name: 'Bad Requests Source', kind: 'source' });
  const otherSource = await createWorkspace(stack, { name: 'Another Source', kind: 'source' });
  const partner = await createWorkspace(stack, { name: 'A Partner', kind: 'partner' });

  // A lead of another source, routed to completion before the table so the worker is idle while
  // the table runs (any row written during a case is then the case's doing).
  const res = await postLead(stack, otherSource.apiKey!, aLead(), '?wait=10000');
  expect([200, 202]).toContain(res.statusCode);
  const otherSourceLeadId = res.json().leadId as string;
  await waitFor(`lead ${otherSourceLeadId} to finish`, async () => {
    const lead = await stack.app.inject({ method: 'GET', url: `/api/leads/${otherSourceLeadId}`, headers: { authorization: `Bearer ${otherSource.apiKey}` } });
    return isFinished(lead.json().status) ? true : undefined;
  });

  ctx = { sourceKey: source.apiKey!, sourceId: source.id, otherSourceLeadId, partnerId: partner.id, adminToken: stack.adminToken };
});

afterAll(async () => {
  await stack?.stop();
});

const UNKNOWN_KEY = `lr_live_${crypto.randomBytes(32).toString('base64url')}`;

/** A POST /api/leads/route with the valid source key; `payload` an object (sent as JSON) or a raw string. */
function routeRequest(
  c: Ctx,
  payload: unknown,
  opts: { contentType?: string; query?: string; authorization?: string | null } = {},
): InjectOptions {
  const headers: Record<string, string> = {};
  const authorization = opts.authorization === undefined ? `Bearer ${c.sourceKey}` : opts.authorization;
  if (authorization !== null) headers.authorization = authorization;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  if (!opts.contentType) headers['content-type'] = 'application/json';
  return { method: 'POST', url: `/api/leads/route${opts.query ?? ''}`, headers, payload: body };
}

const admin = (c: Ctx, method: 'GET' | 'POST', url: string, payload?: unknown): InjectOptions => ({
  method,
  url,
  headers: { authorization: `Bearer ${c.adminToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
});

interface Case {
  name: string;
  request: (c: Ctx) => InjectOptions;
  status: number;
  code: string;
  /** For 400s: the distinct `details[].field` values (sorted); [] means the error carries no details. */
  fields?: string[];
  /** Secrets that must not be echoed back in the response body. */
  secrets?: (c: Ctx) => string[];
}

const cases: Case[] = [
  // --- body is not JSON at all, or not an object ---
  { name: 'malformed JSON', request: (c) => routeRequest(c, '{"externalId": "x", "email": '), status: 400, code: 'invalid_json', fields: [] },
  // An empty body is "no body" (issue 7, item 11: clients send the header on body-less calls); a route
  // that needs one says so.
  { name: 'empty body with content-type application/json', request: (c) => routeRequest(c, ''), status: 400, code: 'invalid_request', fields: ['(root)'] },
  { name: 'JSON array body', request: (c) => routeRequest(c, '[{"externalId":"x","email":"a@example.com"}]'), status: 400, code: 'invalid_request', fields: ['(root)'] },
  { name: 'JSON string body', request: (c) => routeRequest(c, '"hello"'), status: 400, code: 'invalid_request', fields: ['(root)'] },
  { name: 'JSON null body', request: (c) => routeRequest(c, 'null'), status: 400, code: 'invalid_request', fields: ['(root)'] },

  // --- externalId ---
  { name: 'missing externalId', request: (c) => routeRequest(c, { email: 'a@example.com' }), status: 400, code: 'invalid_request', fields: ['externalId'] },
  { name: 'externalId as a number', request: (c) => routeRequest(c, aLead({ externalId: 12345 })), status: 400, code: 'invalid_request', fields: ['externalId'] },
  { name: 'empty externalId', request: (c) => routeRequest(c, aLead({ externalId: '' })), status: 400, code: 'invalid_request', fields: ['externalId'] },
  { name: 'whitespace-padded externalId', request: (c) => routeRequest(c, aLead({ externalId: '  ext-1 ' })), status: 400, code: 'invalid_request', fields: ['externalId'] },

  // --- identity: email / phone ---
  {
    name: 'neither email nor phone',
    request: (c) => routeRequest(c, { externalId: `ext-${crypto.randomUUID()}`, state: 'CA' }),
    status: 400,
    code: 'invalid_request',
    fields: ['email', 'phone'],
  },
  { name: 'bad email format', request: (c) => routeRequest(c, aLead({ email: 'not-an-email' })), status: 400, code: 'invalid_request', fields: ['email'] },
  { name: 'email as a number', request: (c) => routeRequest(c, aLead({ email: 42 })), status: 400, code: 'invalid_request', fields: ['email'] },
  {
    name: 'phone with letters',
    request: (c) => routeRequest(c, { externalId: `ext-${crypto.randomUUID()}`, phone: '+1 415 CALL NOW' }),
    status: 400,
    code: 'invalid_request',
    fields: ['phone'],
  },
  {
    name: 'phone too short to be a number',
    request: (c) => routeRequest(c, { externalId: `ext-${crypto.randomUUID()}`, phone: '12345' }),
    status: 400,
    code: 'invalid_request',
    fields: ['phone'],
  },

  // --- unknown and malformed fields ---
  {
    name: 'unknown top-level field (typo "emial")',
    request: (c) => routeRequest(c, { externalId: `ext-${crypto.randomUUID()}`, phone: '+14155550123', emial: 'a@example.com' }),
    status: 400,
    code: 'invalid_request',
    fields: ['emial'],
  },
  {
    name: 'attributes value that is an object',
    request: (c) => routeRequest(c, aLead({ attributes: { nested: { a: 1 } } })),
    status: 400,
    code: 'invalid_request',
    fields: ['attributes.nested'],
  },
  { name: 'attributes that is an array', request: (c) => routeRequest(c, aLead({ attributes: ['a', 'b'] })), status: 400, code: 'invalid_request', fields: ['attributes'] },
  {
    name: 'attributes key with invalid characters',
    request: (c) => routeRequest(c, aLead({ attributes: { 'loan-amount!': 5 } })),
    status: 400,
    code: 'invalid_request',
    fields: ['attributes'], // a problem in a key names the object holding it; the message quotes the key
  },
  { name: "country 'USA'", request: (c) => routeRequest(c, aLead({ country: 'USA' })), status: 400, code: 'invalid_request', fields: ['country'] },
  { name: 'firstName over 100 chars', request: (c) => routeRequest(c, aLead({ firstName: 'x'.repeat(101) })), status: 400, code: 'invalid_request', fields: ['firstName'] },

  // --- size and media type ---
  { name: 'body over 64 KiB', request: (c) => routeRequest(c, aLead({ firstName: 'x'.repeat(70 * 1024) })), status: 413, code: 'payload_too_large' },
  {
    name: 'content-type text/plain',
    request: (c) => routeRequest(c, JSON.stringify(aLead()), { contentType: 'text/plain' }),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'content-type application/x-www-form-urlencoded',
    request: (c) => routeRequest(c, 'externalId=x&email=a%40example.com', { contentType: 'application/x-www-form-urlencoded' }),
    status: 415,
    code: 'unsupported_media_type',
  },

  // --- authentication (runs before the body is read) ---
  { name: 'no Authorization header', request: (c) => routeRequest(c, aLead(), { authorization: null }), status: 401, code: 'unauthorized' },
  {
    name: 'unknown source key',
    request: (c) => routeRequest(c, aLead(), { authorization: `Bearer ${UNKNOWN_KEY}` }),
    status: 401,
    code: 'unauthorized',
    secrets: () => [UNKNOWN_KEY],
  },
  {
    name: 'admin token used as a source key',
    request: (c) => routeRequest(c, aLead(), { authorization: `Bearer ${c.adminToken}` }),
    status: 401,
    code: 'unauthorized',
    secrets: (c) => [c.adminToken],
  },
  {
    name: 'Basic scheme with a valid source key',
    request: (c) => routeRequest(c, aLead(), { authorization: `Basic ${Buffer.from(`${c.sourceKey}:`).toString('base64')}` }),
    status: 401,
    code: 'unauthorized',
    secrets: (c) => [c.sourceKey],
  },
  {
    name: 'bad body with no key is 401, not 400',
    request: (c) => routeRequest(c, '{"externalId":', { authorization: null }),
    status: 401,
    code: 'unauthorized',
  },

  // --- query string ---
  { name: '?wait=20000 (over the 10000 max)', request: (c) => routeRequest(c, aLead(), { query: '?wait=20000' }), status: 400, code: 'invalid_request', fields: ['wait'] },
  { name: '?wait=abc', request: (c) => routeRequest(c, aLead(), { query: '?wait=abc' }), status: 400, code: 'invalid_request', fields: ['wait'] },
  { name: '?wait=-1', request: (c) => routeRequest(c, aLead(), { query: '?wait=-1' }), status: 400, code: 'invalid_request', fields: ['wait'] },

  // --- GET /api/leads/:id ---
  {
    name: 'GET lead with a non-uuid id',
    request: (c) => ({ method: 'GET', url: '/api/leads/not-a-uuid', headers: { authorization: `Bearer ${c.sourceKey}` } }),
    status: 400,
    code: 'invalid_request',
    fields: ['id'],
  },
  {
    name: "GET another source's lead",
    request: (c) => ({ method: 'GET', url: `/api/leads/${c.otherSourceLeadId}`, headers: { authorization: `Bearer ${c.sourceKey}` } }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'GET a lead that does not exist',
    request: (c) => ({ method: 'GET', url: `/api/leads/${crypto.randomUUID()}`, headers: { authorization: `Bearer ${c.sourceKey}` } }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'GET lead without Authorization',
    request: (c) => ({ method: 'GET', url: `/api/leads/${c.otherSourceLeadId}` }),
    status: 401,
    code: 'unauthorized',
  },

  // --- admin endpoints ---
  {
    name: 'admin list workspaces with a source key',
    request: (c) => ({ method: 'GET', url: '/api/admin/workspaces', headers: { authorization: `Bearer ${c.sourceKey}` } }),
    status: 401,
    code: 'unauthorized',
    secrets: (c) => [c.sourceKey],
  },
  {
    name: 'admin create workspace with a source key',
    request: (c) => ({
      method: 'POST',
      url: '/api/admin/workspaces',
      headers: { authorization: `Bearer ${c.sourceKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Sneaky', kind: 'partner' }),
    }),
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'admin rule with a bad condition op',
    request: (c) =>
      admin(c, 'POST', '/api/admin/rules', {
        name: 'Bad op',
        priority: 1,
        conditions: { all: [{ field: 'state', op: 'like', value: 'C%' }] },
        destinations: [{ workspaceId: c.partnerId }],
      }),
    status: 400,
    code: 'invalid_request',
    fields: ['conditions.all[0].op'],
  },
  {
    name: 'admin rule routing to a source workspace',
    request: (c) =>
      admin(c, 'POST', '/api/admin/rules', {
        name: 'To a source',
        priority: 1,
        conditions: { all: [{ field: 'state', op: 'eq', value: 'CA' }] },
        destinations: [{ workspaceId: c.sourceId }],
      }),
    status: 400,
    code: 'invalid_request',
    fields: ['destinations[0].workspaceId'],
  },
  {
    name: 'admin rule with an unknown field',
    request: (c) => admin(c, 'POST', '/api/admin/rules', { name: 'Typo', priority: 1, destinations: [{ workspaceId: c.partnerId }], enabeld: true }),
    status: 400,
    code: 'invalid_request',
    fields: ['enabeld'],
  },
  {
    name: 'admin workspace with an invalid timezone',
    request: (c) => admin(c, 'POST', '/api/admin/workspaces', { name: 'Martian Buyer', kind: 'partner', timezone: 'Mars/Olympus_Mons' }),
    status: 400,
    code: 'invalid_request',
    fields: ['timezone'],
  },
  {
    name: 'admin source workspace with a deliveryUrl',
    request: (c) => admin(c, 'POST', '/api/admin/workspaces', { name: 'Confused Source', kind: 'source', deliveryUrl: 'https://example.com/hook' }),
    status: 400,
    code: 'invalid_request',
    fields: ['deliveryUrl'],
  },
];

/** Things a client must never see: stack frames, file paths, SQL, driver errors. */
const LEAK = /\n\s+at\s|\bat\s+\S+\s+\(|node_modules|\.(ts|js):\d+|"stack"|\bSELECT\s|\bINSERT\s+INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE\s+FROM\b|violates|duplicate key|\bknex\b|\bpg\b|postgres/i;

test('the table has at least 25 cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(25);
});

test.each(cases)('$name -> $status $code', async ({ request, status, code, fields, secrets }) => {
  const before = await rowCounts();
  const res = await stack.app.inject(request(ctx));
  const after = await rowCounts();

  expect({ status: res.statusCode, body: res.body }).toEqual({ status, body: expect.any(String) });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.trim()).not.toBe('');
  expect(res.body).not.toMatch(LEAK);

  if (fields) {
    const details: Array<{ field: string; message: string }> = body.error.details ?? [];
    for (const d of details) {
      expect(typeof d.field).toBe('string');
      expect(typeof d.message).toBe('string');
      expect(d.message.trim()).not.toBe('');
    }
    expect([...new Set(details.map((d) => d.field))].sort()).toEqual([...fields].sort());
  }
  for (const secret of secrets?.(ctx) ?? []) expect(res.body).not.toContain(secret);

  expect(after).toEqual(before);
});

test('after all of that, a valid lead is still accepted (202) and routed', async () => {
  const before = await rowCounts();
  const res = await postLead(stack, ctx.sourceKey, aLead());
  expect(res.statusCode).toBe(202);
  const { leadId } = res.json();
  expect(leadId).toEqual(expect.any(String));
  const after = await rowCounts();
  expect(after.leads).toBe(before.leads! + 1);
  // Let the worker finish it, so nothing is in flight when the stack stops.
  await waitFor(`lead ${leadId} to finish`, async () => {
    const lead = await stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization: `Bearer ${ctx.sourceKey}` } });
    return isFinished(lead.json().status) ? true : undefined;
  });
});
