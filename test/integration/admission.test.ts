import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { Admission } from '../../lib/admission/admission';
import { admissionSnapshot } from '../../lib/admission/claims';
import { startStarter, type Starter } from '../../lib/admission/starter';
import { createDb, type Db } from '../../lib/db/createDb';
import { createMetrics } from '../../lib/telemetry/metrics';
import { waitFor } from '../../scripts/local/waitFor';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';
import { deferred } from '../support/deferred';
import { aLead, createRule, createWorkspace } from '../support/fixtures';
import { startStatsdCapture } from '../support/statsdCapture';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Admission control (issue 10 §3) on the real stack: every lead is answered 202 once stored, at most
 * ADMISSION_MAX_IN_FLIGHT (3 here) workflows are in flight (started, not through their first attempt), the
 * surplus waits in Postgres and is started in order per source, round-robin across sources, by starter loops
 * that never start a lead twice. The buyer holds its answers while a test fills the room, so "in flight"
 * is a state the test controls, not a race.
 */
const MAX_IN_FLIGHT = 3;
let stack: TestStack;
let buyer: BuyerServer;
let admission: Admission;
let app: FastifyInstance;
let starter: Starter;
let target: { id: string };

beforeAll(async () => {
  // Held buyers answer within seconds; 50 s keeps the delivery (+ 5 s) inside the default 60 s in-flight window.
  stack = await startTestStack({ ADMISSION_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT), DELIVERY_TIMEOUT_MS: '50000' });
  buyer = await startBuyerServer();
  await stack.startWorker();
  target = await createWorkspace(stack, { name: 'Buyer', kind: 'partner', deliveryUrl: buyer.url('/buyer') });
  await createRule(stack, { name: 'everything', priority: 1, destinations: [{ workspaceId: target.id }] });
  // The API process: its route and its starter loop share one Admission.
  admission = Admission.fromConfig(stack.config, { db: stack.db, temporal: stack.client });
  app = await buildApp({ db: stack.db, temporal: stack.client, config: stack.config, admission }, { logger: false });
  starter = startStarter(admission, { pollMs: 50 });
});
afterAll(async () => {
  await starter?.stop();
  await app?.close();
  await stack?.stop();
  await buyer?.close();
});

const post = (a: FastifyInstance, apiKey: string, body: Record<string, unknown>, query = '') =>
  a.inject({ method: 'POST', url: `/api/leads/route${query}`, headers: { authorization: `Bearer ${apiKey}` }, payload: body });

const source = (name: string) => createWorkspace(stack, { name, kind: 'source' }) as Promise<{ id: string; apiKey: string }>;

/** The buyer holds every delivery until the returned release() (then answers 200 at once from there on). */
function holdBuyer() {
  const gate = deferred();
  buyer.respondWith('/buyer', [{ status: 200, heldUntil: gate.promise }]);
  return gate.resolve;
}

/** Samples the in-flight count from Postgres until `done` resolves; returns the largest seen. */
function watchInFlight(db: Db, done: Promise<unknown>): Promise<number> {
  let max = 0;
  let finished = false;
  void done.finally(() => (finished = true));
  return (async () => {
    while (!finished) {
      max = Math.max(max, (await admissionSnapshot(db, admission.limits)).inFlight);
      await new Promise((r) => setTimeout(r, 10));
    }
    return max;
  })();
}

async function allRouted(ids: string[]) {
  return waitFor(`${ids.length} leads routed`, async () => {
    const rows = await stack.db('leads').whereIn('id', ids).select('id', 'source_workspace_id', 'routing_status', 'created_at', 'admitted_at');
    return rows.every((r) => r.routing_status === 'routed') ? rows : undefined;
  }, { timeoutMs: 60_000 });
}

