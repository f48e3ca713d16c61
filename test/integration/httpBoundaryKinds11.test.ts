// Session 11's walk and review, fixed as kinds (each with the report's own example kept as a regression): a header
// given twice is refused only where it is read, and only when the copies differ (Idempotency-Key, Content-Type,
// Authorization); a key given twice in a JSON body is a 400 naming its path whatever its values; create takes the
// nulls PATCH takes; a 401, a delivery URL's 400, a time zone's 400 and a rule's email value say what is wrong.
// Real Postgres and Temporal (test/support/stack.ts).
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import crypto from 'node:crypto';
import { aLead, createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });

type Detail = { field: string; message: string };
type Operation = { requestBody?: unknown; parameters?: Array<{ in: string; name: string }>; responses: Record<string, { headers?: Record<string, unknown> }> };
const errorOf = (res: LightMyRequestResponse) => (res.json() as { error: { code: string; message: string; details?: Detail[] } }).error;
const fieldsOf = (res: LightMyRequestResponse) => (errorOf(res)?.details ?? []).map((d) => d.field);

let source: { id: string; apiKey?: string };
let partner: { id: string };
let paths: Record<string, Record<string, Operation>>;

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Kinds 11 source', kind: 'source' });
  partner = await createWorkspace(stack, { name: 'Kinds 11 buyer', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/hook' });
  paths = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
});

const asAdmin = () => `Bearer ${stack.adminToken}`;
const asSource = () => `Bearer ${source.apiKey}`;
/** Every documented /api operation: method, a URL with valid-looking path parameters, and its credential. */
function apiOperations(): Array<{ method: InjectOptions['method']; url: string; template: string; authorization: string; operation: Operation }> {
  return Object.entries(paths)
    .filter(([p]) => p.startsWith('/api/'))
    .flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, operation]) => ({
        method: method.toUpperCase() as InjectOptions['method'],
        url: template.replace(/\{(\w+)\}/g, (_, name: string) => (/id$/i.test(name) ? crypto.randomUUID() : '1')),
        template: `${method.toUpperCase()} ${template}`,
        authorization: template.startsWith('/api/admin/') ? asAdmin() : asSource(),
        operation,
      })),
    );
}
const leadCount = async () => Number((await stack.db('leads').count<{ count: string }[]>('* as count'))[0]!.count);
const workspaceCount = async () => Number((await stack.db('workspaces').count<{ count: string }[]>('* as count'))[0]!.count);

describe('1. a header given twice: refused only where read, and only when the copies differ', () => {
  test('the review\'s example: POST /api/leads/route with two different Idempotency-Key headers routes the lead (202)', async () => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/leads/route', headers: { authorization: asSource(), 'idempotency-key': ['k1', 'k2'] }, payload: aLead() });
    expect(res.statusCode).toBe(202);
  });

  test('no documented operation that does not read Idempotency-Key names it, given twice with different values', async () => {
    const operations = apiOperations().filter(({ template }) => !(template.startsWith('POST /api/admin/'))); // admin POSTs refuse it: newcomerNits10
    expect(operations.length).toBeGreaterThanOrEqual(10);
    for (const { method, url, template, authorization, operation } of operations) {
      const res = await stack.app.inject({ method, url, headers: { authorization, 'idempotency-key': ['k1', 'k2'] }, ...(operation.requestBody ? { payload: {} } : {}) });
      expect([template, res.statusCode < 500, res.statusCode === 400 ? fieldsOf(res) : []]).toEqual([template, true, expect.not.arrayContaining(['idempotency-key'])]);
    }
  });

  test('two different Content-Types (either order) on every documented operation with a body: 400 naming content-type; nothing written', async () => {
    const operations = apiOperations().filter(({ operation }) => operation.requestBody);
    expect(operations.length).toBeGreaterThanOrEqual(6);
    const before = [await leadCount(), await workspaceCount()];
    for (const { method, url, template, authorization } of operations) {
      for (const types of [['application/json', 'text/plain'], ['text/plain', 'application/json']]) {
        const res = await stack.app.inject({ method, url, headers: { authorization, 'content-type': types } as unknown as InjectOptions['headers'], payload: '{}' });
        expect([template, types, res.statusCode, errorOf(res).details]).toEqual([template, types, 400, [{ field: 'content-type', message: expect.stringMatching(/^is given more than once with different values/) }]]);
      }
    }
    expect([await leadCount(), await workspaceCount()]).toEqual(before);
  });

  test('copies that agree are one value: two equal Content-Types (in another case too) route a lead, two equal Authorizations too', async () => {
    const headers = { authorization: [asSource(), asSource()], 'content-type': ['application/json', 'Application/JSON'] } as unknown as InjectOptions['headers'];
    const res = await stack.app.inject({ method: 'POST', url: '/api/leads/route', headers, payload: JSON.stringify(aLead()) });
    expect(res.statusCode).toBe(202);
  });

  test('an empty body with two Content-Types is no body (the type is not read): the retry-queue pass runs', async () => {
    const headers = { authorization: asAdmin(), 'content-type': ['application/json', 'text/plain'] } as unknown as InjectOptions['headers'];
    const res = await stack.app.inject({ method: 'POST', url: '/api/admin/retry-queue/process', headers });
    expect(res.statusCode).toBe(200);
  });
});

