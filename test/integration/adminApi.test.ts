import crypto from 'node:crypto';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * The admin API (DESIGN §8) against the real Postgres and Temporal: secrets are shown once and
 * stored only as hashes, and rules are ordered, scoped, versioned and routed by a real worker.
 */

const stack = useTestStack({ worker: true });

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex');
const SECRET_FIELDS = ['apiKey', 'apiKeyHash', 'api_key_hash', 'signingSecret', 'signing_secret'];

function adminRequest(method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) {
  return stack.app.inject({ method, url, headers: { authorization: `Bearer ${stack.adminToken}` }, ...(payload ? { payload } : {}) });
}

/** Every property name anywhere in a JSON value. */
function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysDeep(v, into);
    }
  }
  return into;
}

describe('workspaces', () => {
  test('creating a source returns its apiKey once (201); the database keeps only its SHA-256 hash', async () => {
    const res = await adminRequest('POST', '/api/admin/workspaces', { name: 'Key Source', kind: 'source' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ id: expect.any(String), name: 'Key Source', kind: 'source', enabled: true, timezone: 'UTC' });
    expect(created.apiKey).toMatch(/^lr_live_[A-Za-z0-9_-]{40,}$/);
    expect(created.apiKeyPrefix).toBe(created.apiKey.slice(0, created.apiKeyPrefix.length));
    expect(created.apiKeyPrefix.length).toBeLessThan(created.apiKey.length / 2);
    expect(created).not.toHaveProperty('signingSecret');
    expect(created).not.toHaveProperty('apiKeyHash');
    expect(created).not.toHaveProperty('api_key_hash');
    expect(res.body).not.toContain(sha256(created.apiKey));

    // Stored: the hex SHA-256 of the key, and nowhere the key itself.
    const row = await stack.db('workspaces').where({ id: created.id }).first();
    expect(row.api_key_hash).toBe(sha256(created.apiKey));
    expect(row.api_key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.signing_secret).toBeNull();
    for (const [column, value] of Object.entries(row)) {
      expect({ column, holdsKey: JSON.stringify(value ?? null).includes(created.apiKey) }).toEqual({ column, holdsKey: false });
    }

    // Shown once: the list never shows it again.
    const list = await adminRequest('GET', '/api/admin/workspaces');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(created.apiKey);
    expect(list.json().workspaces.find((w: { id: string }) => w.id === created.id)).toMatchObject({ id: created.id, apiKeyPrefix: created.apiKeyPrefix });

    // And the key works.
    const lookup = await stack.app.inject({ method: 'GET', url: `/api/leads/${crypto.randomUUID()}`, headers: { authorization: `Bearer ${created.apiKey}` } });
    expect(lookup.statusCode).toBe(404);
  });

  test('creating a partner returns its signingSecret once (201), and no apiKey', async () => {
    const res = await adminRequest('POST', '/api/admin/workspaces', {
      name: 'Secret Partner',
      kind: 'partner',
      deliveryUrl: 'https://partner.example.com/leads',
      timezone: 'America/New_York',
      caps: { daily: 100 },
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      kind: 'partner',
      deliveryUrl: 'https://partner.example.com/leads',
      timezone: 'America/New_York',
      caps: { hourly: null, daily: 100, monthly: null },
      apiKeyPrefix: null,
    });
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(created).not.toHaveProperty('apiKey');

    const row = await stack.db('workspaces').where({ id: created.id }).first();
    expect(row.api_key_hash).toBeNull();

    const list = await adminRequest('GET', '/api/admin/workspaces?kind=partner');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(created.signingSecret);
    expect(list.json().workspaces.map((w: { id: string }) => w.id)).toContain(created.id);
  });

  test('listing workspaces never includes apiKey, api_key_hash or signingSecret', async () => {
    const source = await createWorkspace(stack, { name: 'List Source', kind: 'source' });
    const partner = await createWorkspace(stack, { name: 'List Partner', kind: 'partner' });
    const hashes = (await stack.db('workspaces').select('api_key_hash').whereNotNull('api_key_hash')).map((r) => r.api_key_hash as string);
    const secrets = (await stack.db('workspaces').select('signing_secret').whereNotNull('signing_secret')).map((r) => r.signing_secret as string);
    expect(hashes.length).toBeGreaterThan(0);
    expect(secrets.length).toBeGreaterThan(0);

    for (const url of ['/api/admin/workspaces', '/api/admin/workspaces?kind=source', '/api/admin/workspaces?kind=partner']) {
      const res = await adminRequest('GET', url);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Array.isArray(body.workspaces)).toBe(true);
      const keys = keysDeep(body);
      for (const field of SECRET_FIELDS) expect({ url, field, present: keys.has(field) }).toEqual({ url, field, present: false });
      for (const secret of [source.apiKey!, partner.signingSecret!, ...hashes, ...secrets]) expect(res.body).not.toContain(secret);
    }

    const all = (await adminRequest('GET', '/api/admin/workspaces')).json().workspaces as Array<{ id: string; kind: string }>;
    expect(all.map((w) => w.id)).toEqual(expect.arrayContaining([source.id, partner.id]));
    const sources = (await adminRequest('GET', '/api/admin/workspaces?kind=source')).json().workspaces as Array<{ kind: string }>;
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((w) => w.kind === 'source')).toBe(true);
  });

  test("a disabled source's key gets 401", async () => {
    const source = await createWorkspace(stack, { name: 'Soon Disabled', kind: 'source' });
    const before = await postLead(stack, source.apiKey!, aLead());
    expect(before.statusCode).toBe(202);

    // Through the admin API: the gateway remembers accepted keys for AUTH_CACHE_TTL_MS, and the admin
    // route forgets them at once (a change made directly in SQL: test/integration/sourceKeyCache.test.ts).
    const setEnabled = (enabled: boolean) =>
      stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${source.id}`, headers: { authorization: `Bearer ${stack.adminToken}` }, payload: { enabled } });
    expect((await setEnabled(false)).statusCode).toBe(200);
    const leadsBefore = await stack.db('leads').where({ source_workspace_id: source.id }).count<{ count: string }[]>({ count: '*' });
    const res = await postLead(stack, source.apiKey!, aLead());
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
    expect(res.body).not.toContain(source.apiKey!);
    const leadsAfter = await stack.db('leads').where({ source_workspace_id: source.id }).count<{ count: string }[]>({ count: '*' });
    expect(leadsAfter).toEqual(leadsBefore);

    const status = await stack.app.inject({ method: 'GET', url: `/api/leads/${before.json().leadId}`, headers: { authorization: `Bearer ${source.apiKey}` } });
    expect(status.statusCode).toBe(401);

    // Enabled again, the same key works again.
    expect((await setEnabled(true)).statusCode).toBe(200);
    expect((await postLead(stack, source.apiKey!, aLead())).statusCode).toBe(202);
  });

  test('a source created disabled cannot authenticate', async () => {
    const source = await createWorkspace(stack, { name: 'Born Disabled', kind: 'source', enabled: false });
    const res = await postLead(stack, source.apiKey!, aLead());
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });
});

describe('rules', () => {
  let sourceA: { id: string; apiKey?: string };
  let sourceB: { id: string; apiKey?: string };
  let partner1: { id: string };
  let partner2: { id: string };

  beforeAll(async () => {
    sourceA = await createWorkspace(stack, { name: 'Rules Source A', kind: 'source' });
    sourceB = await createWorkspace(stack, { name: 'Rules Source B', kind: 'source' });
    partner1 = await createWorkspace(stack, { name: 'Rules Partner 1', kind: 'partner' });
    partner2 = await createWorkspace(stack, { name: 'Rules Partner 2', kind: 'partner' });
  });

  test('create returns 201 with version 1, and the database keeps version 1', async () => {
    const res = await adminRequest('POST', '/api/admin/rules', {
      name: 'Version one',
      priority: 500,
      conditions: { all: [{ field: 'product', op: 'eq', value: 'version-one' }] },
      destinations: [{ workspaceId: partner1.id }],
    });
    expect(res.statusCode).toBe(201);
    const rule = res.json();
    expect(rule).toMatchObject({
      id: expect.any(String),
      name: 'Version one',
      priority: 500,
      version: 1,
      sourceWorkspaceId: null,
      distribution: 'priority',
      enabled: true,
      destinations: [{ workspaceId: partner1.id }],
    });
    const versions = await stack.db('routing_rule_versions').where({ rule_id: rule.id });
    expect(versions.map((v) => v.version)).toEqual([1]);
  });

  test('list returns rules in priority order', async () => {
    const made: Array<{ id: string; priority: number }> = [];
    for (const priority of [330, 310, 320]) {
      made.push({ priority, ...(await createRule(stack, { name: `Order ${priority}`, priority, conditions: { all: [{ field: 'product', op: 'eq', value: `order-${priority}` }] }, destinations: [{ workspaceId: partner1.id }] })) });
    }
    const res = await adminRequest('GET', '/api/admin/rules');
    expect(res.statusCode).toBe(200);
    const rules = res.json().rules as Array<{ id: string; priority: number }>;
    const priorities = rules.map((r) => r.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    const ours = rules.filter((r) => made.some((m) => m.id === r.id)).map((r) => r.priority);
    expect(ours).toEqual([310, 320, 330]);
  });

  test("a rule scoped to one source only matches that source's leads", async () => {
    const scoped = await createRule(stack, {
      name: 'Only source A',
      priority: 1,
      sourceWorkspaceId: sourceA.id,
      conditions: { all: [{ field: 'product', op: 'eq', value: 'scoped-product' }] },
      destinations: [{ workspaceId: partner1.id }],
    });

    const fromA = await postLead(stack, sourceA.apiKey!, aLead({ product: 'scoped-product', state: 'ZZ' }), '?wait=10000');
    expect(fromA.statusCode).toBe(200);
    expect(fromA.json()).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: partner1.id, matchedRuleId: scoped.id, matchedRuleVersion: 1 });

    const fromB = await postLead(stack, sourceB.apiKey!, aLead({ product: 'scoped-product', state: 'ZZ' }), '?wait=10000');
    expect(fromB.statusCode).toBe(200);
    const leadB = fromB.json();
    expect(['routed', 'failed']).toContain(leadB.status);
    expect(leadB.matchedRuleId).not.toBe(scoped.id);
    expect(leadB.destinationWorkspaceId).not.toBe(partner1.id);
    // Source B's leads are not even evaluated against it.
    expect(leadB.decision.rules.map((r: { ruleId: string }) => r.ruleId)).not.toContain(scoped.id);
  });

  test('a rule scoped to a partner (not a source) is rejected with 400 sourceWorkspaceId', async () => {
    const res = await adminRequest('POST', '/api/admin/rules', { name: 'Bad scope', priority: 1, sourceWorkspaceId: partner1.id, destinations: [{ workspaceId: partner2.id }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual(['sourceWorkspaceId']);
  });

  test('a rule without conditions is a catch-all', async () => {
    const res = await adminRequest('POST', '/api/admin/rules', { name: 'Catch-all', priority: 100_000, destinations: [{ workspaceId: partner2.id }] });
    expect(res.statusCode).toBe(201);
    const catchAll = res.json();
    expect(catchAll.conditions).toEqual({ all: [] });

    for (const [apiKey, fields] of [
      [sourceA.apiKey!, { state: 'NY', product: 'anything' }],
      [sourceB.apiKey!, { state: 'TX', attributes: { loanAmount: 5000 } }],
    ] as const) {
      const lead = await postLead(stack, apiKey, aLead(fields), '?wait=10000');
      expect(lead.statusCode).toBe(200);
      expect(lead.json()).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: partner2.id, matchedRuleId: catchAll.id });
    }
  });

  test('every version of a rule is kept in routing_rule_versions (database trigger)', async () => {
    const rule = await createRule(stack, { name: 'Versioned', priority: 700, conditions: { all: [{ field: 'product', op: 'eq', value: 'versioned' }] }, destinations: [{ workspaceId: partner1.id }] });
    expect(rule.version).toBe(1);

    await stack.db('routing_rules').where({ id: rule.id }).update({ priority: 701 });
    await stack.db('routing_rules').where({ id: rule.id }).update({ priority: 702, enabled: false });

    const current = await stack.db('routing_rules').where({ id: rule.id }).first();
    expect(current).toMatchObject({ version: 3, priority: 702, enabled: false });

    const versions = await stack.db('routing_rule_versions').where({ rule_id: rule.id }).orderBy('version');
    expect(versions.map((v) => [v.version, v.definition.priority, v.definition.enabled])).toEqual([
      [1, 700, true],
      [2, 701, true],
      [3, 702, false],
    ]);
    expect(versions[0].definition).toMatchObject({ id: rule.id, name: 'Versioned', version: 1, conditions: { all: [{ field: 'product', op: 'eq', value: 'versioned' }] } });

    const listed = (await adminRequest('GET', '/api/admin/rules')).json().rules.find((r: { id: string }) => r.id === rule.id);
    expect(listed).toMatchObject({ version: 3, priority: 702, enabled: false });
  });
});

describe('admin authentication', () => {
  test.each([
    ['GET /api/admin/workspaces without a token', 'GET', '/api/admin/workspaces', undefined],
    ['POST /api/admin/workspaces without a token', 'POST', '/api/admin/workspaces', undefined],
    ['GET /api/admin/rules without a token', 'GET', '/api/admin/rules', undefined],
    ['POST /api/admin/rules without a token', 'POST', '/api/admin/rules', undefined],
    ['GET /api/admin/workspaces with a wrong token', 'GET', '/api/admin/workspaces', 'Bearer not-the-admin-token-0123456789'],
    ['POST /api/admin/workspaces with a wrong token', 'POST', '/api/admin/workspaces', 'Bearer not-the-admin-token-0123456789'],
    ['GET /api/admin/workspaces with the admin token in a Basic header', 'GET', '/api/admin/workspaces', 'BASIC-ADMIN'],
  ] as const)('%s -> 401', async (_name, method, url, authorization) => {
    const workspacesBefore = await stack.db('workspaces').count<{ count: string }[]>({ count: '*' });
    const header = authorization === 'BASIC-ADMIN' ? `Basic ${Buffer.from(`admin:${stack.adminToken}`).toString('base64')}` : authorization;
    const res = await stack.app.inject({
      method,
      url,
      headers: header ? { authorization: header } : {},
      ...(method === 'POST' ? { payload: { name: 'Nope', kind: 'partner' } } : {}),
    });
    expect(res.statusCode).toBe(401);
    const body = res.json();
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toEqual(expect.stringMatching(/\S/));
    expect(res.body).not.toContain(stack.adminToken);
    if (authorization?.startsWith('Bearer ')) expect(res.body).not.toContain(authorization.slice('Bearer '.length));
    expect(await stack.db('workspaces').count<{ count: string }[]>({ count: '*' })).toEqual(workspacesBefore);
  });
});

describe('changing a workspace', () => {
  const patch = (id: string, payload: unknown) =>
    stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${id}`, headers: { authorization: `Bearer ${stack.adminToken}` }, payload: payload as object });

  test('caps and enabled changes take effect on the next lead; a disabled buyer is skipped with the reason in the trace', async () => {
    const source = await createWorkspace(stack, { name: 'Patch source', kind: 'source' });
    const first = await createWorkspace(stack, { name: 'Patch buyer 1', kind: 'partner' });
    const second = await createWorkspace(stack, { name: 'Patch buyer 2', kind: 'partner' });
    await createRule(stack, { name: 'patch', priority: 900, sourceWorkspaceId: source.id, destinations: [{ workspaceId: first.id }, { workspaceId: second.id }] });

    const capped = await patch(first.id, { caps: { daily: 5 }, timezone: 'Asia/Tokyo' });
    expect(capped.statusCode).toBe(200);
    expect(capped.json()).toMatchObject({ id: first.id, caps: { hourly: null, daily: 5, monthly: null }, timezone: 'Asia/Tokyo' });
    // No secret or hash: neither the partner's secret nor a field holding one (the rotation's times are dates).
    expect(JSON.stringify(capped.json())).not.toContain(first.signingSecret);
    expect(Object.keys(capped.json()).filter((k) => /secret|hash/i.test(k))).toEqual(['previousSecretExpiresAt', 'signingSecretRotatedAt']);

    expect((await patch(first.id, { enabled: false })).json().enabled).toBe(false);
    const res = await postLead(stack, source.apiKey!, aLead(), '?wait=10000');
    expect(res.json()).toMatchObject({ status: 'routed', destinationWorkspaceId: second.id });
    const patchRule = res.json().decision.rules.find((r: { ruleName: string }) => r.ruleName === 'patch');
    expect(patchRule.destinations).toEqual([
      { workspaceId: first.id, eligible: false, reason: 'disabled' },
      { workspaceId: second.id, eligible: true },
    ]);

    expect((await patch(first.id, { enabled: true, caps: { daily: null } })).json().caps.daily).toBeNull();
    const again = await postLead(stack, source.apiKey!, aLead(), '?wait=10000');
    expect(again.json().destinationWorkspaceId).toBe(first.id);
  });

  test.each([
    ['an unknown field', { nmae: 'x' }, 400, 'nmae'],
    ['an empty patch', {}, 400, '(root)'],
    ['a bad time zone', { timezone: 'Mars/Olympus' }, 400, 'timezone'],
    ['a zero cap', { caps: { daily: 0 } }, 400, 'caps.daily'],
    ['a non-http delivery URL', { deliveryUrl: 'ftp://buyer.example' }, 400, 'deliveryUrl'],
  ])('%s is refused with the field named', async (_name, body, status, field) => {
    const partner = await createWorkspace(stack, { name: 'Refusing buyer', kind: 'partner' });
    const res = await patch(partner.id, body);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  test('a source cannot be given caps; an unknown workspace is a 404', async () => {
    const source = await createWorkspace(stack, { name: 'Capless source', kind: 'source' });
    const res = await patch(source.id, { caps: { daily: 3 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ field: 'caps', message: 'only partner workspaces receive leads' }]);
    expect((await patch(crypto.randomUUID(), { enabled: false })).statusCode).toBe(404);
  });
});