/** Per source, leads were admitted (their workflows started) in the order they were stored. */
function expectAdmittedInOrderPerSource(rows: Array<{ source_workspace_id: string; created_at: Date; admitted_at: Date }>) {
  const bySource = new Map<string, typeof rows>();
  for (const r of rows) bySource.set(r.source_workspace_id, [...(bySource.get(r.source_workspace_id) ?? []), r]);
  for (const list of bySource.values()) {
    const admitted = [...list].sort((a, b) => a.created_at.getTime() - b.created_at.getTime()).map((r) => r.admitted_at.getTime());
    expect(admitted).toEqual([...admitted].sort((a, b) => a - b));
  }
}

test('a burst larger than the bound: every request 202, never more than N in flight, all routed, started in order', async () => {
  const a = await source('Burst source');
  const release = holdBuyer();
  const leads = Array.from({ length: 12 }, () => aLead());
  const answers = [];
  for (const lead of leads) answers.push(await post(app, a.apiKey, lead)); // in order: created_at is the order
  expect(answers.map((r) => r.statusCode)).toEqual(leads.map(() => 202));
  const ids = answers.map((r) => r.json().leadId as string);

  // N started and held at the buyer; the rest waits in Postgres, unstarted.
  await waitFor('N deliveries held at the buyer', async () => (buyer.received.filter((r) => ids.includes(r.idempotencyKey ?? '')).length === MAX_IN_FLIGHT ? true : undefined));
  expect(await admissionSnapshot(stack.db, admission.limits)).toMatchObject({ inFlight: MAX_IN_FLIGHT, backlog: ids.length - MAX_IN_FLIGHT });
  expect(await stack.db('leads').whereIn('id', ids).whereNull('admitted_at').count('* as n').first()).toEqual({ n: String(ids.length - MAX_IN_FLIGHT) });

  release();
  const routed = allRouted(ids);
  const maxSeen = await watchInFlight(stack.db, routed);
  expect(maxSeen).toBeLessThanOrEqual(MAX_IN_FLIGHT);
  expectAdmittedInOrderPerSource(await routed);
  expect(buyer.acceptedKeys('/buyer').filter((k) => ids.includes(k)).sort()).toEqual([...ids].sort()); // each delivered once
}, 90_000);

test("fairness: source B's 3 leads, sent after source A's 30, are started within the next few, not after all of A's", async () => {
  const [a, b] = [await source('Busy A'), await source('Quiet B')];
  const release = holdBuyer();
  const aIds: string[] = [];
  for (let i = 0; i < 30; i++) aIds.push((await post(app, a.apiKey, aLead())).json().leadId);
  const bIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await post(app, b.apiKey, aLead());
    expect(res.statusCode).toBe(202);
    bIds.push(res.json().leadId);
  }
  release();
  const rows = await allRouted([...aIds, ...bIds]);
  const lastB = Math.max(...rows.filter((r) => bIds.includes(r.id)).map((r) => r.admitted_at.getTime()));
  const aStartedAfterB = rows.filter((r) => aIds.includes(r.id) && r.admitted_at.getTime() > lastB).length;
  // Round-robin: B's three go out with A's next three or four; 30 - 3 held - ~4 = ~23 of A's come after.
  expect(aStartedAfterB).toBeGreaterThanOrEqual(20);
  expectAdmittedInOrderPerSource(rows);
}, 90_000);

