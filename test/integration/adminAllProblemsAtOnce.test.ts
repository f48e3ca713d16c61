// An admin write's 400 lists every problem of the request at once (api/plugins/inputProblems.ts), where it used to
// answer in phases: a rule whose body had schema errors did not report its conditions' errors, a workspace PATCH
// with a bad name hid a bad time zone, an Idempotency-Key refusal hid a body. Each test sends every fault of a
// request alone, then all together: the together answer is exactly the union of the alone answers, in path order
// (same fields, same messages), and no answer changed the database. Real Postgres and Temporal (test/support/stack.ts).
import type { InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import { inPathOrder } from '../../api/errors';
import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });

type Detail = { field: string; message: string };
type Request = InjectOptions & { url: string; headers: Record<string, string | string[]>; payload?: Record<string, unknown> };
/** One fault: changes a copy of a valid request so that the request has one more problem. */
type Fault = (request: Request) => void;

let source: { id: string; apiKey?: string };
let partner: { id: string };
let otherPartner: { id: string };
let rule: { id: string };

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'All-at-once source', kind: 'source' });
  partner = await createWorkspace(stack, { name: 'All-at-once buyer', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/hook' });
  otherPartner = await createWorkspace(stack, { name: 'All-at-once buyer 2', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/hook2' });
  rule = await createRule(stack, { name: 'All-at-once rule', priority: 5, destinations: [{ workspaceId: partner.id }] });
});

const admin = { authorization: () => `Bearer ${stack.adminToken}` };
const send = (request: Request) => stack.app.inject({ ...request, headers: { ...request.headers, authorization: admin.authorization() } });
const copy = (request: Request): Request => structuredClone(request);
const detailsOf = (res: { json: () => unknown }): Detail[] => (res.json() as { error: { details?: Detail[] } }).error.details ?? [];

/**
 * Every row of every table, as text: taken before and after a refused request, equal when it wrote nothing
 * (a stronger check than row counts: an UPDATE changes no count).
 */
async function database(): Promise<Record<string, string[]>> {
  const { rows } = await stack.db.raw<{ rows: Array<{ name: string }> }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const snapshot: Record<string, string[]> = {};
  for (const { name } of rows) {
    const content = await stack.db.raw<{ rows: Array<{ r: string }> }>('SELECT to_jsonb(t)::text AS r FROM ?? t ORDER BY 1', [name]);
    snapshot[name] = content.rows.map((row) => row.r);
  }
  return snapshot;
}

/**
 * Sends `valid` with each fault alone (each must be a 400 naming fields), then with all of them: that answer must
 * list exactly what the faults alone listed, in path order, and nothing may have been written by any of them.
 * Returns the together answer's details.
 */
async function expectAllAtOnce(valid: Request, faults: Fault[]): Promise<Detail[]> {
  const before = await database();
  const alone: Detail[] = [];
  for (const fault of faults) {
    const request = copy(valid);
    fault(request);
    const res = await send(request);
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'invalid_request' }) } });
    const details = detailsOf(res);
    expect(details.length).toBeGreaterThan(0);
    alone.push(...details);
  }
  const all = copy(valid);
  faults.forEach((fault) => fault(all));
  const res = await send(all);
  expect(res.statusCode).toBe(400);
  const together = detailsOf(res);
  expect(together).toEqual(inPathOrder(alone));
  for (const d of together) expect(d.field).toMatch(/\S/);
  expect(await database()).toEqual(before);
  return together;
}

const predicate = { field: 'state', op: 'eq', value: 'CA' };
const aRule = (): Request => ({
  method: 'POST',
  url: '/api/admin/rules',
  headers: {},
  payload: { name: 'Fine rule', priority: 10, conditions: { all: [predicate, predicate, predicate] }, destinations: [{ workspaceId: partner.id }, { workspaceId: otherPartner.id }] },
});
const body = (r: Request) => r.payload as Record<string, unknown>;
const conditionAt = (i: number, c: unknown): Fault => (r) => {
  ((body(r).conditions as { all: unknown[] }).all)[i] = c;
};

