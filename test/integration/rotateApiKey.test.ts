import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * POST /api/admin/workspaces/:id/api-key: a source whose key leaked gets a new one; the old key stops at once
 * (this process forgets remembered keys: api/plugins/sourceKeyCache.ts), the new one works at once, and the key
 * is shown in that answer only (stored as a hash).
 */
const stack = useTestStack({ worker: false });

const admin = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  stack.app.inject({ method, url, headers: { authorization: `Bearer ${stack.adminToken}` }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });

test('a rotated key: the old one is refused from the next request, the new one accepted, and it is shown once', async () => {
  const source = await createWorkspace(stack, { name: 'Leaky source', kind: 'source' });
  const oldKey = source.apiKey!;
  expect((await postLead(stack, oldKey, aLead())).statusCode).toBe(202); // now remembered by the gateway

  const rotated = await admin('POST', `/api/admin/workspaces/${source.id}/api-key`);
  expect(rotated.statusCode).toBe(200);
  const body = rotated.json() as { id: string; apiKey: string; apiKeyPrefix: string; kind: string };
  expect(body).toMatchObject({ id: source.id, kind: 'source' });
  expect(body.apiKey).not.toBe(oldKey);
  expect(body.apiKey.startsWith(body.apiKeyPrefix)).toBe(true);

  expect((await postLead(stack, oldKey, aLead())).statusCode).toBe(401);
  expect((await postLead(stack, body.apiKey, aLead())).statusCode).toBe(202);

  // Never shown again, never stored in clear.
  const listed = JSON.stringify((await admin('GET', '/api/admin/workspaces?kind=source')).json());
  expect(listed).not.toContain(body.apiKey);
  const row = await stack.db('workspaces').where({ id: source.id }).first();
  expect(JSON.stringify(row)).not.toContain(body.apiKey);
});

test('a partner is a 409 (no API key), an unknown workspace a 404, a body a 400, and no admin token a 401', async () => {
  const partner = await createWorkspace(stack, { name: 'Some buyer', kind: 'partner' });
  const source = await createWorkspace(stack, { name: 'Other source', kind: 'source' });
  const asPartner = await admin('POST', `/api/admin/workspaces/${partner.id}/api-key`);
  expect(asPartner.statusCode).toBe(409);
  expect(asPartner.json().error.code).toBe('not_a_source');
  expect((await admin('POST', '/api/admin/workspaces/00000000-0000-4000-8000-000000000000/api-key')).statusCode).toBe(404);
  const withBody = await admin('POST', `/api/admin/workspaces/${source.id}/api-key`, { apiKey: 'mine' });
  expect(withBody.statusCode).toBe(400);
  expect(withBody.json().error.details).toEqual([expect.objectContaining({ field: 'body' })]);
  const asSource = await stack.app.inject({ method: 'POST', url: `/api/admin/workspaces/${source.id}/api-key`, headers: { authorization: `Bearer ${source.apiKey!}` } });
  expect(asSource.statusCode).toBe(401);
  // None of these changed the source's key.
  expect((await postLead(stack, source.apiKey!, aLead())).statusCode).toBe(202);
});
