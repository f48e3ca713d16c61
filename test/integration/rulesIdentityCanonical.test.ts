import { insertRule } from '../../lib/store/rules';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';

/**
 * Rules compare email and phone the way dedupe reads them (newcomer walk s9, items 2 and 3), through the real
 * admin API, simulate and one lead routed end to end by the worker (DEFAULT_PHONE_COUNTRY US, the default):
 * values are canonical on write (a national phone is refused with the E.164 to write), leads are canonical as
 * the rules see them, stored and delivered as sent; a rule on a key no body may carry is refused.
 */
const stack = useTestStack({ worker: true });
const buyer = useBuyerServer();
let partner: { id: string };
let existingRule: { id: string };

type Detail = { field: string; message: string };
const send = (method: 'POST' | 'PUT', url: string, payload: unknown) =>
  stack.app.inject({ method, url, headers: { authorization: `Bearer ${stack.adminToken}` }, payload: payload as object });
const details = (res: { json(): unknown }): Detail[] => (res.json() as { error: { details?: Detail[] } }).error.details ?? [];
const rule = (conditions: unknown, over: Record<string, unknown> = {}) => ({ name: 'Identity', priority: 500, conditions, destinations: [{ workspaceId: partner.id }], ...over });

/** A source of its own with one rule scoped to it: no other rule of this file can take its leads. */
async function sourceWithRule(conditions: unknown, destination = partner.id) {
  const source = await createWorkspace(stack, { name: `Identity source ${Math.random()}`, kind: 'source' });
  const created = await createRule(stack, { name: 'Identity rule', priority: 10, sourceWorkspaceId: source.id, conditions, destinations: [{ workspaceId: destination }] });
  return { source, rule: created };
}

async function simulate(sourceWorkspaceId: string, lead: Record<string, unknown>) {
  const res = await send('POST', '/api/admin/rules/simulate', { sourceWorkspaceId, lead });
  expect(res.statusCode).toBe(200);
  return (res.json() as { decision: { kind: string; destinationWorkspaceId?: string } }).decision;
}

beforeAll(async () => {
  partner = await createWorkspace(stack, { name: 'Identity buyer', kind: 'partner', deliveryUrl: buyer.url('/identity') });
  existingRule = await createRule(stack, { name: 'Existing', priority: 900, conditions: { all: [{ field: 'product', op: 'eq', value: 'existing' }] }, destinations: [{ workspaceId: partner.id }] });
});