/** The walk's example and its kind: schema errors (a missing destinations, a bad priority type) beside every kind of condition error. */
const ruleFaults: Fault[] = [
  (r) => void delete body(r).destinations, // schema: required
  (r) => void (body(r).priority = 'high'), // schema: type
  (r) => void (body(r).colour = 'red'), // schema: unknown field
  (r) => void (body(r).name = 'Bad\u0000name'), // the JSON parser's check (a NUL cannot be stored)
  conditionAt(0, { field: 'phone', op: 'matches', value: '^07' }), // never matches: phones are compared in E.164 (+…)
  conditionAt(1, { field: 'amount', op: 'gt', value: 5 }), // not a lead field (attributes.amount is)
  conditionAt(2, { field: 'state', op: 'matches', value: '(' }), // a bad regex
  (r) => void (body(r).sourceWorkspaceId = partner.id), // the database's check: a partner is not a source
];

describe('rules: schema, parser, condition and database checks in one 400', () => {
  test('POST: a missing destinations, a bad priority, an unknown field, a NUL, three bad conditions and a partner as source, all listed', async () => {
    const details = await expectAllAtOnce(aRule(), ruleFaults);
    expect(details.map((d) => d.field)).toEqual([
      'colour', 'conditions.all[0].value', 'conditions.all[1].field', 'conditions.all[2].value', 'destinations', 'name', 'priority', 'sourceWorkspaceId',
    ]);
  });

  test('PUT: the same, and the rule is unchanged (no new version)', async () => {
    await expectAllAtOnce({ ...aRule(), method: 'PUT', url: `/api/admin/rules/${rule.id}` }, ruleFaults);
    const read = await send({ method: 'GET', url: `/api/admin/rules/${rule.id}`, headers: {} });
    expect(read.json()).toMatchObject({ name: 'All-at-once rule', versions: [expect.anything()] });
  });

  test('a weight outside a weighted rule and a destination that is not a partner, beside schema errors in other destinations', async () => {
    await expectAllAtOnce(aRule(), [
      (r) => void ((body(r).destinations as Array<Record<string, unknown>>)[0]!.weight = 2), // only weighted rules use weights
      (r) => void ((body(r).destinations as Array<Record<string, unknown>>)[1]!.workspaceId = source.id), // not a partner
      (r) => void (body(r).enabled = 'yes'),
    ]);
  });

  test('conditions alone: a tree error in one predicate no longer hides a never-matching value in another', async () => {
    await expectAllAtOnce(aRule(), [
      conditionAt(0, { field: 'state', op: 'like', value: 'CA' }), // the tree: no such op
      conditionAt(1, { field: 'country', op: 'eq', value: 'us' }), // never matches: countries are upper case
      conditionAt(2, { any: [] }), // an empty any holds for every lead
    ]);
  });
});

describe('a check that needs a part to be valid skips only that part', () => {
  const send400 = async (mutate: Fault) => {
    const request = aRule();
    mutate(request);
    const res = await send(request);
    expect(res.statusCode).toBe(400);
    return detailsOf(res);
  };

  test('conditions that are not an object: the schema says so once; the other fields are still checked', async () => {
    const details = await send400((r) => {
      body(r).conditions = [predicate];
      body(r).priority = -1;
    });
    expect(details).toEqual([
      { field: 'conditions', message: 'must be a JSON object' },
      { field: 'priority', message: expect.stringMatching(/>= 0/) },
    ]);
  });

  test('an unknown distribution: its weights are not judged by it; a NUL in a value is said once (not also by the regex check)', async () => {
    const details = await send400((r) => {
      body(r).distribution = 'random';
      (body(r).destinations as Array<Record<string, unknown>>)[0]!.weight = 2;
      conditionAt(0, { field: 'state', op: 'matches', value: '\u0000' })(r);
    });
    expect(details.map((d) => d.field)).toEqual(['conditions.all[0].value', 'distribution']);
  });

  test('a number a double cannot hold: the parser says so, not also "must be an integer"', async () => {
    const res = await stack.app.inject({
      method: 'POST', url: '/api/admin/rules', headers: { authorization: admin.authorization(), 'content-type': 'application/json' },
      payload: `{"name":"Big","priority":12345678901234567890,"destinations":[{"workspaceId":"${partner.id}"}],"enabled":"no"}`,
    });
    expect(res.statusCode).toBe(400);
    expect(detailsOf(res)).toEqual([
      { field: 'enabled', message: 'must be a boolean (true or false)' },
      { field: 'priority', message: expect.stringMatching(/^is beyond ±9007199254740991/) },
    ]);
  });
});

