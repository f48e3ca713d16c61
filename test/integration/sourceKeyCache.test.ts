// The gateway's source-key cache (api/plugins/sourceKeyCache.ts, issue 10) against the real Postgres: admin
// changes apply at once in this process, direct SQL changes (what another replica's change looks like from
// here) within AUTH_CACHE_TTL_MS, and AUTH_CACHE_TTL_MS=0 turns it off.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { hashApiKey } from '../../lib/apiKeys';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createWorkspace, postLead } from '../support/fixtures';
import type { TestStack } from '../support/stack';
import { useTestStack } from '../support/useStack';

/** A lead id no one has: an authenticated source gets 404 for it, an unauthenticated caller 401. */
const NO_SUCH_LEAD = '00000000-0000-4000-8000-000000000000';

const getLead = (stack: TestStack, apiKey: string) =>
  stack.app.inject({ method: 'GET', url: `/api/leads/${NO_SUCH_LEAD}`, headers: { authorization: `Bearer ${apiKey}` } });
const authStatus = async (stack: TestStack, apiKey: string) => (await getLead(stack, apiKey)).statusCode;
const patch = (stack: TestStack, id: string, payload: object) =>
  stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${id}`, headers: { authorization: `Bearer ${stack.adminToken}` }, payload });

/** Counts the key lookups (findSourceByKeyHash's query) this stack's database runs from now on. */
function countKeyLookups(stack: TestStack): { readonly count: number; stop(): void } {
  let count = 0;
  const listener = (query: { sql: string }) => {
    if (/from "workspaces"/.test(query.sql) && /"api_key_hash" = /.test(query.sql)) count += 1;
  };
  stack.db.on('query', listener);
  return { get count() { return count; }, stop: () => stack.db.off('query', listener) };
}

describe('a long TTL (60 s): changes made through this process\'s admin API apply at once', () => {
  const stack = useTestStack({ worker: false, env: { AUTH_CACHE_TTL_MS: '60000' } });

  test('twenty requests with one key, at once and one after another, cost one lookup', async () => {
    const source = await createWorkspace(stack, { name: 'Cached source', kind: 'source' });
    const lookups = countKeyLookups(stack);
    try {
      const together = await Promise.all(Array.from({ length: 10 }, () => authStatus(stack, source.apiKey!)));
      expect(together).toEqual(Array(10).fill(404));
      for (let i = 0; i < 10; i++) expect(await authStatus(stack, source.apiKey!)).toBe(404);
      expect(lookups.count).toBe(1);
      // The cached workspace is the one the request uses: the lead is recorded under this source.
      const lead = await postLead(stack, source.apiKey!, aLead());
      expect(lead.statusCode).toBe(202);
      expect(await stack.db('leads').where({ id: lead.json().leadId }).first()).toMatchObject({ source_workspace_id: source.id });
      expect(lookups.count).toBe(1);
    } finally {
      lookups.stop();
    }
  });

  test('a source disabled through the admin API gets 401 on its next request; enabled again, it works again', async () => {
    const source = await createWorkspace(stack, { name: 'Disabled by an operator', kind: 'source' });
    expect(await authStatus(stack, source.apiKey!)).toBe(404); // remembered now

    expect((await patch(stack, source.id, { enabled: false })).statusCode).toBe(200);
    const refused = await postLead(stack, source.apiKey!, aLead());
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('unauthorized');
    expect(await authStatus(stack, source.apiKey!)).toBe(401);

    expect((await patch(stack, source.id, { enabled: true })).statusCode).toBe(200);
    expect(await authStatus(stack, source.apiKey!)).toBe(404);
  });

  test('a rate limit changed through the admin API applies from the next request (the request reads the fresh workspace)', async () => {
    const source = await createWorkspace(stack, { name: 'Limited by an operator', kind: 'source', rateLimitPerMinute: 1000 });
    for (let i = 0; i < 3; i++) expect(await authStatus(stack, source.apiKey!)).toBe(404);

    expect((await patch(stack, source.id, { rateLimitPerMinute: 2 })).statusCode).toBe(200);
    // Three more requests: over 2 per minute even if a new minute began right after the change.
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await getLead(stack, source.apiKey!));
    const limited = after.find((r) => r.statusCode === 429);
    expect(limited?.json().error.message).toMatch(/rate limit of 2 requests per 1 minute/);
  });

  test('a key replaced in the database: the new key works at once (unknown keys are never remembered); the old one stops at the next admin change', async () => {
    const source = await createWorkspace(stack, { name: 'Rotated source', kind: 'source' });
    const newKey = `lr_live_${crypto.randomBytes(32).toString('base64url')}`;
    expect(await authStatus(stack, newKey)).toBe(401); // tried before it exists: must not be remembered as unknown
    expect(await authStatus(stack, source.apiKey!)).toBe(404);

    await stack.db('workspaces').where({ id: source.id }).update({ api_key_hash: hashApiKey(newKey) });
    expect(await authStatus(stack, newKey)).toBe(404);
    // Another process's change (here: SQL) is not seen before the TTL ...
    expect(await authStatus(stack, source.apiKey!)).toBe(404);
    // ... but any workspace change through this process's admin API forgets every key.
    expect((await patch(stack, source.id, { name: 'Rotated source (renamed)' })).statusCode).toBe(200);
    expect(await authStatus(stack, source.apiKey!)).toBe(401);
    expect(await authStatus(stack, newKey)).toBe(404);
  });
});

describe('a short TTL: a change made elsewhere (directly in SQL) is seen once the entry expires', () => {
  const TTL_MS = 1_000;
  const stack = useTestStack({ worker: false, env: { AUTH_CACHE_TTL_MS: String(TTL_MS) } });

  test('a source disabled in SQL keeps passing until the TTL, then gets 401', async () => {
    const source = await createWorkspace(stack, { name: 'Disabled elsewhere', kind: 'source' });
    const primedAt = performance.now();
    expect(await authStatus(stack, source.apiKey!)).toBe(404);

    await stack.db('workspaces').where({ id: source.id }).update({ enabled: false });
    const stillCached = await authStatus(stack, source.apiKey!);
    const checkedAt = performance.now();
    // Meaningful only inside the TTL: on a machine so slow that the SQL took longer, there is nothing to see.
    if (checkedAt - primedAt < TTL_MS) expect(stillCached).toBe(404);

    await waitFor('the disabled source to be refused', async () => ((await authStatus(stack, source.apiKey!)) === 401 ? true : undefined), { timeoutMs: TTL_MS + 10_000, intervalMs: 50 });
    // Not before the entry expired: it was stored after primedAt, so it lived at least TTL_MS from then.
    expect(performance.now() - primedAt).toBeGreaterThanOrEqual(TTL_MS);
  });
});

describe('AUTH_CACHE_TTL_MS=0: off', () => {
  const stack = useTestStack({ worker: false, env: { AUTH_CACHE_TTL_MS: '0' } });

  test('every request looks its key up, and a source disabled in SQL gets 401 at once', async () => {
    const source = await createWorkspace(stack, { name: 'Uncached source', kind: 'source' });
    const lookups = countKeyLookups(stack);
    try {
      for (let i = 0; i < 5; i++) expect(await authStatus(stack, source.apiKey!)).toBe(404);
      expect(lookups.count).toBe(5);
    } finally {
      lookups.stop();
    }
    await stack.db('workspaces').where({ id: source.id }).update({ enabled: false });
    expect(await authStatus(stack, source.apiKey!)).toBe(401);
  });
});
