import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Admin inputs that stored something that could never work, or were silently ignored (a newcomer's walk on
 * a fresh clone): each example is kept with its right answer, a 400 naming the field or path, on POST and
 * PUT of a rule (and simulate where it applies); the neighbouring valid inputs still succeed.
 */
let stack: TestStack;
let source: { id: string };
let disabledSource: { id: string };
let partner: { id: string };
let existingRule: { id: string };

type Detail = { field: string; message: string };
const send = (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  stack.app.inject({ method, url, headers: { authorization: `Bearer ${stack.adminToken}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
const details = (res: { json(): unknown }): Detail[] => (res.json() as { error: { details?: Detail[] } }).error.details ?? [];
const fieldsOf = (res: { json(): unknown }) => details(res).map((d) => d.field);
const rule = (conditions: unknown, over: Record<string, unknown> = {}) => ({ name: 'Never', priority: 10, conditions, destinations: [{ workspaceId: partner.id }], ...over });

beforeAll(async () => {
  stack = await startTestStack();
  source = await createWorkspace(stack, { name: 'Never source', kind: 'source' });
  disabledSource = await createWorkspace(stack, { name: 'Disabled source', kind: 'source', enabled: false });
  partner = await createWorkspace(stack, { name: 'Never buyer', kind: 'partner' });
  existingRule = await createRule(stack, { name: 'Existing', priority: 900, conditions: { all: [{ field: 'product', op: 'eq', value: 'existing' }] }, destinations: [{ workspaceId: partner.id }] });
});

afterAll(async () => {
  await stack?.stop();
});

/** POST and PUT both answer 400 naming exactly `fields`; the existing rule is unchanged. */
async function refusedOnWrite(body: unknown, fields: string[]): Promise<Detail[]> {
  const post = await send('POST', '/api/admin/rules', body);
  expect(post.statusCode).toBe(400);
  expect(fieldsOf(post)).toEqual(fields);
  const put = await send('PUT', `/api/admin/rules/${existingRule.id}`, body);
  expect(put.statusCode).toBe(400);
  expect(fieldsOf(put)).toEqual(fields);
  expect((await stack.db('routing_rules').where({ id: existingRule.id }).first()).version).toBe(1);
  return details(post);
}

describe('rules that can never match are refused', () => {
  test.each<[string, unknown, string[], RegExp]>([
    ['country eq "us" (the gateway upper-cases it)', { all: [{ field: 'country', op: 'eq', value: 'us' }] }, ['conditions.all[0].value'], /upper-case ISO 3166-1 alpha-2 code, e.g. US/],
    ['country in ["us", "USA"]', { all: [{ field: 'country', op: 'in', value: ['US', 'us', 'USA'] }] }, ['conditions.all[0].value[1]', 'conditions.all[0].value[2]'], /ISO 3166-1 alpha-2/],
    ['country neq "usa" (always holds)', { all: [{ field: 'country', op: 'neq', value: 'usa' }] }, ['conditions.all[0].value'], /always holds/],
    ['state eq 1 (top-level fields are strings)', { all: [{ field: 'state', op: 'eq', value: 1 }] }, ['conditions.all[0].value'], /always a string.*write "1"/],
    ['product in [true]', { any: [{ field: 'product', op: 'in', value: ['loan', true] }] }, ['conditions.any[0].value[1]'], /is a boolean/],
    ['postalCode gt 90000 (a number comparison on a string)', { all: [{ field: 'postalCode', op: 'gt', value: 90000 }] }, ['conditions.all[0].op'], /compares numbers/],
    ['phone eq "call me"', { all: [{ field: 'phone', op: 'eq', value: 'call me' }] }, ['conditions.all[0].value'], /digits/],
    ['state eq a 65-character value', { all: [{ field: 'state', op: 'eq', value: 'x'.repeat(65) }] }, ['conditions.all[0].value'], /1-64 characters/],
    ['attributes (the object) eq 5', { all: [{ field: 'attributes', op: 'eq', value: 5 }] }, ['conditions.all[0].field'], /object/],
    ['a field no lead has (amount)', { all: [{ field: 'amount', op: 'gt', value: 5 }] }, ['conditions.all[0].field'], /not a lead field.*attributes\.<name>/],
    ['inside a string (state.code)', { all: [{ field: 'state.code', op: 'exists' }] }, ['conditions.all[0].field'], /string/],
    ['inside an attribute (attributes.a.b)', { all: [{ field: 'attributes.a.b', op: 'eq', value: 1 }] }, ['conditions.all[0].field'], /nothing inside/],
    ['not of an empty all', { not: { all: [] } }, ['conditions.not'], /never holds/],
    ['not of an empty any', { all: [{ not: { any: [] } }] }, ['conditions.all[0].not', 'conditions.all[0].not.any'], /holds for every lead/], // details in path order
    ['an empty any', { any: [] }, ['conditions.any'], /empty "any" holds for every lead/],
    ['state eq "C\u200dA" (a code: the gateway refuses invisible format characters in it)', { all: [{ field: 'state', op: 'eq', value: 'C\u200dA' }] }, ['conditions.all[0].value'], /without invisible format characters/],
    ['email eq a 65-byte local part (the gateway refuses more than 64)', { all: [{ field: 'email', op: 'eq', value: `${'a'.repeat(65)}@example.com` }] }, ['conditions.all[0].value'], /at most 64 bytes before the @/],
  ])('%s', async (_name, conditions, fields, message) => {
    const problems = await refusedOnWrite(rule(conditions), fields);
    expect(problems[0]!.message).toMatch(message);
  });

  test('the values a lead can hold are accepted: country "US", attributes compared as numbers, an empty catch-all', async () => {
    const ok = await send('POST', '/api/admin/rules', rule({ all: [
      { field: 'country', op: 'in', value: ['US', 'CA'] },
      { field: 'state', op: 'neq', value: 'TX' },
      { field: 'postalCode', op: 'starts_with', value: '9' },
      { field: 'attributes.amount', op: 'gt', value: 5 },
      { field: 'attributes', op: 'exists' },
      { field: 'email', op: 'ends_with', value: '@example.com' },
      { not: { field: 'product', op: 'eq', value: 'car' } },
      { all: [] },
    ] }));
    expect(ok.statusCode).toBe(201);
    expect((await send('POST', '/api/admin/rules', rule({ all: [] }))).statusCode).toBe(201);
    expect((await send('POST', '/api/admin/rules', { name: 'No conditions', priority: 11, destinations: [{ workspaceId: partner.id }] })).statusCode).toBe(201);
  });
});

describe('small admin inconsistencies', () => {
  test('a weight on a priority or round_robin rule is a 400 naming it; a weighted rule keeps its weights', async () => {
    const problems = await refusedOnWrite(rule({ all: [] }, { destinations: [{ workspaceId: partner.id, weight: 3 }] }), ['destinations[0].weight']);
    expect(problems[0]!.message).toMatch(/only weighted rules use weights/);
    await refusedOnWrite(rule({ all: [] }, { distribution: 'round_robin', destinations: [{ workspaceId: partner.id, weight: 3 }] }), ['destinations[0].weight']);
    expect((await send('POST', '/api/admin/rules', rule({ all: [] }, { distribution: 'weighted', destinations: [{ workspaceId: partner.id, weight: 3 }] }))).statusCode).toBe(201);
  });

  test('enum errors list the allowed values', async () => {
    const distribution = await send('POST', '/api/admin/rules', rule({ all: [] }, { distribution: 'random' }));
    expect(distribution.statusCode).toBe(400);
    expect(details(distribution)).toEqual([{ field: 'distribution', message: 'must be one of priority, weighted, round_robin' }]);
    const kind = await send('POST', '/api/admin/workspaces', { name: 'x', kind: 'buyer' });
    expect(details(kind)).toEqual([{ field: 'kind', message: 'must be one of source, partner' }]);
    const list = await stack.app.inject({ method: 'GET', url: '/api/admin/workspaces?kind=buyer', headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(list.statusCode).toBe(400);
    expect(details(list)[0]!.message).toBe('must be one of source, partner');
    const status = await stack.app.inject({ method: 'GET', url: '/api/admin/leads?status=done', headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(status.statusCode).toBe(400);
    expect(details(status)[0]!.message).toMatch(/^must be one of .*pending.*routed/);
    const op = await send('POST', '/api/admin/rules', rule({ all: [{ field: 'state', op: 'equals', value: 'TX' }] }));
    expect(details(op)[0]!.message).toMatch(/^must be one of eq, neq, in, /);
  });

  test('a number parameter that is not decimal gets an example within its bounds (limit: at most 500)', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/admin/leads?limit=lots', headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(res.statusCode).toBe(400);
    expect(details(res)).toEqual([{ field: 'limit', message: 'must be a decimal integer such as 500' }]);
  });

  test('caps: a shorter period above a longer one is a 400 naming the cap, on create and PATCH; null is "no cap" on both', async () => {
    const hourly = await send('POST', '/api/admin/workspaces', { name: 'Caps', kind: 'partner', caps: { hourly: 500, daily: 100 } });
    expect(hourly.statusCode).toBe(400);
    expect(fieldsOf(hourly)).toEqual(['caps.hourly']);
    expect(details(hourly)[0]!.message).toBe('the hourly cap (500) is above the daily cap (100): it could never be reached; an hourly cap must be at most the daily one');
    const daily = await send('POST', '/api/admin/workspaces', { name: 'Caps', kind: 'partner', caps: { daily: 5000, monthly: 1000 } });
    expect(fieldsOf(daily)).toEqual(['caps.daily']);

    const created = await send('POST', '/api/admin/workspaces', { name: 'Caps', kind: 'partner', caps: { hourly: 10, daily: null, monthly: 1000 } });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    expect((created.json() as { caps: unknown }).caps).toEqual({ hourly: 10, daily: null, monthly: 1000 });
    // Checked against the caps it would have: monthly 1000 stays, so daily 2000 is above it.
    const patch = await send('PATCH', `/api/admin/workspaces/${id}`, { caps: { daily: 2000 } });
    expect(patch.statusCode).toBe(400);
    expect(fieldsOf(patch)).toEqual(['caps.daily']);
    const lowered = await send('PATCH', `/api/admin/workspaces/${id}`, { caps: { monthly: 5 } });
    expect(fieldsOf(lowered)).toEqual(['caps.monthly']);
    const fine = await send('PATCH', `/api/admin/workspaces/${id}`, { caps: { daily: 100, monthly: null } });
    expect(fine.statusCode).toBe(200);
    expect((fine.json() as { caps: unknown }).caps).toEqual({ hourly: 10, daily: 100, monthly: null });
  });

  test.each<[string, string]>([
    ['HTTP://X.COM/', 'http://X.COM/'],
    ['Https://buyer.example.com/leads', 'https://buyer.example.com/leads'],
    ['http://x_y.com/', 'http://x_y.com/'],
    ['http://127.0.0.1:8080/hook', 'http://127.0.0.1:8080/hook'],
    ['http://10.1.2.3/hook', 'http://10.1.2.3/hook'],
  ])('deliveryUrl %s is accepted and stored as %s', async (url, stored) => {
    const res = await send('POST', '/api/admin/workspaces', { name: 'Url', kind: 'partner', deliveryUrl: url });
    expect(res.statusCode).toBe(201);
    expect((res.json() as { deliveryUrl: string }).deliveryUrl).toBe(stored);
    const id = (res.json() as { id: string }).id;
    const patched = await send('PATCH', `/api/admin/workspaces/${id}`, { deliveryUrl: url });
    expect((patched.json() as { deliveryUrl: string }).deliveryUrl).toBe(stored);
  });

  test.each<[string, RegExp]>([
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://[fe80::1]/', /link-local \(fe80::\/10\)/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://0/', /unspecified/],
    ['http://[::]/', /unspecified/],
  ])('deliveryUrl %s is a 400 naming deliveryUrl, on create and PATCH', async (url, message) => {
    const res = await send('POST', '/api/admin/workspaces', { name: 'Url', kind: 'partner', deliveryUrl: url });
    expect(res.statusCode).toBe(400);
    expect(details(res)).toEqual([{ field: 'deliveryUrl', message: expect.stringMatching(message) }]);
    const patch = await send('PATCH', `/api/admin/workspaces/${partner.id}`, { deliveryUrl: url });
    expect(fieldsOf(patch)).toEqual(['deliveryUrl']);
  });

  test('a body on an endpoint that takes none is a 400 naming body; without one they answer as before', async () => {
    const process = await send('POST', '/api/admin/retry-queue/process', { batchSize: 5 });
    expect(process.statusCode).toBe(400);
    expect(fieldsOf(process)).toEqual(['body']);
    const victim = await createRule(stack, { name: 'To delete', priority: 950, conditions: { all: [] }, destinations: [{ workspaceId: partner.id }] });
    const withBody = await send('DELETE', `/api/admin/rules/${victim.id}`, { really: true });
    expect(withBody.statusCode).toBe(400);
    expect(fieldsOf(withBody)).toEqual(['body']);
    expect((await stack.db('routing_rules').where({ id: victim.id }).first()).deleted_at).toBeNull();
    expect((await send('DELETE', `/api/admin/rules/${victim.id}`)).statusCode).toBe(204);
    expect((await send('POST', '/api/admin/retry-queue/process')).statusCode).toBe(200);
    // `{}` is what generic clients (Postman, SDKs, curl -d '{}') send with a POST: no body to refuse.
    expect((await send('POST', '/api/admin/retry-queue/process', {})).statusCode).toBe(200);
  });

  test('simulate for a disabled source is a 400 naming sourceWorkspaceId (its real leads get 401); an enabled one simulates', async () => {
    const res = await send('POST', '/api/admin/rules/simulate', { sourceWorkspaceId: disabledSource.id, lead: aLead({ product: 'existing' }) });
    expect(res.statusCode).toBe(400);
    expect(details(res)).toEqual([{ field: 'sourceWorkspaceId', message: expect.stringMatching(/disabled source.*401/) }]);
    const ok = await send('POST', '/api/admin/rules/simulate', { sourceWorkspaceId: source.id, lead: aLead({ product: 'existing' }) });
    expect(ok.statusCode).toBe(200);
  });
});
