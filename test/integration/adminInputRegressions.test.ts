import * as m0019 from '../../migrations/0019_rule_weight_bounds';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Admin inputs that used to be stored and then broke routing (issue: a newcomer's fresh clone):
 *  1. a destination weight of 5e-324 made decide_routing overflow (SQLSTATE 22003): /rules/simulate
 *     answered 500 and every matching lead stayed pending while the activity retried;
 *  2. a delivery URL of "http://" (leads failed: rejected_by_buyer) or with user:pass (a credential in logs);
 *  3. `state eq "   "`, stored as "", a rule no lead can match.
 * Each is now a 400 naming the field, on POST and PUT; the numbers at the bounds route; and a rule stored
 * out of bounds before the fix (migration 0019 clamps it and a CHECK keeps new ones out) no longer wedges.
 */
let stack: TestStack;
let source: { id: string; apiKey?: string };
let partnerA: { id: string };
let partnerB: { id: string };
let existingRule: { id: string };

const admin = (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: unknown) =>
  stack.app.inject({ method, url, headers: { authorization: `Bearer ${stack.adminToken}` }, payload: payload as object });
const fieldsOf = (res: { json(): unknown }) => ((res.json() as { error: { details?: Array<{ field: string }> } }).error.details ?? []).map((d) => d.field);
const simulate = (product: string) => admin('POST', '/api/admin/rules/simulate', { sourceWorkspaceId: source.id, lead: aLead({ product }) });

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
  source = await createWorkspace(stack, { name: 'Regression source', kind: 'source' });
  partnerA = await createWorkspace(stack, { name: 'Buyer A', kind: 'partner' });
  partnerB = await createWorkspace(stack, { name: 'Buyer B', kind: 'partner' });
  existingRule = await createRule(stack, { name: 'Existing', priority: 900, conditions: { all: [{ field: 'product', op: 'eq', value: 'existing' }] }, destinations: [{ workspaceId: partnerA.id }] });
});

afterAll(async () => {
  await stack?.stop();
});

const weighted = (product: string, weights: unknown[]) => ({
  name: `Weighted ${product}`,
  priority: 10,
  sourceWorkspaceId: source.id,
  conditions: { all: [{ field: 'product', op: 'eq', value: product }] },
  distribution: 'weighted',
  destinations: [{ workspaceId: partnerA.id, weight: weights[0] }, { workspaceId: partnerB.id, weight: weights[1] }],
});

