import crypto from 'node:crypto';
import { createDb, type Db } from '../../lib/db/createDb';
import { insertRule } from '../../lib/store/rules';
import { createRulesCache } from '../../lib/store/rulesCache';
import { readLeadForDecision } from '../../lib/store/routing';
import { createTestDatabase } from '../support/stack';

/**
 * The worker's rules cache against the real Postgres: it reloads the rules exactly when a statement wrote
 * routing_rules (routing_rules_revision, migrations/0018_rules_revision.ts), whatever the statement was,
 * and reads nothing but the one-row revision otherwise. A stale cache would route leads by deleted or
 * disabled rules; a cache that reloads every time costs a scan of every rule per lead (issue 10).
 */
let db: Db;

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 4 });
});

afterAll(async () => {
  await db?.destroy();
});

async function workspace(kind: 'source' | 'partner'): Promise<string> {
  const [row] = await db('workspaces')
    .insert({ name: `${kind} ${crypto.randomUUID().slice(0, 8)}`, kind, ...(kind === 'source' ? { api_key_hash: crypto.randomBytes(32).toString('hex') } : {}) })
    .returning('id');
  return row.id;
}

/** The SQL statements `fn` sends, in order. */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (q: { sql: string }) => seen.push(q.sql);
  db.on('query', listener);
  try {
    await fn();
  } finally {
    db.off('query', listener);
  }
  return seen;
}

const readsRules = (statements: string[]) => statements.some((s) => /from "routing_rules"/i.test(s));

test('the rules are reloaded after every kind of write to routing_rules, and only then', async () => {
  const source = await workspace('source');
  const buyer = await workspace('partner');
  const newRule = (name: string, priority: number) => insertRule(db, {
    name, priority, sourceWorkspaceId: source, enabled: true, distribution: 'priority',
    conditions: { all: [{ field: 'product', op: 'eq', value: 'solar' }] }, destinations: [{ workspaceId: buyer }],
  });
  const cache = createRulesCache();
  const names = async () => (await cache(db)).filter((r) => r.sourceWorkspaceId === source).map((r) => r.name);

  const first = await newRule('first', 10);
  expect(await names()).toEqual(['first']);

  // Nothing written: the same objects, and the only statement is the revision's one-row read.
  const before = await cache(db);
  const quiet = await statementsOf(async () => expect(await cache(db)).toBe(before));
  expect(quiet).toHaveLength(1);
  expect(quiet[0]).toMatch(/routing_rules_revision/);
  expect(readsRules(quiet)).toBe(false);

  await newRule('second', 5); // insert
  expect(await names()).toEqual(['second', 'first']);
  await db('routing_rules').where({ id: first.id }).update({ priority: 1 }); // update
  expect(await names()).toEqual(['first', 'second']);
  await db('routing_rules').where({ id: first.id }).update({ enabled: false }); // disabled
  expect(await names()).toEqual(['second']);
  await db('routing_rules').where({ id: first.id }).del(); // hard delete
  await db('routing_rules').where({ name: 'second', source_workspace_id: source }).update({ deleted_at: db.fn.now() }); // soft delete
  expect(await names()).toEqual([]);
});

test('a rule written in a transaction that has not committed is not seen, and is seen once it commits', async () => {
  const source = await workspace('source');
  const buyer = await workspace('partner');
  const cache = createRulesCache();
  const names = async () => (await cache(db)).filter((r) => r.sourceWorkspaceId === source).map((r) => r.name);
  expect(await names()).toEqual([]);
  const trx = await db.transaction();
  try {
    await insertRule(trx, {
      name: 'pending', priority: 1, sourceWorkspaceId: source, enabled: true, distribution: 'priority',
      conditions: { all: [{ field: 'product', op: 'eq', value: 'solar' }] }, destinations: [{ workspaceId: buyer }],
    });
    const unseen = await statementsOf(() => names());
    expect(readsRules(unseen)).toBe(false); // the revision a reader sees moves only at the commit
    await trx.commit();
  } catch (err) {
    await trx.rollback();
    throw err;
  }
  expect(await names()).toEqual(['pending']);
});

test('the lead read carries the revision, so a decision needs no query of its own to trust the cache', async () => {
  const cache = createRulesCache();
  const { rulesFingerprint: a } = await readLeadForDecision(db, crypto.randomUUID());
  await cache(db, a);
  expect(readsRules(await statementsOf(() => cache(db, a)))).toBe(false);
  expect(await statementsOf(() => cache(db, a))).toEqual([]);
  const buyer = await workspace('partner');
  await insertRule(db, {
    name: 'global', priority: 1, sourceWorkspaceId: null, enabled: true, distribution: 'priority',
    conditions: { all: [{ field: 'product', op: 'eq', value: 'solar' }] }, destinations: [{ workspaceId: buyer }],
  });
  const { rulesFingerprint: b } = await readLeadForDecision(db, crypto.randomUUID());
  expect(b).not.toBe(a);
  expect(readsRules(await statementsOf(() => cache(db, b)))).toBe(true);
});
