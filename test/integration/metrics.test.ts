import { Writable } from 'node:stream';
import pino from 'pino';
import { loggerOptions } from '../../lib/logger';
import { waitFor } from '../../scripts/local/waitFor';
import { METRICS, type MetricName } from '../../lib/telemetry/catalog';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';
import { startStatsdCapture, type StatsdCapture, type StatsdLine } from '../support/statsdCapture';

/**
 * The DogStatsD datagrams a real routing run sends (issue 8, §2): a UDP listener stands in for the Agent,
 * the worker's real metrics client sends to it, and leads take every path the catalog describes — routed,
 * a buyer's 503 then accepted (a retry), a buyer's 422 (the next buyer), a cross-partner duplicate, no
 * matching rule. Each metric arrives with its catalogued type and tags, and no datagram carries PII.
 */
let stack: TestStack;
let statsd: StatsdCapture;
let buyer: BuyerServer;
const ids: Record<string, string> = {};
const logLines: string[] = [];

const PERSON = { email: 'metrics.person@outlook.com', phone: '+1 415 734 0199', firstName: 'Quintessa', lastName: 'Vandermolen' };

beforeAll(async () => {
  statsd = await startStatsdCapture();
  buyer = await startBuyerServer();
  stack = await startTestStack({ DD_AGENT_HOST: '127.0.0.1', DD_DOGSTATSD_PORT: String(statsd.port), DD_ENV: 'test', DD_VERSION: '1.2.3' });
  await stack.startWorker({ log: pino(loggerOptions('info'), new Writable({ write: (c, _e, cb) => { logLines.push(String(c)); cb(); } })) });
  const sourceA = await createWorkspace(stack, { name: 'Metrics Source A', kind: 'source' });
  const sourceB = await createWorkspace(stack, { name: 'Metrics Source B', kind: 'source' });
  const flaky = await createWorkspace(stack, { name: 'Flaky buyer', kind: 'partner', deliveryUrl: buyer.url('/flaky') });
  const picky = await createWorkspace(stack, { name: 'Picky buyer', kind: 'partner', deliveryUrl: buyer.url('/picky') });
  const steady = await createWorkspace(stack, { name: 'Steady buyer', kind: 'partner', deliveryUrl: buyer.url('/steady') });
  buyer.respondWith('/flaky', [503, 200]);
  buyer.respondWith('/picky', [{ status: 422, body: 'not in our area' }]);
  buyer.respondWith('/steady', [200]);
  await createRule(stack, { name: 'Flaky TX', priority: 1, conditions: { all: [{ field: 'state', op: 'eq', value: 'TX' }] }, destinations: [{ workspaceId: flaky.id }] });
  await createRule(stack, {
    name: 'Picky first, then steady', priority: 2, distribution: 'priority',
    conditions: { all: [{ field: 'state', op: 'eq', value: 'CA' }] },
    destinations: [{ workspaceId: picky.id }, { workspaceId: steady.id }],
  });
  Object.assign(ids, { sourceA: sourceA.id, sourceB: sourceB.id, flaky: flaky.id, picky: picky.id, steady: steady.id });

  const routed = async (key: string, body: Record<string, unknown>) => {
    const res = await postLead(stack, key, body);
    expect([200, 202]).toContain(res.statusCode);
    const leadId = res.json().leadId as string;
    await waitFor(`lead ${leadId} final`, async () => {
      const row = await stack.db('leads').where({ id: leadId }).first();
      return ['routed', 'failed', 'expired'].includes(row?.routing_status) ? row : undefined;
    }, { timeoutMs: 60_000 });
  };
  await routed(sourceA.apiKey!, aLead({ ...PERSON, state: 'CA' })); // 422 at picky, accepted by steady
  await routed(sourceB.apiKey!, aLead({ ...PERSON, state: 'CA' })); // the same person from another source: duplicate
  await routed(sourceA.apiKey!, aLead({ state: 'TX' })); // 503, retried, then accepted
  await routed(sourceA.apiKey!, aLead({ state: 'WY' })); // no rule matches: failed
});

afterAll(async () => {
  await stack?.stop();
  await statsd?.close();
  await buyer?.close();
});

const TYPE_CODE = { count: 'c', gauge: 'g', distribution: 'd' } as const;
const lines = (name: MetricName) => statsd.lines().filter((l) => l.name === name);
async function arrived(name: MetricName, match: (l: StatsdLine) => boolean = () => true): Promise<StatsdLine> {
  return waitFor(`${name} to arrive`, async () => lines(name).find(match), { timeoutMs: 10_000 });
}