describe('rule weights', () => {
  test('[1e-300, 5e-324] is a 400 naming both weights, on POST and PUT, and nothing is stored', async () => {
    const before = await stack.db('routing_rules').count<[{ count: string }]>('* as count');
    const post = await admin('POST', '/api/admin/rules', weighted('tiny', [1e-300, 5e-324]));
    expect(post.statusCode).toBe(400);
    expect(fieldsOf(post)).toEqual(['destinations[0].weight', 'destinations[1].weight']);
    const put = await admin('PUT', `/api/admin/rules/${existingRule.id}`, weighted('tiny', [1, 5e-324]));
    expect(put.statusCode).toBe(400);
    expect(fieldsOf(put)).toEqual(['destinations[1].weight']);
    expect(await stack.db('routing_rules').count<[{ count: string }]>('* as count')).toEqual(before);
    expect((await stack.db('routing_rules').where({ id: existingRule.id }).first()).version).toBe(1);
  });

  test.each<[string, unknown]>([['zero', 0], ['negative', -1], ['just under the minimum', 0.0009], ['over the maximum', 1_000_001], ['a string', '1']])('a weight that is %s is a 400', async (_name, w) => {
    const res = await admin('POST', '/api/admin/rules', weighted('bad', [1, w]));
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['destinations[1].weight']);
  });

  test('weights at the bounds [1,000,000, 0.001] route leads, and simulate answers', async () => {
    await createRule(stack, weighted('bounds', [1_000_000, 0.001]));
    const sim = await simulate('bounds');
    expect(sim.statusCode).toBe(200);
    expect(sim.json().decision).toMatchObject({ kind: 'assigned', destinationWorkspaceId: partnerA.id });
    const res = await postLead(stack, source.apiKey!, aLead({ product: 'bounds' }), '?wait=10000');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'routed', destinationWorkspaceId: partnerA.id });
  });

  test('the database refuses an out-of-bounds weight written by hand (CHECK routing_rules_weights_in_bounds)', async () => {
    await expect(stack.db('routing_rules').insert({ name: 'By hand', priority: 5, destinations: JSON.stringify([{ workspaceId: partnerA.id, weight: 5e-324 }]) }))
      .rejects.toMatchObject({ code: '23514', constraint: 'routing_rules_weights_in_bounds' });
    await expect(stack.db('routing_rules').where({ id: existingRule.id }).update({ destinations: JSON.stringify([{ workspaceId: partnerA.id, weight: 1e7 }]) }))
      .rejects.toMatchObject({ code: '23514' });
  });

  test('a rule stored with [1e-300, 5e-324] before the fix wedged routing; migration 0019 clamps it and its leads route', async () => {
    await m0019.down(stack.db); // the database as it was before 0019
    let restored = false;
    try {
      const [stored] = await stack.db('routing_rules')
        .insert({ name: 'Stored before the fix', priority: 20, source_workspace_id: source.id, distribution: 'weighted', conditions: JSON.stringify({ all: [{ field: 'product', op: 'eq', value: 'legacy' }] }), destinations: JSON.stringify([{ workspaceId: partnerA.id, weight: 1e-300 }, { workspaceId: partnerB.id, weight: 5e-324 }]) })
        .returning(['id']);
      // The reported failure, so this test shows the fix rather than a case that never broke.
      expect((await simulate('legacy')).statusCode).toBe(500);

      await m0019.up(stack.db);
      restored = true;
      const clamped = await stack.db('routing_rules').where({ id: stored.id }).first();
      expect(clamped.destinations.map((d: { weight: number }) => d.weight)).toEqual([0.001, 0.001]);
      expect(clamped.version).toBe(2); // the old weights stay in routing_rule_versions
      const versions = await stack.db('routing_rule_versions').where({ rule_id: stored.id }).orderBy('version');
      expect(versions.map((v) => v.definition.destinations[1].weight)).toEqual([5e-324, 0.001]);

      expect((await simulate('legacy')).statusCode).toBe(200);
      const res = await postLead(stack, source.apiKey!, aLead({ product: 'legacy' }), '?wait=10000');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'routed', matchedRuleId: stored.id });
    } finally {
      if (!restored) await m0019.up(stack.db); // the guard is back for the tests that follow, whatever happened
    }
  });
});

describe('workspace numbers', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['a negative hourly cap', { caps: { hourly: -1 } }, 'caps.hourly'],
    ['a fractional daily cap', { caps: { daily: 2.5 } }, 'caps.daily'],
    ['a huge monthly cap', { caps: { monthly: 1e12 } }, 'caps.monthly'],
    ['a cap as text', { caps: { daily: '5' } }, 'caps.daily'],
  ])('%s is a 400 naming it, on create and patch', async (_name, body, field) => {
    const created = await admin('POST', '/api/admin/workspaces', { name: 'Capped', kind: 'partner', ...body });
    expect(created.statusCode).toBe(400);
    expect(fieldsOf(created)).toContain(field);
    const patched = await admin('PATCH', `/api/admin/workspaces/${partnerB.id}`, body);
    expect(patched.statusCode).toBe(400);
    expect(fieldsOf(patched)).toContain(field);
  });
});