describe('2. a key given twice is a 400 naming its path, whatever its values, at any depth, on every JSON body', () => {
  test('the walk\'s examples: a workspace named "dup" twice, a lead with externalId "x" twice; nothing written', async () => {
    const before = [await leadCount(), await workspaceCount()];
    const workspace = await stack.app.inject({ method: 'POST', url: '/api/admin/workspaces', headers: { authorization: asAdmin(), 'content-type': 'application/json' }, payload: '{"name":"dup","name":"dup","kind":"partner"}' });
    const lead = await stack.app.inject({ method: 'POST', url: '/api/leads/route', headers: { authorization: asSource(), 'content-type': 'application/json' }, payload: '{"externalId":"x","externalId":"x","email":"dup@outlook.com"}' });
    expect([workspace.statusCode, errorOf(workspace)]).toEqual([400, { code: 'invalid_json', message: 'body has the key "name" twice; send each key once', details: [{ field: 'name', message: expect.stringMatching(/^is given twice in one object/) }] }]);
    expect([lead.statusCode, fieldsOf(lead)]).toEqual([400, ['externalId']]);
    expect([await leadCount(), await workspaceCount()]).toEqual(before);
  });

  test.each([
    ['nested, equal values', `{"externalId":"n1","email":"n1@outlook.com","attributes":{"a":1,"a":1}}`, ['attributes.a']],
    ['three times', `{"externalId":"n2","email":"n2@outlook.com","email":"n2@outlook.com","email":"n2@outlook.com"}`, ['email']],
    ['two keys, one of them differing', `{"externalId":"n3","externalId":"n4","email":"n3@outlook.com","attributes":{"b":true,"b":true}}`, ['attributes.b', 'externalId']],
    ['one name in two Unicode forms (NFC and NFD)', `{"externalId":"n5","email":"n5@outlook.com","attributes":{"caf\\u00e9":1,"cafe\\u0301":2}}`, ['attributes.café']],
  ])('a lead, %s: 400 naming its path', async (_name, payload, fields) => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/leads/route', headers: { authorization: asSource(), 'content-type': 'application/json' }, payload });
    expect([res.statusCode, errorOf(res).code, fieldsOf(res)]).toEqual([400, 'invalid_json', fields]);
  });

  test('in a list item: a rule destination with workspaceId twice names destinations[0].workspaceId', async () => {
    const payload = `{"name":"Dup","priority":1,"destinations":[{"workspaceId":"${partner.id}","workspaceId":"${partner.id}"}]}`;
    const res = await stack.app.inject({ method: 'POST', url: '/api/admin/rules', headers: { authorization: asAdmin(), 'content-type': 'application/json' }, payload });
    expect([res.statusCode, fieldsOf(res)]).toEqual([400, ['destinations[0].workspaceId']]);
  });

  test('every documented operation with a body refuses {"a":1,"a":1}, naming a', async () => {
    for (const { method, url, template, authorization } of apiOperations().filter(({ operation }) => operation.requestBody)) {
      const res = await stack.app.inject({ method, url, headers: { authorization, 'content-type': 'application/json' }, payload: '{"a":1,"a":1}' });
      expect([template, res.statusCode, errorOf(res).code, fieldsOf(res)]).toEqual([template, 400, 'invalid_json', ['a']]);
    }
  });
});

describe('3. create takes every null PATCH takes, meaning the same', () => {
  test('POST /api/admin/workspaces with "caps": null and "deliveryUrl": null: 201, no caps, no URL', async () => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/admin/workspaces', headers: { authorization: asAdmin() }, payload: { name: 'Null caps', kind: 'partner', caps: null, deliveryUrl: null } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ caps: { hourly: null, daily: null, monthly: null }, deliveryUrl: null });
    const sourceRes = await stack.app.inject({ method: 'POST', url: '/api/admin/workspaces', headers: { authorization: asAdmin() }, payload: { name: 'Null caps source', kind: 'source', caps: null, deliveryUrl: null } });
    expect(sourceRes.statusCode).toBe(201);
  });
});