describe('workspaces: schema and database checks in one 400', () => {
  test("PATCH: a bad name no longer hides a bad time zone (the walk's example), nor caps out of order or a partner's rate limit", async () => {
    await expectAllAtOnce({ method: 'PATCH', url: `/api/admin/workspaces/${partner.id}`, headers: {}, payload: { enabled: true } }, [
      (r) => void (body(r).name = ' Leading space'),
      (r) => void (body(r).timezone = 'Mars/Olympus_Mons'),
      (r) => void (body(r).caps = { hourly: 500, daily: 100 }),
      (r) => void (body(r).rateLimitPerMinute = 10),
      (r) => void (body(r).deliveryUrl = 'http://169.254.169.254/latest/meta-data'),
      (r) => void (body(r).colour = 'red'),
    ]);
  });

  test('PATCH with a bad id and a bad body: both, before any lookup', async () => {
    await expectAllAtOnce({ method: 'PATCH', url: `/api/admin/workspaces/${partner.id}`, headers: {}, payload: { enabled: true } }, [
      (r) => void (r.url = '/api/admin/workspaces/not-a-uuid'),
      (r) => void (body(r).timezone = 42),
    ]);
  });

  test('POST: a source with a bad name, a bad time zone, delivery settings and a bad rate limit', async () => {
    await expectAllAtOnce({ method: 'POST', url: '/api/admin/workspaces', headers: {}, payload: { name: 'Fine source', kind: 'source' } }, [
      (r) => void (body(r).name = ''),
      (r) => void (body(r).timezone = 'Nowhere/Special'),
      (r) => void (body(r).deliveryUrl = 'https://buyer.example/hook'), // only partners receive leads
      (r) => void (body(r).caps = { daily: 10 }), // the same, said of caps too (it used to be said of one of the two)
      (r) => void (body(r).rateLimitPerMinute = 0),
    ]);
  });

  test('POST: an unknown kind skips only the checks that depend on the kind', async () => {
    await expectAllAtOnce({ method: 'POST', url: '/api/admin/workspaces', headers: {}, payload: { name: 'Fine', kind: 'partner' } }, [
      (r) => void (body(r).kind = 'buyer'),
      (r) => void (body(r).timezone = 'Nowhere/Special'),
    ]);
  });
});

