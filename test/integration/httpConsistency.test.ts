// Session 10's newcomer walk, the HTTP boundary's leftovers, each kept as its reported example and checked as a KIND:
// a rule value's suggestion is accepted when written back; every read refuses a body as body-less POST/DELETE do;
// details come in path order; query booleans take the settings' spellings. Real Postgres and Temporal.
import type { InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import http from 'node:http';
import { BOOLEAN_SPELLINGS } from '../support/booleanSpellings';
import { createRule, createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });
let partner: { id: string };
let paths: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  partner = await createWorkspace(stack, { name: 'Consistency buyer', kind: 'partner' });
  paths = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
});

const asAdmin = () => ({ authorization: `Bearer ${stack.adminToken}` });
type Detail = { field: string; message: string };
const details = (res: { json: () => unknown }): Detail[] => (res.json() as { error: { details?: Detail[] } }).error.details ?? [];
const postRule = (body: Record<string, unknown>) => stack.app.inject({ method: 'POST', url: '/api/admin/rules', headers: asAdmin(), payload: body });
const aRule = (conditions: unknown, over: Record<string, unknown> = {}) => ({ name: `Consistency ${crypto.randomUUID()}`, priority: 500, conditions, destinations: [{ workspaceId: partner.id }], ...over });

describe('1. a rule value given as a number: the suggestion given is accepted', () => {
  test('phone eq 14157340132 suggests "+14157340132", and the rule written so is stored', async () => {
    const refused = await postRule(aRule({ all: [{ field: 'phone', op: 'eq', value: 14157340132 }] }));
    expect(refused.statusCode).toBe(400);
    const [detail] = details(refused);
    expect(detail).toEqual({ field: 'conditions.all[0].value', message: expect.stringContaining('write "+14157340132"') });
    const written = await postRule(aRule({ all: [{ field: 'phone', op: 'eq', value: '+14157340132' }] }));
    expect(written.statusCode).toBe(201);
  });
});

describe('5. every API read (GET, HEAD) refuses a body, as body-less POST and DELETE do', () => {
  /** Every documented GET under /api/, ids filled with random UUIDs (a 404 after the body check is fine). */
  const reads = () => Object.entries(paths).filter(([p, ops]) => p.startsWith('/api/') && 'get' in ops)
    .map(([p]) => p.replace('{version}', '1').replace(/\{\w+\}/g, () => crypto.randomUUID()));

  test('a JSON body, a form body or a chunked one: 400 naming body; none, empty or {}: answered as without one', async () => {
    const urls = reads();
    expect(urls.length).toBeGreaterThanOrEqual(8);
    for (const url of urls) {
      const send = (over: Partial<InjectOptions>) => stack.app.inject({ method: 'GET', url, headers: asAdmin(), ...over });
      const plain = await send({});
      for (const [what, over] of [
        ['the reported example, a JSON filter', { payload: { status: 'failed' } }],
        ['a form body', { payload: 'status=failed', headers: { ...asAdmin(), 'content-type': 'application/x-www-form-urlencoded' } }],
        ['JSON null', { payload: 'null', headers: { ...asAdmin(), 'content-type': 'application/json' } }],
        ['a body larger than is looked at', { payload: { filter: 'x'.repeat(5000) } }],
      ] as Array<[string, Partial<InjectOptions>]>) {
        const res = await send(over);
        expect([url, what, res.statusCode, details(res).map((d) => d.field)]).toEqual([url, what, 400, ['body']]);
      }
      for (const [what, over] of [
        ['{}', { payload: {} }],
        ['an empty body with a Content-Type', { payload: '', headers: { ...asAdmin(), 'content-type': 'application/json' } }],
      ] as Array<[string, Partial<InjectOptions>]>) {
        const res = await send(over);
        expect([url, what, res.statusCode]).toEqual([url, what, plain.statusCode]);
      }
      const head = await stack.app.inject({ method: 'HEAD', url, headers: asAdmin(), payload: { status: 'failed' } });
      expect([url, 'HEAD', head.statusCode]).toEqual([url, 'HEAD', 400]);
    }
  });

  test('over a real socket, a chunked body on a GET is refused too', async () => {
    const address = new URL(await stack.app.listen({ port: 0, host: '127.0.0.1' }));
    const answer = await new Promise<{ status?: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: address.hostname, port: address.port, method: 'GET', path: '/api/admin/leads', headers: { ...asAdmin(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      req.write('{"status":');
      req.end('"failed"}');
    });
    expect({ status: answer.status, fields: (JSON.parse(answer.text) as { error: { details: Detail[] } }).error.details.map((d) => d.field) }).toEqual({ status: 400, fields: ['body'] });
  });

  test('probes and docs keep answering whatever they are sent (as their query strings)', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/health', payload: { x: 1 } });
    expect(res.statusCode).toBe(200);
  });
});

describe('6. a 400 lists its details in path order, whatever order they were found in', () => {
  test('a body with three problems, in reverse order of their paths', async () => {
    const res = await postRule({ priority: 'high', name: '', destinations: [{ workspaceId: 'not-a-uuid' }], conditions: { all: [] } });
    expect(res.statusCode).toBe(400);
    expect(details(res).map((d) => d.field)).toEqual(['destinations[0].workspaceId', 'name', 'priority']);
  });
  test('problems found by the route\'s own checks too (list items by index: 2 before 10)', async () => {
    const value = Array.from({ length: 11 }, (_, i) => (i === 2 || i === 10 ? 7 : `S${i}`));
    const res = await postRule(aRule({ all: [{ field: 'state', op: 'in', value }, { field: 'country', op: 'eq', value: 'us' }] }, { destinations: [{ workspaceId: partner.id, weight: 5 }] }));
    expect(details(res).map((d) => d.field)).toEqual(['conditions.all[0].value[2]', 'conditions.all[0].value[10]', 'conditions.all[1].value', 'destinations[0].weight']);
  });
});

describe('7. query booleans take the on/off settings\' spellings (one parser, one table)', () => {
  test.each(BOOLEAN_SPELLINGS)('GET /api/admin/rules?includeDeleted=%j: %s (undefined: 400 naming it)', async (text, expected) => {
    const deleted = await createRule(stack, aRule({ all: [{ field: 'state', op: 'eq', value: 'VT' }] }));
    await stack.app.inject({ method: 'DELETE', url: `/api/admin/rules/${deleted.id}`, headers: asAdmin() });
    const res = await stack.app.inject({ method: 'GET', url: `/api/admin/rules?includeDeleted=${encodeURIComponent(text)}`, headers: asAdmin() });
    if (expected === undefined) {
      expect([res.statusCode, details(res)]).toEqual([400, [{ field: 'includeDeleted', message: 'must be true or false (or 1 / 0), in any case' }]]);
    } else {
      const ids = (res.json() as { rules: Array<{ id: string }> }).rules.map((r) => r.id);
      expect({ status: res.statusCode, listsDeleted: ids.includes(deleted.id) }).toEqual({ status: 200, listsDeleted: expected });
    }
  });
});