test('every metric the run should produce arrives with its catalogued type and tags', async () => {
  const lockAcquired = await arrived('routing.lock.acquired', (l) => l.tags.outcome === 'acquired');
  expect(lockAcquired).toMatchObject({ type: 'c', value: 1 });
  await arrived('routing.lock.latency');
  await arrived('routing.rules.latency', (l) => l.tags.decision === 'assigned');
  await arrived('routing.rules.latency', (l) => l.tags.decision === 'duplicate');
  await arrived('routing.rules.latency', (l) => l.tags.decision === 'no_match');
  await arrived('routing.duplicates_caught', (l) => l.tags.workspace_id === ids.sourceB);
  await arrived('routing.delivery.latency', (l) => l.tags.destination_workspace_id === ids.steady && l.tags.outcome === 'accepted');
  await arrived('routing.delivery.errors', (l) => l.tags.destination_workspace_id === ids.picky && l.tags.status_class === '4xx');
  await arrived('routing.delivery.errors', (l) => l.tags.destination_workspace_id === ids.flaky && l.tags.status_class === '5xx');
  await arrived('routing.retry_queue.inserts', (l) => l.tags.reason === 'delivery_failed' && l.tags.counts_as_attempt === 'true');
  await arrived('routing.complete.latency', (l) => l.tags.result === 'success');
  for (const result of ['success', 'duplicate', 'failed']) {
    await arrived('routing.leads_routed', (l) => l.tags.result === result && l.tags.workspace_id !== undefined);
    await arrived('routing.logs.total', (l) => l.tags.result === result);
  }
  await arrived('routing.leads_routed', (l) => l.tags.result === 'success' && l.tags.destination_workspace_id === ids.flaky);
  await arrived('routing.logs.failed');
  const latency = await arrived('routing.latency', (l) => l.tags.result === 'success');
  expect(latency.value).toBeGreaterThan(0);
  expect(latency.value).toBeLessThan(60_000);

  for (const line of statsd.lines()) {
    const def = METRICS[line.name as MetricName];
    expect(def).toBeDefined(); // nothing outside the catalog is sent
    expect(line.type).toBe(TYPE_CODE[def.type]);
    const allowed = new Set<string>([...def.tags, 'service', 'env', 'version']);
    for (const tag of Object.keys(line.tags)) expect(allowed).toContain(tag);
    expect(line.tags).toMatchObject({ service: 'lead-router-worker', env: 'test', version: '1.2.3' });
  }
});

test('no datagram carries the person', async () => {
  await arrived('routing.leads_routed');
  const all = statsd.datagrams().join('\n');
  for (const value of [...Object.values(PERSON), '4157340199', 'metrics.person']) expect(all).not.toContain(value);
});

test("the worker's routing.complete lines carry the monitoring spec's fields, and no PII", async () => {
  const completes = logLines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.event === 'routing.complete');
  expect(completes.length).toBeGreaterThanOrEqual(4);
  const routed = completes.find((l) => l.result === 'success' && l.destinationWorkspaceId === ids.flaky);
  expect(routed).toMatchObject({
    leadId: expect.any(String), sourceWorkspaceId: ids.sourceA, destinationWorkspaceId: ids.flaky, matchedRuleId: expect.any(String),
    isDuplicate: false, durationMs: expect.any(Number), lockOwnerId: expect.any(String), attempts: 2,
  });
  expect(completes.find((l) => l.result === 'duplicate')).toMatchObject({ isDuplicate: true, sourceWorkspaceId: ids.sourceB, matchedRuleId: null });
  const all = logLines.join('');
  for (const value of [PERSON.email, PERSON.firstName, PERSON.lastName, '4157340199']) expect(all).not.toContain(value);
});

test('per-lead metrics are counted once per lead: four leads, four completions, one duplicate, one retry', async () => {
  await arrived('routing.leads_routed');
  await new Promise((r) => setTimeout(r, 500)); // the client flushes every 200 ms: let any stray second count arrive
  const sum = (name: MetricName) => lines(name).reduce((n, l) => n + l.value, 0);
  expect(sum('routing.leads_routed')).toBe(4);
  expect(sum('routing.logs.total')).toBe(4);
  expect(sum('routing.logs.failed')).toBe(1);
  expect(sum('routing.duplicates_caught')).toBe(1);
  expect(sum('routing.retry_queue.inserts')).toBe(1);
  // Every lead that reached `routed` (two successes and the duplicate); the failed one has no routed_at.
  expect(lines('routing.latency').map((l) => l.tags.result).sort()).toEqual(['duplicate', 'success', 'success']);
  expect(lines('routing.lock.acquired').filter((l) => l.tags.outcome === 'reentered')).toEqual([]);
});
