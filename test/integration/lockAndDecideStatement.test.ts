import { MockActivityEnvironment } from '@temporalio/testing';
import crypto from 'node:crypto';
import pino from 'pino';
import { makeDecideRouting } from '../../activities/decideRouting';
import { makeLockAndDecide } from '../../activities/lockAndDecide';
import { createDb, type Db } from '../../lib/db/createDb';
import { acquireRoutingLock } from '../../lib/store/routing';
import { createMetrics, type Metrics } from '../../lib/telemetry/metrics';
import { routeLeadWorkflowId, type LockAndDecideOutput } from '../../workflows/routeLead.types';
import { createRule, createWorkspace, insertPendingLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * lock_and_decide() (migrations/0016_lock_and_decide.ts): the routing lock and the decision as ONE autocommit
 * statement, so that the rows every lead of a rule locks (its counters; a buyer's capacity) are never held
 * across round trips — under load that made one rule's leads go one at a time (issue 10). Real Postgres.
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

const pendingLead = (product: string) => insertPendingLead(stack, source.id, { product });

const deps = (db: Db) => ({ db, config: stack.config, log: pino({ level: 'silent' }), metrics: createMetrics({ enabled: false }), temporal: stack.client });
const asRun = (leadId: string, runId: string = crypto.randomUUID()) => new MockActivityEnvironment({ workflowExecution: { workflowId: routeLeadWorkflowId(leadId), runId } });

test('a lock and decision is two statements and no transaction: the read, then lock_and_decide()', async () => {
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  await createRule(stack, { name: 'one', priority: 1, distribution: 'weighted', conditions: { all: [{ field: 'product', op: 'eq', value: 'one' }] }, destinations: [{ workspaceId: buyer.id }] });
  const leadId = await pendingLead('one');
  const db = createDb(stack.config.DATABASE_URL, { poolMax: 2 });
  const statements: string[] = [];
  db.on('query', (q: { sql: string }) => statements.push(q.sql));
  try {
    const lockAndDecide = makeLockAndDecide(deps(db));
    await asRun(leadId).run(lockAndDecide, { leadId, excludeDestinations: [] }); // loads the rules cache
    statements.length = 0;
    const other = await pendingLead('one');
    const out = (await asRun(other).run(lockAndDecide, { leadId: other, excludeDestinations: [] })) as LockAndDecideOutput;
    expect(out).toMatchObject({ kind: 'assigned', destinationWorkspaceId: buyer.id, lock: { outcome: 'acquired', attempts: 1 } });
    expect(statements).toHaveLength(2);
    expect(statements[1]).toMatch(/^SELECT lock_and_decide\(/);
    expect(statements.join('\n')).not.toMatch(/\b(BEGIN|COMMIT|ROLLBACK|SAVEPOINT)\b/i);
  } finally {
    await db.destroy();
  }
});

test('40 leads of one weighted rule decided 8 at a time: the split is exact, every counter and reservation committed', async () => {
  const [a, b] = [await createWorkspace(stack, { name: 'A', kind: 'partner' }), await createWorkspace(stack, { name: 'B', kind: 'partner' })];
  const rule = await createRule(stack, {
    name: 'split', priority: 1, distribution: 'weighted', conditions: { all: [{ field: 'product', op: 'eq', value: 'split' }] },
    destinations: [{ workspaceId: a.id, weight: 3 }, { workspaceId: b.id, weight: 1 }],
  });
  const leads = await Promise.all(Array.from({ length: 40 }, () => pendingLead('split')));
  const db = createDb(stack.config.DATABASE_URL, { poolMax: 8 });
  try {
    const lockAndDecide = makeLockAndDecide(deps(db));
    const queue = [...leads];
    const chosen: string[] = [];
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let leadId = queue.shift(); leadId; leadId = queue.shift()) {
        const out = (await asRun(leadId).run(lockAndDecide, { leadId, excludeDestinations: [] })) as LockAndDecideOutput;
        if (out.kind !== 'assigned') throw new Error(`lead ${leadId}: ${out.kind}`);
        chosen.push(out.destinationWorkspaceId);
      }
    }));
    expect(chosen.filter((w) => w === a.id)).toHaveLength(30);
    expect(chosen.filter((w) => w === b.id)).toHaveLength(10);
    const counters = await stack.db('rule_destination_counters').where({ rule_id: rule.id }).select('workspace_id', 'assigned');
    expect(Object.fromEntries(counters.map((c) => [c.workspace_id, Number(c.assigned)]))).toEqual({ [a.id]: 30, [b.id]: 10 });
    expect(await stack.db('capacity_reservations').whereIn('lead_id', leads).whereNull('released_at').count('* as n')).toEqual([{ n: '40' }]);
  } finally {
    await db.destroy();
  }
});

test('the legacy decide activity checks the owner in the same statement: a run whose lock was taken over decides nothing', async () => {
  const buyer = await createWorkspace(stack, { name: 'Owner check buyer', kind: 'partner' });
  await createRule(stack, { name: 'owner', priority: 1, conditions: { all: [{ field: 'product', op: 'eq', value: 'owner' }] }, destinations: [{ workspaceId: buyer.id }] });
  const leadId = await pendingLead('owner');
  const runA = crypto.randomUUID();
  const decideRouting = makeDecideRouting(deps(stack.db));
  // Run A took the lock; its lock went stale and run B took it over.
  const ownerA = `${routeLeadWorkflowId(leadId)}/${runA}`;
  expect((await acquireRoutingLock(stack.db, leadId, ownerA, 300)).acquired).toBe(true);
  await stack.db('leads').where({ id: leadId }).update({ routing_locked_at: stack.db.raw("now() - interval '301 seconds'") });
  expect((await acquireRoutingLock(stack.db, leadId, 'run-B', 300)).outcome).toBe('taken_over_stale');

  await expect(asRun(leadId, runA).run(decideRouting, { leadId, excludeDestinations: [] })).rejects.toMatchObject({ type: 'LockLost' });
  expect(await stack.db('capacity_reservations').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '0' }]);
});

test('a lead row locked elsewhere: lockAndDecide fails with the 5 s lock timeout, counted once as routing.lock.timeout_errors', async () => {
  const leadId = await pendingLead('blocked');
  const sent: Array<{ name: string; tags?: Record<string, string | undefined> }> = [];
  const metrics: Metrics = {
    increment: (name, tags) => void sent.push({ name, tags }),
    gauge: (name, _v, tags) => void sent.push({ name, tags }),
    distribution: (name, _v, tags) => void sent.push({ name, tags }),
    close: async () => undefined,
  };
  const blocker = await stack.db.transaction();
  await blocker('leads').where({ id: leadId }).forUpdate().first();
  try {
    await expect(asRun(leadId).run(makeLockAndDecide({ ...deps(stack.db), metrics }), { leadId, excludeDestinations: [] })).rejects.toMatchObject({ code: '55P03' });
  } finally {
    await blocker.rollback();
  }
  expect(sent.filter((s) => s.name === 'routing.lock.timeout_errors').map((s) => s.tags?.code)).toEqual(['55P03']);
}, 30_000);