describe('headers, bodies and paths of the other writes in one 400', () => {
  test('signing-secret rotation: a bad Idempotency-Key and a bad body, both (no rotation)', async () => {
    await expectAllAtOnce({ method: 'POST', url: `/api/admin/workspaces/${partner.id}/signing-secret`, headers: { 'idempotency-key': 'key-1' }, payload: { overlapMinutes: 60 } }, [
      (r) => void (r.headers['idempotency-key'] = 'has a space'),
      (r) => void (body(r).overlapMinutes = -1),
      (r) => void (body(r).force = 'yes'),
    ]);
  });

  test('api-key rotation: an Idempotency-Key and a body, both (the key still works)', async () => {
    await expectAllAtOnce({ method: 'POST', url: `/api/admin/workspaces/${source.id}/api-key`, headers: {} }, [
      (r) => void (r.headers['idempotency-key'] = 'once'),
      (r) => void (r.payload = { rotate: true }),
    ]);
    const lead = await stack.app.inject({ method: 'POST', url: '/api/leads/route', headers: { authorization: `Bearer ${source.apiKey}` }, payload: aLead() });
    expect(lead.statusCode).not.toBe(401);
  });

  test('DELETE a rule: a bad id and a body, both (the rule is not deleted)', async () => {
    await expectAllAtOnce({ method: 'DELETE', url: `/api/admin/rules/${rule.id}`, headers: {} }, [
      (r) => void (r.url = '/api/admin/rules/123'),
      (r) => void (r.payload = { hard: true }),
    ]);
  });

  test('lead retry and retry-queue pass: a body and an unknown query parameter, both', async () => {
    for (const url of [`/api/admin/leads/${crypto.randomUUID()}/retry`, '/api/admin/retry-queue/process']) {
      await expectAllAtOnce({ method: 'POST', url, headers: {} }, [
        (r) => void (r.url = `${r.url}?batchSize=5`),
        (r) => void (r.payload = { batchSize: 5 }),
      ]);
    }
  });

  test('simulate: a schema error in the lead, a phone no country has, and a partner as the source, all listed', async () => {
    await expectAllAtOnce({ method: 'POST', url: '/api/admin/rules/simulate', headers: {}, payload: { sourceWorkspaceId: source.id, lead: aLead() } }, [
      (r) => void ((body(r).lead as Record<string, unknown>).firstName = 42),
      (r) => void ((body(r).lead as Record<string, unknown>).phone = '+1 555 0000'),
      (r) => void (body(r).sourceWorkspaceId = partner.id),
    ]);
  });
});

describe("a source's lead, the same way (POST /api/leads/route)", () => {
  test('a schema error, a phone no country has, a NUL, an unknown query parameter and a bad wait, all listed; no lead stored', async () => {
    const asSource = (request: Request) => stack.app.inject({ ...request, headers: { ...request.headers, authorization: `Bearer ${source.apiKey}` } });
    const before = await database();
    const faults: Fault[] = [
      (r) => void (body(r).firstName = 42),
      (r) => void (body(r).phone = '+1 555 0000'),
      (r) => void (body(r).lastName = 'Nul\u0000l'),
      (r) => void (r.url = r.url.replace('?', '?colour=red&')),
      (r) => void (r.url = r.url.replace('wait=0', 'wait=0x10')), // once read as 16 by a second check, after ajv coerced it in place
    ];
    const valid: Request = { method: 'POST', url: '/api/leads/route?wait=0', headers: {}, payload: aLead({ externalId: `all-at-once-${crypto.randomUUID()}` }) };
    const alone: Detail[] = [];
    for (const fault of faults) {
      const request = copy(valid);
      fault(request);
      const res = await asSource(request);
      expect([res.statusCode, detailsOf(res).length]).toEqual([400, 1]);
      alone.push(...detailsOf(res));
    }
    const all = copy(valid);
    faults.forEach((fault) => fault(all));
    const res = await asSource(all);
    expect(res.statusCode).toBe(400);
    expect(detailsOf(res)).toEqual(inPathOrder(alone));
    expect(detailsOf(res).map((d) => d.field)).toEqual(['colour', 'firstName', 'lastName', 'phone', 'wait']);
    expect(await database()).toEqual(before);
  });
});