describe('delivery URLs', () => {
  test.each([
    ['no host', 'http://'],
    ['no host, a path', 'http:///hook'],
    ['a user and password', 'https://user:s3cretpass@buyer.example/hook'],
    ['a token as user', 'https://s3cretpass@buyer.example/hook'],
    ['a port out of range', 'http://buyer.example:70000/hook'],
    ['an IPv4 octet over 255', 'http://999.1.1.1/hook'],
    ['too long', `https://buyer.example/${'a'.repeat(2000)}`],
  ])('%s is a 400 naming deliveryUrl, on create and patch, never echoing it', async (_name, url) => {
    const created = await admin('POST', '/api/admin/workspaces', { name: 'Buyer', kind: 'partner', deliveryUrl: url });
    expect(created.statusCode).toBe(400);
    expect(fieldsOf(created)).toEqual(['deliveryUrl']);
    expect(created.body).not.toContain('s3cretpass');
    const patched = await admin('PATCH', `/api/admin/workspaces/${partnerB.id}`, { deliveryUrl: url });
    expect(patched.statusCode).toBe(400);
    expect(fieldsOf(patched)).toEqual(['deliveryUrl']);
  });

  // A newcomer's paste from a browser bar: characters RFC 3986 does not allow raw. The answer says how to write
  // them, and the written form is accepted (the message used to be only "must be an http:// or https:// URL").
  test.each([
    ['a pipe', 'https://buyer.example/leads|crm', 'https://buyer.example/leads%7Ccrm'],
    ['a template placeholder', 'https://buyer.example/hooks/{buyerId}', 'https://buyer.example/hooks/%7BbuyerId%7D'],
    ['a space', 'https://buyer.example/new leads', 'https://buyer.example/new%20leads'],
    ['a non-ASCII path', 'https://buyer.example/léads', 'https://buyer.example/l%C3%A9ads'],
    ['a non-ASCII host', 'https://bücher.example/leads', 'https://xn--bcher-kva.example/leads'],
  ])('%s is a 400 saying how to write it; the written form is accepted', async (_name, url, written) => {
    const res = await admin('PATCH', `/api/admin/workspaces/${partnerB.id}`, { deliveryUrl: url });
    expect(res.statusCode).toBe(400);
    const details = (res.json() as { error: { details: Array<{ field: string; message: string }> } }).error.details;
    expect(details).toHaveLength(1);
    expect(details[0]!.field).toBe('deliveryUrl');
    expect(details[0]!.message).toMatch(/percent-encode .*\| as %7C.*punycode/);
    const fixed = await admin('PATCH', `/api/admin/workspaces/${partnerB.id}`, { deliveryUrl: written });
    expect({ written, status: fixed.statusCode }).toEqual({ written, status: 200 });
  });

  test('loopback, private and IPv6 addresses stay allowed', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.1.2.3/hook', 'http://[::1]:9000/hook', 'https://buyer.example/leads?x=1']) {
      const res = await admin('PATCH', `/api/admin/workspaces/${partnerB.id}`, { deliveryUrl: url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
    }
    expect((await admin('PATCH', `/api/admin/workspaces/${partnerB.id}`, { deliveryUrl: null })).statusCode).toBe(200);
  });
});

describe('condition values', () => {
  const ruleWith = (condition: object) => ({ name: 'Conditional', priority: 30, sourceWorkspaceId: source.id, conditions: { all: [condition] }, destinations: [{ workspaceId: partnerB.id }] });

  test.each<[string, object, string]>([
    ['eq "   " on state (trimmed to "", which no lead has)', { field: 'state', op: 'eq', value: '   ' }, 'conditions.all[0].value'],
    ['an in list with "  " on product', { field: 'product', op: 'in', value: ['loan', '  '] }, 'conditions.all[0].value[1]'],
    ['gt beyond 2^53', { field: 'attributes.amount', op: 'gt', value: 1e16 }, 'conditions.all[0].value'],
    ['between up to 1e300', { field: 'attributes.amount', op: 'between', value: [0, 1e300] }, 'conditions.all[0].value[1]'],
  ])('%s is a 400 naming it, on POST and PUT', async (_name, condition, field) => {
    const post = await admin('POST', '/api/admin/rules', ruleWith(condition));
    expect(post.statusCode).toBe(400);
    expect(fieldsOf(post)).toEqual([field]);
    const put = await admin('PUT', `/api/admin/rules/${existingRule.id}`, ruleWith(condition));
    expect(put.statusCode).toBe(400);
    expect(fieldsOf(put)).toEqual([field]);
  });

  test('attributes.x eq "   " is allowed, and matches a lead whose attribute was sent blank', async () => {
    const rule = await createRule(stack, ruleWith({ field: 'attributes.blankNote', op: 'eq', value: '   ' }));
    const res = await postLead(stack, source.apiKey!, aLead({ attributes: { blankNote: '  ' } }), '?wait=10000');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'routed', matchedRuleId: rule.id, destinationWorkspaceId: partnerB.id });
  });
});