describe('4. a 401 for a malformed Authorization says what is wrong with it, never repeating the credential', () => {
  let addresses = 0;
  test.each([
    ['Basic <key>', () => `Basic ${source.apiKey}`, /^the Authorization scheme must be Bearer, not "Basic"/],
    ['the key with no scheme', () => `${source.apiKey}`, /^the Authorization scheme must be Bearer, not another one/],
    ['Bearer a b', () => 'Bearer a b', /^the token after Bearer has a space in it/],
    ['Bearer alone', () => 'Bearer', /^Authorization: Bearer has no token after it/],
  ])('%s', async (_name, header, says) => {
    for (const url of ['/api/leads/route', '/api/admin/workspaces']) {
      // Each from an address of its own: failures count against the client address (the failed-auth throttle).
      const remoteAddress = `10.11.0.${(addresses += 1)}`;
      const res = await stack.app.inject({ method: url === '/api/leads/route' ? 'POST' : 'GET', url, remoteAddress, headers: { authorization: header() }, ...(url === '/api/leads/route' ? { payload: aLead() } : {}) });
      expect([url, res.statusCode, errorOf(res).message]).toEqual([url, 401, expect.stringMatching(says)]);
      expect(res.body).not.toContain(source.apiKey);
    }
  });
});

describe('5. a delivery URL\'s 400 says what is wrong with it', () => {
  test.each([
    ['http://buyer.example:99999/hook', /^has port 99999, out of range: a port is 1-65535/],
    ['http://buyer.example:0/hook', /^has port 0, out of range: a port is 1-65535/],
    ['https://buyer.example/hook/%zz', /^has "%zz", which is not a percent-escape/],
    ['ftp://buyer.example/hook', /^must start with http:\/\/ or https:\/\//],
  ])('%s, on create and on PATCH', async (deliveryUrl, says) => {
    const create = await stack.app.inject({ method: 'POST', url: '/api/admin/workspaces', headers: { authorization: asAdmin() }, payload: { name: 'Bad URL', kind: 'partner', deliveryUrl } });
    const patch = await stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${partner.id}`, headers: { authorization: asAdmin() }, payload: { deliveryUrl } });
    for (const res of [create, patch]) expect([res.statusCode, errorOf(res).details]).toEqual([400, [{ field: 'deliveryUrl', message: expect.stringMatching(says) }]]);
  });
});

describe('6. a time zone\'s 400 says the spelling to send', () => {
  test.each([
    ['america/new_york', 'must be spelt exactly America/New_York (time zone names are case-sensitive)'],
    ['America/New_York ', 'has whitespace at its start or end: send "America/New_York"'],
    [' europe/paris', 'has whitespace at its start or end: send "Europe/Paris" (time zone names are case-sensitive)'],
    ['asia/kolkata', 'must be spelt exactly Asia/Kolkata (time zone names are case-sensitive)'],
  ])('%j', async (timezone, message) => {
    const create = await stack.app.inject({ method: 'POST', url: '/api/admin/workspaces', headers: { authorization: asAdmin() }, payload: { name: 'Zone', kind: 'partner', timezone } });
    const patch = await stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${partner.id}`, headers: { authorization: asAdmin() }, payload: { timezone } });
    for (const res of [create, patch]) expect([res.statusCode, errorOf(res).details]).toEqual([400, [{ field: 'timezone', message }]]);
  });
});

describe('7. a rule\'s email value: "not an address" and "local part over 64 bytes" are told apart, as in a lead\'s 400', () => {
  test.each([
    ['not-an-address', /email is an email address such as jane@example\.com .*, and this is not one$/],
    [`${'a'.repeat(65)}@outlook.com`, /email has at most 64 bytes before the @ .*, and this has 65$/],
  ])('%s', async (value, says) => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/admin/rules', headers: { authorization: asAdmin() }, payload: { name: 'Email value', priority: 1, conditions: { field: 'email', op: 'eq', value }, destinations: [{ workspaceId: partner.id }] } });
    expect([res.statusCode, errorOf(res).details]).toEqual([400, [{ field: 'conditions.value', message: expect.stringMatching(says) }]]);
  });
});

describe('10. OpenAPI declares the Idempotent-Replayed header where it is sent', () => {
  test('the 201 of the signing-secret rotation', () => {
    const created = paths['/api/admin/workspaces/{id}/signing-secret']!.post!.responses['201']!;
    expect(created.headers).toEqual({ 'Idempotent-Replayed': expect.objectContaining({ schema: expect.objectContaining({ type: 'string' }) }) });
  });
});