describe('a body that is not an object is the one problem the checks after the schema cannot read past', () => {
  const writes = (): Array<[string, string]> => [
    ['POST', '/api/admin/rules'],
    ['PUT', `/api/admin/rules/${rule.id}`],
    ['POST', '/api/admin/rules/simulate'],
    ['POST', '/api/admin/workspaces'],
    ['PATCH', `/api/admin/workspaces/${partner.id}`],
    ['POST', `/api/admin/workspaces/${partner.id}/signing-secret`],
  ];

  test.each(['null', '[]', '"text"', '7'])('%s: a 400 naming the body, never a 500, nothing written', async (text) => {
    const before = await database();
    for (const [method, url] of writes()) {
      const res = await stack.app.inject({ method: method as InjectOptions['method'], url, headers: { authorization: admin.authorization(), 'content-type': 'application/json' }, payload: text });
      expect([method, url, res.statusCode]).toEqual([method, url, 400]);
      expect(detailsOf(res)).toEqual([{ field: '(root)', message: 'body must be a JSON object' }]);
    }
    expect(await database()).toEqual(before);
  });

  test('no body where one is required: the schema says what is missing', async () => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/admin/workspaces', headers: { authorization: admin.authorization() } });
    expect(res.statusCode).toBe(400);
    expect(detailsOf(res)).toEqual([{ field: '(root)', message: 'body must be a JSON object' }]);
  });
});

describe('the checks after the schema read any shape the schema refused: never a 500', () => {
  const shapes: unknown[] = [null, 0, -1, 'x', '', [], [null], {}, { all: 'x' }, true];
  /** Sets `path` (dotted, with numeric steps for items) in a copy of `payload` to `value`. */
  const setAt = (payload: Record<string, unknown>, path: string, value: unknown) => {
    const copyOf = structuredClone(payload);
    const steps = path.split('.');
    let at: Record<string, unknown> = copyOf;
    for (const step of steps.slice(0, -1)) at = at[step] as Record<string, unknown>;
    at[steps.at(-1)!] = value;
    return copyOf;
  };
  const routes = (): Array<[string, string, Record<string, unknown>, string[]]> => [
    ['POST', '/api/admin/rules', { name: 'Shapes', priority: 1, conditions: { all: [predicate] }, destinations: [{ workspaceId: partner.id, weight: 1 }], distribution: 'weighted' },
      ['name', 'priority', 'sourceWorkspaceId', 'conditions', 'conditions.all', 'conditions.all.0', 'conditions.all.0.value', 'destinations', 'destinations.0', 'destinations.0.workspaceId', 'destinations.0.weight', 'distribution', 'enabled']],
    ['PUT', `/api/admin/rules/${rule.id}`, { name: 'Shapes', priority: 1, destinations: [{ workspaceId: partner.id }] }, ['destinations', 'destinations.0', 'conditions']],
    ['POST', '/api/admin/workspaces', { name: 'Shapes', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/x', caps: { hourly: 1, daily: 2 } },
      ['name', 'kind', 'deliveryUrl', 'timezone', 'caps', 'caps.hourly', 'caps.daily', 'rateLimitPerMinute', 'enabled']],
    ['PATCH', `/api/admin/workspaces/${partner.id}`, { caps: { hourly: 1, daily: 2 }, timezone: 'UTC' }, ['name', 'deliveryUrl', 'timezone', 'caps', 'caps.hourly', 'caps.monthly', 'rateLimitPerMinute']],
    ['POST', '/api/admin/rules/simulate', { sourceWorkspaceId: source.id, lead: aLead() }, ['sourceWorkspaceId', 'lead', 'lead.email', 'lead.phone', 'lead.country', 'lead.attributes']],
    ['POST', '/api/leads/route', aLead(), ['externalId', 'email', 'phone', 'country', 'attributes']],
  ];

  test('each field of each write set to each JSON shape: 400 or the write, nothing else', async () => {
    const statuses = new Set<number>();
    for (const [method, url, payload, fields] of routes()) {
      const authorization = url === '/api/leads/route' ? `Bearer ${source.apiKey}` : admin.authorization();
      for (const field of fields) {
        for (const shape of shapes) {
          const res = await stack.app.inject({ method: method as InjectOptions['method'], url, headers: { authorization }, payload: setAt(payload, field, shape) as object });
          statuses.add(res.statusCode);
          expect([method, url, field, shape, res.statusCode < 500]).toEqual([method, url, field, shape, true]);
        }
      }
    }
    expect(statuses.has(400)).toBe(true);
  });
});
