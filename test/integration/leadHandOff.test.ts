import { MockActivityEnvironment } from '@temporalio/testing';
import crypto from 'node:crypto';
import pino from 'pino';
import { makeLockAndDecide } from '../../activities/lockAndDecide';
import { createDb, type Db } from '../../lib/db/createDb';
import { createLeadHandOff, type LeadHandOff } from '../../lib/routing/leadHandOff';
import { readLeadForDecision, type LeadForDecision } from '../../lib/store/routing';
import { createMetrics } from '../../lib/telemetry/metrics';
import { routeLeadWorkflowId, type LockAndDecideOutput } from '../../workflows/routeLead.types';
import { createRule, createWorkspace, insertPendingLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * A lead handed over in memory by the gateway of the same process (lib/routing/leadHandOff.ts) is decided
 * without reading it back: ONE statement, lock_and_decide() with the revision of the rules held, which answers
 * rulesChanged, having done nothing, when they are not current (migrations/0025). Real Postgres.
 */
let stack: TestStack;
let source: { id: string };

beforeAll(async () => {
  stack = await startTestStack();
  source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
});
afterAll(async () => {
  await stack?.stop();
});

/** A stored pending lead, and the same lead as the gateway hands it over. */
async function storedLead(product: string): Promise<LeadForDecision> {
  return (await readLeadForDecision(stack.db, await insertPendingLead(stack, source.id, { product }))).lead!;
}

const asRun = (leadId: string) => new MockActivityEnvironment({ workflowExecution: { workflowId: routeLeadWorkflowId(leadId), runId: crypto.randomUUID() } });

async function withStatements<T>(fn: (db: Db, statements: string[], handOff: LeadHandOff) => Promise<T>): Promise<T> {
  const db = createDb(stack.config.DATABASE_URL, { poolMax: 2 });
  const statements: string[] = [];
  db.on('query', (q: { sql: string }) => statements.push(q.sql));
  try {
    return await fn(db, statements, createLeadHandOff());
  } finally {
    await db.destroy();
  }
}

const routing = (db: Db, handOff: LeadHandOff) =>
  makeLockAndDecide({ db, config: stack.config, log: pino({ level: 'silent' }), metrics: createMetrics({ enabled: false }), temporal: stack.client, leadHandOff: handOff });

test('a handed-over lead is decided in ONE statement, to the same decision as a lead read back', async () => {
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  await createRule(stack, { name: 'same', priority: 1, conditions: { all: [{ field: 'product', op: 'eq', value: 'same' }] }, destinations: [{ workspaceId: buyer.id }] });
  await withStatements(async (db, statements, handOff) => {
    const lockAndDecide = routing(db, handOff);
    const read = await storedLead('same');
    const first = (await asRun(read.id).run(lockAndDecide, { leadId: read.id, excludeDestinations: [] })) as LockAndDecideOutput; // loads the rules
    expect(statements).toHaveLength(3); // the read, the rules' load (its revision came with the read), lock_and_decide()

    const handed = await storedLead('same');
    handOff.put(handed, 1_000);
    statements.length = 0;
    const second = (await asRun(handed.id).run(lockAndDecide, { leadId: handed.id, excludeDestinations: [] })) as LockAndDecideOutput;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^SELECT lock_and_decide\(/);
    expect(handOff.size).toBe(0);
    for (const out of [first, second]) expect(out).toMatchObject({ kind: 'assigned', destinationWorkspaceId: buyer.id, lock: { outcome: 'acquired', attempts: 1 } });
    if (first.kind !== 'assigned' || second.kind !== 'assigned') throw new Error('not assigned');
    expect(second.trace).toEqual(first.trace);
    const row = await stack.db('leads').where({ id: handed.id }).first();
    expect(row).toMatchObject({ routing_status: 'routing', routing_attempts: 1 });
  });
});

test('rules changed since the cache loaded: lock_and_decide() does nothing, the lead is read and decided with the new rules', async () => {
  const [oldBuyer, newBuyer] = [await createWorkspace(stack, { name: 'Old', kind: 'partner' }), await createWorkspace(stack, { name: 'New', kind: 'partner' })];
  await createRule(stack, { name: 'old', priority: 10, conditions: { all: [{ field: 'product', op: 'eq', value: 'changing' }] }, destinations: [{ workspaceId: oldBuyer.id }] });
  await withStatements(async (db, statements, handOff) => {
    const lockAndDecide = routing(db, handOff);
    const warm = await storedLead('changing');
    await asRun(warm.id).run(lockAndDecide, { leadId: warm.id, excludeDestinations: [] });
    await createRule(stack, { name: 'new', priority: 5, conditions: { all: [{ field: 'product', op: 'eq', value: 'changing' }] }, destinations: [{ workspaceId: newBuyer.id }] });

    const handed = await storedLead('changing');
    handOff.put(handed, 1_000);
    statements.length = 0;
    const out = (await asRun(handed.id).run(lockAndDecide, { leadId: handed.id, excludeDestinations: [] })) as LockAndDecideOutput;
    expect(out).toMatchObject({ kind: 'assigned', destinationWorkspaceId: newBuyer.id, lock: { outcome: 'acquired', attempts: 1 } });
    // The checked call, then as without a hand-off: the read, the rules' load, lock_and_decide().
    expect(statements.map((s) => s.slice(0, 30))).toHaveLength(4);
    expect(statements[0]).toMatch(/^SELECT lock_and_decide\(/);
    expect(statements[1]).toMatch(/routing_rules_revision/);
    expect(statements[3]).toMatch(/^SELECT lock_and_decide\(/);
  });
});

test('lock_and_decide() with a revision that is not current writes nothing: no lock, no attempt, no claim, no reservation', async () => {
  const buyer = await createWorkspace(stack, { name: 'Untouched', kind: 'partner' });
  const lead = await storedLead('untouched');
  const { rows: [{ revision }] } = await stack.db.raw('SELECT revision FROM routing_rules_revision');
  const candidates = [{ id: crypto.randomUUID(), version: 1, distribution: 'priority', destinations: [{ workspaceId: buyer.id }], trace: {} }];
  const call = (rev: number) => stack.db.raw(
    `SELECT lock_and_decide(?::uuid, 'owner-x', true, 300, NULL, ?::jsonb, ?::jsonb, '[]'::jsonb, '{}'::text[], 30, 2, 60, ?::bigint) AS a`,
    [lead.id, JSON.stringify([{ kind: 'email', hash: lead.emailHash }]), JSON.stringify(candidates), rev],
  );
  const { rows: [{ a }] } = await call(Number(revision) - 1);
  expect(a).toEqual({ rulesChanged: true });
  expect(await stack.db('leads').where({ id: lead.id }).first()).toMatchObject({ routing_status: 'pending', routing_attempts: 0, routing_lock_owner: null });
  expect(await stack.db('identity_claims').where({ lead_id: lead.id })).toEqual([]);
  expect(await stack.db('capacity_reservations').where({ lead_id: lead.id })).toEqual([]);
});

test('a lead handed over before the worker held any rules is read, as without a hand-off', async () => {
  const buyer = await createWorkspace(stack, { name: 'Cold', kind: 'partner' });
  await createRule(stack, { name: 'cold', priority: 1, conditions: { all: [{ field: 'product', op: 'eq', value: 'cold' }] }, destinations: [{ workspaceId: buyer.id }] });
  await withStatements(async (db, statements, handOff) => {
    const handed = await storedLead('cold');
    handOff.put(handed, 1_000);
    const out = (await asRun(handed.id).run(routing(db, handOff), { leadId: handed.id, excludeDestinations: [] })) as LockAndDecideOutput;
    expect(out).toMatchObject({ kind: 'assigned', destinationWorkspaceId: buyer.id });
    expect(statements[0]).toMatch(/LEFT JOIN leads/);
    expect(handOff.size).toBe(0);
  });
});

test('the routing attempt reads a national phone in the worker\'s DEFAULT_PHONE_COUNTRY, handed over or read back', async () => {
  const buyer = await createWorkspace(stack, { name: 'London', kind: 'partner' });
  await createRule(stack, { name: 'london numbers', priority: 1, conditions: { all: [{ field: 'product', op: 'eq', value: 'uk-phone' }, { field: 'phone', op: 'starts_with', value: '+4420' }] }, destinations: [{ workspaceId: buyer.id }] });
  const stored = async () => (await readLeadForDecision(stack.db, await insertPendingLead(stack, source.id, { product: 'uk-phone', phone: '020 7946 0958' }, { emailHash: null }))).lead!;
  await withStatements(async (db, _statements, handOff) => {
    const lockAndDecide = makeLockAndDecide({
      db, config: { ...stack.config, DEFAULT_PHONE_COUNTRY: 'GB' }, log: pino({ level: 'silent' }), metrics: createMetrics({ enabled: false }), temporal: stack.client, leadHandOff: handOff,
    });
    const read = await stored();
    const handed = await stored();
    handOff.put(handed, 1_000);
    for (const lead of [read, handed]) {
      const out = (await asRun(lead.id).run(lockAndDecide, { leadId: lead.id, excludeDestinations: [] })) as LockAndDecideOutput;
      expect(out).toMatchObject({ kind: 'assigned', destinationWorkspaceId: buyer.id });
    }
  });
});