describe('on write (POST and PUT of a rule)', () => {
  /** POST and PUT both answer 400 naming exactly `fields`; the existing rule is unchanged. */
  async function refused(conditions: unknown, fields: string[]): Promise<Detail[]> {
    for (const res of [await send('POST', '/api/admin/rules', rule(conditions)), await send('PUT', `/api/admin/rules/${existingRule.id}`, rule(conditions))]) {
      expect(res.statusCode).toBe(400);
      expect(details(res).map((d) => d.field)).toEqual(fields);
    }
    expect((await stack.db('routing_rules').where({ id: existingRule.id }).first()).version).toBe(1);
    return details(await send('POST', '/api/admin/rules', rule(conditions)));
  }

  test('a phone number without its country code is refused with the E.164 form to write', async () => {
    const [d] = await refused({ all: [{ field: 'phone', op: 'eq', value: '(415) 734-0132' }] }, ['conditions.all[0].value']);
    expect(d!.message).toContain('write "+14157340132"');
  });

  test.each<[string, unknown, string[], RegExp]>([
    ['an invalid international number in a list', { all: [{ field: 'phone', op: 'in', value: ['+14157340132', '+999 123456789'] }] }, ['conditions.all[0].value[1]'], /not a possible phone number/],
    ['phone starts_with with spaces', { any: [{ field: 'phone', op: 'starts_with', value: '+1 415' }] }, ['conditions.any[0].value'], /must be "\+" and digits.*write "\+1415"/],
    ['phone starts_with without +', { all: [{ field: 'phone', op: 'starts_with', value: '415' }] }, ['conditions.all[0].value'], /"\+1415"/],
    ['attributes.__proto__ (a key every body is refused for)', { all: [{ field: 'attributes.__proto__', op: 'exists' }] }, ['conditions.all[0].field'], /forbidden_key/],
    ['attributes.constructor.prototype', { all: [{ field: 'attributes.constructor.prototype', op: 'eq', value: 1 }] }, ['conditions.all[0].field'], /forbidden_key/],
    ['an empty path segment', { all: [{ field: 'attributes..x', op: 'exists' }] }, ['conditions.all[0].field'], /field path/],
  ])('%s is refused', async (_name, conditions, fields, message) => {
    const [d] = await refused(conditions, fields);
    expect(d!.message).toMatch(message);
  });

  test('the key a rule on attributes.__proto__ names is one no lead can carry (400 forbidden_key)', async () => {
    const source = await createWorkspace(stack, { name: 'Proto source', kind: 'source' });
    const res = await stack.app.inject({
      method: 'POST', url: '/api/leads/route', headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
      payload: '{"externalId":"proto-1","email":"proto@outlook.com","attributes":{"__proto__":1}}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('forbidden_key');
  });

  test('email values are stored lower-cased and NFKC, phone numbers written with their code in E.164', async () => {
    const res = await send('POST', '/api/admin/rules', rule({ all: [
      { field: 'email', op: 'in', value: ['Jane.Up@Outlook.com', '\uFF2A\uFF4F\uFF45@example.org'] },
      { field: 'email', op: 'ends_with', value: '@GMail.com' },
      { field: 'phone', op: 'eq', value: '+1 (415) 734-0132' },
      { field: 'phone', op: 'starts_with', value: '+1415' },
      { field: 'attributes.constructor', op: 'eq', value: 'x' },
    ] }));
    expect(res.statusCode).toBe(201);
    expect(res.json().conditions.all.map((c: { value: unknown }) => c.value)).toEqual([
      ['jane.up@outlook.com', 'joe@example.org'], '@gmail.com', '+14157340132', '+1415', 'x',
    ]);
  });
});

describe('simulate evaluates the canonical lead', () => {
  test.each(['+1 415 734 0132', '(415) 734-0132', '415.734.0132'])('phone eq "+14157340132" matches a lead sent as %s', async (phone) => {
    const { source } = await sourceWithRule({ all: [{ field: 'phone', op: 'eq', value: '+14157340132' }] });
    expect(await simulate(source.id, { phone })).toMatchObject({ kind: 'assigned', destinationWorkspaceId: partner.id });
    expect((await simulate(source.id, { phone: '(212) 734-0132' })).kind).toBe('no_match');
  });

  test('email eq "jane.up@outlook.com" matches "Jane.Up@Outlook.com"; ends_with "@gmail.com" still matches a dotted Gmail address', async () => {
    const { source } = await sourceWithRule({ any: [{ field: 'email', op: 'eq', value: 'jane.up@outlook.com' }, { field: 'email', op: 'ends_with', value: '@gmail.com' }] });
    expect((await simulate(source.id, { email: 'Jane.Up@Outlook.com' })).kind).toBe('assigned');
    expect((await simulate(source.id, { email: 'J.Doe+Promo@Gmail.com' })).kind).toBe('assigned');
    expect((await simulate(source.id, { email: 'jane.down@outlook.com' })).kind).toBe('no_match');
  });

  test('a rule stored before canonical comparison keeps its meaning: routing reads its values canonically, the admin API shows them as stored', async () => {
    const source = await createWorkspace(stack, { name: 'Legacy source', kind: 'source' });
    const legacy = await insertRule(stack.db, {
      name: 'Legacy', priority: 10, sourceWorkspaceId: source.id,
      conditions: { all: [{ field: 'email', op: 'eq', value: 'Jane.Up@Outlook.com' }, { field: 'phone', op: 'neq', value: '+1 415 734 0132' }] },
      destinations: [{ workspaceId: partner.id }], distribution: 'priority', enabled: true,
    });
    expect((await simulate(source.id, { email: 'jane.up@outlook.com', phone: '(212) 555-0134' })).kind).toBe('assigned');
    // neq on the number as stored ("+1 415 734 0132") would hold for every lead; read canonically it excludes that number.
    expect((await simulate(source.id, { email: 'Jane.Up@Outlook.com', phone: '415.734.0132' })).kind).toBe('no_match');
    const read = await stack.app.inject({ method: 'GET', url: `/api/admin/rules/${legacy.id}`, headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(read.json().conditions.all[0].value).toBe('Jane.Up@Outlook.com');
  });
});

test('end to end: a lead sent as "(415) 555-0134" is routed by `phone starts_with "+1415"` and delivered with its phone as sent', async () => {
  const areaBuyer = await createWorkspace(stack, { name: 'Area 415 buyer', kind: 'partner', deliveryUrl: buyer.url('/area-415') });
  const { source } = await sourceWithRule({ all: [{ field: 'phone', op: 'starts_with', value: '+1415' }] }, areaBuyer.id);
  const inArea = await postLead(stack, source.apiKey!, aLead({ email: undefined, phone: '(415) 555-0134' }));
  const elsewhere = await postLead(stack, source.apiKey!, aLead({ email: undefined, phone: '(212) 555-0134' }));
  expect([inArea.statusCode, elsewhere.statusCode]).toEqual([202, 202]);
  const rows = await waitFor('both leads to finish', async () => {
    const found = await stack.db('leads').whereIn('id', [inArea.json().leadId, elsewhere.json().leadId]);
    return found.length === 2 && found.every((r) => ['routed', 'failed'].includes(r.routing_status)) ? found : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  const byId = new Map(rows.map((r) => [r.id, r]));
  expect(byId.get(inArea.json().leadId)).toMatchObject({ routing_status: 'routed', destination_workspace_id: areaBuyer.id });
  expect(byId.get(elsewhere.json().leadId)).toMatchObject({ routing_status: 'failed', last_error: 'no_matching_rule' });
  // Stored and delivered exactly as sent: the canonical form is only what the rules see.
  expect(byId.get(inArea.json().leadId).payload.phone).toBe('(415) 555-0134');
  const delivered = await waitFor('the delivery', async () => buyer.received.find((r) => r.path === '/area-415'), { timeoutMs: 30_000, intervalMs: 100 });
  expect((delivered.body as { lead: { phone: string } }).lead.phone).toBe('(415) 555-0134');
}, 120_000);
