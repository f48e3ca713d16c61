import { createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * POST/PUT /api/admin/rules refuse a `matches` pattern on email or phone that no lead's canonical value can match
 * (lib/rules/canonicalPatterns.ts): a 400 naming the value and saying why, nothing written. Real Postgres.
 */
const stack = useTestStack({ worker: false });
let partner: { id: string };

beforeAll(async () => {
  partner = await createWorkspace(stack, { name: 'Pattern buyer', kind: 'partner' });
});

const send = (method: 'POST' | 'PUT', url: string, conditions: unknown) => stack.app.inject({
  method, url, headers: { authorization: `Bearer ${stack.adminToken}` },
  payload: { name: 'Pattern', priority: 700, conditions, destinations: [{ workspaceId: partner.id }] },
});

test('email matches "^Jane" and phone matches "^\\(415\\)" are 400s naming each value; nothing is written', async () => {
  const before = await stack.db('routing_rules').count('* as n').first();
  const res = await send('POST', '/api/admin/rules', { any: [{ field: 'email', op: 'matches', value: '^Jane' }, { field: 'phone', op: 'matches', value: '^\\(415\\)' }] });
  expect(res.statusCode).toBe(400);
  const details = res.json().error.details as Array<{ field: string; message: string }>;
  expect(details).toEqual([
    { field: 'conditions.any[0].value', message: expect.stringMatching(/can never match.*lower-case/) },
    { field: 'conditions.any[1].value', message: expect.stringMatching(/can never match.*E\.164/) },
  ]);
  expect(await stack.db('routing_rules').count('* as n').first()).toEqual(before);
});

test('the same rules written to match canonical values are stored, and a PUT back to the old pattern is refused', async () => {
  const created = await send('POST', '/api/admin/rules', { any: [{ field: 'email', op: 'matches', value: '(?i)^Jane' }, { field: 'phone', op: 'matches', value: '^\\+1415' }] });
  expect(created.statusCode).toBe(201);
  const put = await send('PUT', `/api/admin/rules/${created.json().id}`, { all: [{ field: 'email', op: 'matches', value: '@Example\\.com$' }] });
  expect(put.statusCode).toBe(400);
  expect(put.json().error.details[0].field).toBe('conditions.all[0].value');
});

// A newcomer's UK rule: phones are E.164, so a national "07..." never starts the canonical value. It was stored
// (201) and simulate answered no_match for "07911 123456" in GB; the pattern the message suggests routes it.
test('phone matches "^07" (national format) is a 400 saying where E.164 starts; "^\\+447" is stored and matches the GB mobile', async () => {
  const source = await createWorkspace(stack, { name: 'UK source', kind: 'source' });
  const refused = await send('POST', '/api/admin/rules', { all: [{ field: 'phone', op: 'matches', value: '^07' }] });
  expect(refused.statusCode).toBe(400);
  expect(refused.json().error.details).toEqual([{ field: 'conditions.all[0].value', message: expect.stringMatching(/E\.164.*\+447911123456.*\^\\\+447/) }]);
  const created = await stack.app.inject({
    method: 'POST', url: '/api/admin/rules', headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: { name: 'UK mobiles', priority: 1, sourceWorkspaceId: source.id, conditions: { all: [{ field: 'phone', op: 'matches', value: '^\\+447' }] }, destinations: [{ workspaceId: partner.id }] },
  });
  expect(created.statusCode).toBe(201);
  const simulated = await stack.app.inject({
    method: 'POST', url: '/api/admin/rules/simulate', headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: { sourceWorkspaceId: source.id, lead: { externalId: 's', phone: '07911 123456', country: 'GB' } },
  });
  expect(simulated.statusCode).toBe(200);
  expect(simulated.json()).toMatchObject({ decision: { kind: 'assigned', ruleId: created.json().id } });
});
