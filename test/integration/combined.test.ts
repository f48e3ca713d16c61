import { waitFor } from '../../scripts/local/waitFor';
import { startCombined, type Combined } from '../../workers/startCombined';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';
import { sharedEnv } from '../support/env';
import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The combined deployment mode (issue 10 §2): gateway and worker in one process, the client on the worker's
 * NativeConnection, every start requested eager. The stack provides the database, the admin API for setup
 * and the shared Temporal dev server; the leads go through the combined process's own gateway.
 */
let stack: TestStack;
let combined: Combined;
let buyer: BuyerServer;
let source: { id: string; apiKey: string };
let target: { id: string };

beforeAll(async () => {
  stack = await startTestStack({ ADMISSION_MAX_IN_FLIGHT: '8' });
  buyer = await startBuyerServer();
  combined = await startCombined(stack.config, { workflowBundle: { codePath: sharedEnv().workflowBundlePath }, httpLogger: false });
  source = (await createWorkspace(stack, { name: 'Source', kind: 'source' })) as { id: string; apiKey: string };
  target = await createWorkspace(stack, { name: 'Buyer', kind: 'partner', deliveryUrl: buyer.url('/buyer') });
  await createRule(stack, { name: 'everything', priority: 1, destinations: [{ workspaceId: target.id }] });
});
afterAll(async () => {
  await combined?.stop();
  await stack?.stop();
  await buyer?.close();
});

const post = (body: Record<string, unknown>, query = '') =>
  combined.app.inject({ method: 'POST', url: `/api/leads/route${query}`, headers: { authorization: `Bearer ${source.apiKey}` }, payload: body });

test('a lead goes end to end through the combined process, its workflow started eagerly on the same worker', async () => {
  const res = await post(aLead(), '?wait=10000');
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: target.id });
  expect(combined.admission.stats).toMatchObject({ started: { request: 1, starter: 0 }, eager: { request: 1, starter: 0 } });
  expect(buyer.acceptedKeys('/buyer')).toEqual([res.json().leadId]);
});

test('a new lead reaches its first attempt in memory: the worker reads no lead row, and the buyer gets the lead as stored', async () => {
  await post(aLead(), '?wait=10000'); // the worker holds the rules now (the first lead after a start reads them)
  const statements: string[] = [];
  const onQuery = (q: { sql: string }) => statements.push(q.sql);
  combined.pools.worker.on('query', onQuery);
  try {
    const res = await post(aLead({ product: 'in-memory', phone: '(415) 555-0134', attributes: { score: 1.50, vip: true, note: 'ß' } }), '?wait=10000');
    expect(res.json()).toMatchObject({ status: 'routed', result: 'success' });
    const leadId = res.json().leadId as string;
    expect(statements.filter((s) => /LEFT JOIN leads/.test(s))).toEqual([]);
    const delivered = buyer.received.find((d) => d.idempotencyKey === leadId)?.body as { lead: unknown; externalId: string; createdAt: string };
    const row = await stack.db('leads').where({ id: leadId }).first();
    expect(delivered.lead).toEqual(row.payload);
    expect(delivered).toMatchObject({ externalId: row.external_id, createdAt: row.created_at.toISOString() });
  } finally {
    combined.pools.worker.off('query', onQuery);
  }
});

test('a burst over the bound: all 202, all routed; the eager share of the starts is reported', async () => {
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const before = { started: total(combined.admission.stats.started), eager: total(combined.admission.stats.eager) };
  const answers = await Promise.all(Array.from({ length: 40 }, () => post(aLead())));
  expect(answers.map((r) => r.statusCode)).toEqual(answers.map(() => 202));
  const ids = answers.map((r) => r.json().leadId as string);
  await waitFor('the burst routed', async () => {
    const rows = await stack.db('leads').whereIn('id', ids).where({ routing_status: 'routed' }).count('* as n').first();
    return Number(rows?.n) === ids.length ? true : undefined;
  }, { timeoutMs: 60_000 });
  const stats = combined.admission.stats;
  const starts = total(stats.started) - before.started;
  const eager = total(stats.eager) - before.eager;
  expect(starts).toBe(ids.length);
  // Slots exceed the bound, so the server can hand nearly every start's first task straight back.
  console.log(`combined mode: ${eager}/${starts} starts eager (${Math.round((100 * eager) / starts)} %)`);
  expect(eager / starts).toBeGreaterThanOrEqual(0.9);
}, 90_000);

/** At a spike, routing transactions fill the worker's pool; the gateway must not queue behind them. */
test('the gateway answers while every connection of the worker\'s pool is busy', async () => {
  const held = Array.from({ length: stack.config.DATABASE_POOL_MAX }, () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const transaction = combined.pools.worker.transaction(async () => released);
    return { release, transaction };
  });
  try {
    await waitFor('the worker pool full', async () => {
      const pool = (combined.pools.worker.client as { pool: { numUsed(): number } }).pool;
      return pool.numUsed() === stack.config.DATABASE_POOL_MAX ? true : undefined;
    });
    const res = await post(aLead());
    expect(res.statusCode).toBe(202);
    expect(await stack.db('leads').where({ id: res.json().leadId }).first()).toBeDefined();
  } finally {
    for (const h of held) h.release();
    await Promise.all(held.map((h) => h.transaction));
  }
});
