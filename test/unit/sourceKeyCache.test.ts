// SourceKeyCache (api/plugins/sourceKeyCache.ts) on its own, with a counting stand-in for the Postgres
// lookup: what is remembered, what never is, and the race between a lookup and clear().
import { SourceKeyCache } from '../../api/plugins/sourceKeyCache';
import type { Workspace } from '../../lib/store/workspaces';
import { deferred } from '../support/deferred';

function workspace(id: string, overrides: Partial<Workspace> = {}): Workspace {
  return {
    id, name: `Source ${id}`, kind: 'source', apiKeyPrefix: 'lr_live_abcd', deliveryUrl: null, timezone: 'UTC',
    caps: { hourly: null, daily: null, monthly: null }, rateLimitPerMinute: null, enabled: true, previousSecretExpiresAt: null, signingSecretRotatedAt: null,
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...overrides,
  };
}

/** A lookup over a mutable table of key hash -> workspace, counting its calls per hash. */
function fakeLookup(table: Map<string, Workspace>) {
  const calls: string[] = [];
  const lookup = async (hash: string) => {
    calls.push(hash);
    return table.get(hash);
  };
  return { lookup, calls };
}

test('a known key is looked up once and then answered from memory', async () => {
  const { lookup, calls } = fakeLookup(new Map([['h1', workspace('a')]]));
  const cache = new SourceKeyCache(lookup, { ttlMs: 60_000 });
  for (let i = 0; i < 5; i++) expect((await cache.find('h1'))?.id).toBe('a');
  expect(calls).toEqual(['h1']);
  expect(cache.size).toBe(1);
});

test('an unknown key is never remembered: once it exists it works on the next request', async () => {
  const table = new Map<string, Workspace>();
  const { lookup, calls } = fakeLookup(table);
  const cache = new SourceKeyCache(lookup, { ttlMs: 60_000 });
  expect(await cache.find('new')).toBeUndefined();
  expect(await cache.find('new')).toBeUndefined();
  table.set('new', workspace('n'));
  expect((await cache.find('new'))?.id).toBe('n');
  expect(calls).toEqual(['new', 'new', 'new']);
});

test('concurrent misses for one key share one lookup', async () => {
  const { lookup, calls } = fakeLookup(new Map([['h1', workspace('a')]]));
  const cache = new SourceKeyCache(lookup, { ttlMs: 60_000 });
  const answers = await Promise.all(Array.from({ length: 8 }, () => cache.find('h1')));
  expect(answers.map((w) => w?.id)).toEqual(Array(8).fill('a'));
  expect(calls).toHaveLength(1);
});

test('clear() forgets every key: the next request reads the changed row', async () => {
  const table = new Map([['h1', workspace('a', { rateLimitPerMinute: 1000 })]]);
  const { lookup, calls } = fakeLookup(table);
  const cache = new SourceKeyCache(lookup, { ttlMs: 60_000 });
  expect((await cache.find('h1'))?.rateLimitPerMinute).toBe(1000);
  table.set('h1', workspace('a', { rateLimitPerMinute: 2 }));
  expect((await cache.find('h1'))?.rateLimitPerMinute).toBe(1000); // remembered
  cache.clear();
  expect((await cache.find('h1'))?.rateLimitPerMinute).toBe(2);
  table.delete('h1'); // disabled: the lookup no longer finds it
  cache.clear();
  expect(await cache.find('h1')).toBeUndefined();
  expect(calls).toHaveLength(3);
});

test('a lookup under way when clear() runs answers its caller but is not stored (it may have read the old row)', async () => {
  const gate = deferred();
  let reads = 0;
  const cache = new SourceKeyCache(async () => {
    reads += 1;
    if (reads === 1) {
      await gate.promise; // the admin change commits and clears while this read is in flight
      return workspace('a', { enabled: true });
    }
    return undefined; // after the change: disabled
  }, { ttlMs: 60_000 });

  const before = cache.find('h1');
  cache.clear();
  const after = cache.find('h1'); // must not join the old lookup
  gate.resolve();
  expect((await before)?.id).toBe('a');
  expect(await after).toBeUndefined();
  expect(await cache.find('h1')).toBeUndefined();
  expect(cache.size).toBe(0);
});

test('ttlMs 0 turns it off: every call is a lookup', async () => {
  const { lookup, calls } = fakeLookup(new Map([['h1', workspace('a')]]));
  const cache = new SourceKeyCache(lookup, { ttlMs: 0 });
  for (let i = 0; i < 3; i++) expect((await cache.find('h1'))?.id).toBe('a');
  expect(calls).toHaveLength(3);
  expect(cache.size).toBe(0);
});

test('bounded: at most maxEntries keys, the least recently used dropped first', async () => {
  const table = new Map(Array.from({ length: 5 }, (_, i) => [`h${i}`, workspace(`w${i}`)] as const));
  const { lookup, calls } = fakeLookup(new Map(table));
  const cache = new SourceKeyCache(lookup, { ttlMs: 60_000, maxEntries: 3 });
  for (const hash of ['h0', 'h1', 'h2', 'h3', 'h4']) await cache.find(hash);
  expect(cache.size).toBe(3);
  calls.length = 0;
  await cache.find('h4');
  await cache.find('h0'); // dropped: looked up again
  expect(calls).toEqual(['h0']);
});

test('the remembered workspace is frozen: one request cannot change what the next one sees', async () => {
  const cache = new SourceKeyCache(async () => workspace('a'), { ttlMs: 60_000 });
  const first = await cache.find('h1');
  expect(Object.isFrozen(first)).toBe(true);
});