test('two more starters (other processes: their own pools) and concurrent requests never start a lead twice', async () => {
  buyer.respondWith('/buyer', [200]);
  const sources = [await source('S1'), await source('S2'), await source('S3')];
  const others = [createDb(stack.config.DATABASE_URL, { poolMax: 4 }), createDb(stack.config.DATABASE_URL, { poolMax: 4 })];
  const admissions = others.map((db) => Admission.fromConfig(stack.config, { db, temporal: stack.client }));
  const loops = admissions.map((adm) => startStarter(adm, { pollMs: 20 }));
  const before = admission.stats.started.request + admission.stats.started.starter;
  try {
    const answers = await Promise.all(Array.from({ length: 36 }, (_, i) => post(app, sources[i % 3]!.apiKey, aLead())));
    expect(answers.map((r) => r.statusCode)).toEqual(answers.map(() => 202));
    const ids = answers.map((r) => r.json().leadId as string);
    const routed = allRouted(ids);
    const maxSeen = await watchInFlight(stack.db, routed);
    await routed;
    expect(maxSeen).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    // Every start counted by whoever made it: exactly one per lead (a second start would count too: USE_EXISTING joins).
    const starts = [admission, ...admissions].reduce((n, adm) => n + adm.stats.started.request + adm.stats.started.starter, 0) - before;
    expect(starts).toBe(ids.length);
    expect(buyer.acceptedKeys('/buyer').filter((k) => ids.includes(k))).toHaveLength(ids.length);
  } finally {
    await Promise.all(loops.map((l) => l.stop()));
    await Promise.all(others.map((db) => db.destroy()));
  }
}, 90_000);

test('?wait= returns the routed lead when there is room, and 202 pending at its deadline when there is none', async () => {
  const a = await source('Waiting partner');
  buyer.respondWith('/buyer', [200]);
  const quick = await post(app, a.apiKey, aLead(), '?wait=5000');
  expect(quick.statusCode).toBe(200);
  expect(quick.json()).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: target.id });

  const release = holdBuyer();
  const fill = [];
  for (let i = 0; i < MAX_IN_FLIGHT; i++) fill.push((await post(app, a.apiKey, aLead())).json().leadId as string);
  await waitFor('the room to be full', async () => ((await admissionSnapshot(stack.db, admission.limits)).inFlight === MAX_IN_FLIGHT ? true : undefined));
  const startedAt = Date.now();
  const late = await post(app, a.apiKey, aLead(), '?wait=400');
  const tookMs = Date.now() - startedAt;
  expect(late.statusCode).toBe(202);
  expect(late.json()).toMatchObject({ status: 'pending' });
  expect(tookMs).toBeGreaterThanOrEqual(350);
  expect(tookMs).toBeLessThan(5_000);
  release();
  await allRouted([...fill, late.json().leadId]);
}, 60_000);

test('the starter reports the backlog, its oldest age and the leads in flight as gauges; the starts as a count', async () => {
  const a = await source('Observed source');
  const capture = await startStatsdCapture();
  const metrics = createMetrics({ host: '127.0.0.1', port: capture.port });
  const observed = Admission.fromConfig(stack.config, { db: stack.db, temporal: stack.client, metrics });
  const observer = startStarter(observed, { pollMs: 20, gaugeEveryMs: 50, metrics });
  const release = holdBuyer();
  const ids: string[] = [];
  try {
    for (let i = 0; i < MAX_IN_FLIGHT + 2; i++) ids.push((await post(app, a.apiKey, aLead())).json().leadId);
    const gauge = (name: string) => capture.lines().filter((l) => l.name === name).at(-1)?.value;
    await waitFor('gauges of a full room and a backlog of 2', async () =>
      gauge('routing.admission.in_flight') === MAX_IN_FLIGHT && gauge('routing.admission.backlog') === 2 ? true : undefined);
    expect(gauge('routing.admission.backlog_age')).toBeGreaterThanOrEqual(0);
    release();
    await allRouted(ids);
    await waitFor('the empty backlog reported', async () => (gauge('routing.admission.backlog') === 0 && gauge('routing.admission.backlog_age') === 0 ? true : undefined));
    // Whichever loop won the claims, this one's starts were counted with their path and eager tags.
    const starts = capture.lines().filter((l) => l.name === 'routing.admission.starts');
    for (const line of starts) expect(line.tags).toEqual({ path: 'starter', eager: 'false' });
    expect(starts.length).toBe(observed.stats.started.starter);
  } finally {
    release();
    await observer.stop();
    await metrics.close();
    await capture.close();
  }
}, 60_000);
