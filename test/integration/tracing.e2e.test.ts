import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local/freePort';
import { startService, stopService, waitForApi, waitForWorker, type Service } from '../../scripts/local/services';
import { waitFor } from '../../scripts/local/waitFor';
import { sharedEnv } from '../support/env';
import { createTestDatabase } from '../support/stack';
import { startTraceAgent, type AgentSpan, type TraceAgent } from '../support/traceAgent';
import { ROUTE_LEAD_WORKFLOW_TYPE } from '../../workflows/routeLead.types';

/**
 * One trace per lead (issue 8 §3), as production runs it: the API and the worker are their real entry points
 * in processes of their own (dd-trace instruments modules as Node loads them, which jest's module registry
 * bypasses), pointed at Datadog's test agent by DD_AGENT_HOST / DD_TRACE_AGENT_PORT; real Postgres and Temporal. One
 * lead routed end to end must give one trace: the gateway's HTTP span -> temporal.start_workflow -> a
 * temporal.activity span per activity -> their pg and HTTP client spans, linked by parent ids (the test
 * agent does not check links), tagged with the lead's ids and free of its PII.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-tracing-'));
let agent: TraceAgent;
let services: Service[] = [];
let buyer: http.Server;
const buyerHeaders: http.IncomingHttpHeaders[] = [];
// A webhook URL with a token in its path, as buyers' often are: the token must not reach a span.
const BUYER_PATH = '/hooks/catch/123/SECRETTOKEN42';
let apiUrl: string;
const adminToken = crypto.randomBytes(24).toString('hex');

// The person behind the lead: none of these may appear in any span.
const person = {
  email: `zebulon.quackenbush.${crypto.randomBytes(3).toString('hex')}@outlook.com`,
  phone: '+1 (415) 555-0187',
  firstName: 'Zebulon',
  lastName: 'Quackenbush',
};
const PII = [person.email, person.email.split('@')[0]!, person.firstName, person.lastName, '+14155550187', '4155550187', '555-0187'];

beforeAll(async () => {
  agent = await startTraceAgent(path.join(dir, 'trace-agent.log'));
  const database = await createTestDatabase();
  buyer = http.createServer((req, res) => {
    buyerHeaders.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => buyer.listen(0, '127.0.0.1', resolve));

  const { temporalAddress } = sharedEnv();
  const apiPort = await freePort();
  const taskQueue = `tracing-${crypto.randomBytes(6).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ADMIN_TOKEN: adminToken,
    IDENTITY_HMAC_KEY: 'test-identity-hmac-key-0123456789',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MAINTENANCE_SCHEDULES: 'false',
    // What an operator sets (README): the agent's host and trace port.
    DD_AGENT_HOST: '127.0.0.1',
    DD_TRACE_AGENT_PORT: String(agent.port),
    DD_ENV: 'test',
    DD_TRACE_FLUSH_INTERVAL: '100',
  };
  for (const key of ['DD_SERVICE', 'DD_TRACE_ENABLED', 'DD_TRACE_AGENT_URL']) delete env[key];
  services = [startService('worker', 'workers/main.ts', env, dir), startService('api', 'api/server.ts', env, dir)];
  apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForApi(apiUrl);
  await waitForWorker(temporalAddress, 'default', taskQueue);
}, 180_000);

afterAll(async () => {
  await Promise.all(services.map((s) => stopService(s, 20_000)));
  await new Promise<void>((resolve) => (buyer ? buyer.close(() => resolve()) : resolve()));
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function call(method: string, url: string, token: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const byId = (spans: AgentSpan[]) => new Map(spans.map((s) => [String(s.span_id), s]));
/** The span's ancestors, nearest first, within its trace. */
function ancestors(span: AgentSpan, index: Map<string, AgentSpan>): AgentSpan[] {
  const chain: AgentSpan[] = [];
  for (let p = index.get(String(span.parent_id)); p && chain.length < 100; p = index.get(String(p.parent_id))) chain.push(p);
  return chain;
}
const describeSpan = (s: AgentSpan) => `${s.service} ${s.name} [${s.resource}]`;

/** The trace as an indented tree, for failure messages and the report. */
function tree(spans: AgentSpan[]): string {
  const children = new Map<string, AgentSpan[]>();
  for (const s of spans) children.set(String(s.parent_id), [...(children.get(String(s.parent_id)) ?? []), s]);
  const ids = new Set(spans.map((s) => String(s.span_id)));
  const lines: string[] = [];
  const walk = (s: AgentSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${describeSpan(s)}`);
    for (const c of (children.get(String(s.span_id)) ?? []).sort((a, b) => a.start - b.start)) walk(c, depth + 1);
  };
  for (const root of spans.filter((s) => !ids.has(String(s.parent_id))).sort((a, b) => a.start - b.start)) walk(root, 0);
  return lines.join('\n');
}

test('a routed lead is one trace: HTTP request -> workflow start -> the attempt\'s activity -> each step -> its SQL and HTTP calls, no PII', async () => {
  const source = await call('POST', '/api/admin/workspaces', adminToken, { name: 'Traced source', kind: 'source' });
  const { port } = buyer.address() as AddressInfo;
  const partner = await call('POST', '/api/admin/workspaces', adminToken, { name: 'Traced buyer', kind: 'partner', deliveryUrl: `http://127.0.0.1:${port}${BUYER_PATH}` });
  expect([source.status, partner.status]).toEqual([201, 201]);
  const rule = await call('POST', '/api/admin/rules', adminToken, { name: 'everything', priority: 1, destinations: [{ workspaceId: partner.body.id }] });
  expect(rule.status).toBe(201);

  // Probes are not traced (every few seconds from a load balancer, they would drown the service's traces).
  expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
  expect((await fetch(`${apiUrl}/ready`)).status).toBe(200);

  const routed = await call('POST', '/api/leads/route?wait=10000', source.body.apiKey as string, { externalId: `traced-${Date.now()}`, ...person, state: 'CA' });
  expect(routed).toMatchObject({ status: 200, body: { status: 'routed', result: 'success', destinationWorkspaceId: partner.body.id } });
  const leadId = routed.body.leadId as string;

  // One local activity per attempt (activities/routeAttempt.ts), its three steps as `routing.step` spans under it.
  const STEPS = ['lockAndDecide', 'deliverToBuyer', 'completeRouting'];
  // The API and the worker flush on their own (every 100 ms here); wait until both halves have arrived.
  const { spans, http: httpSpan } = await waitFor('the lead\'s trace at the agent', async () => {
    const all = (await agent.traces()).flat();
    const request = all.find((s) => s.meta['span.kind'] === 'server' && s.resource === 'POST /api/leads/route' && s.meta['lead.id'] === leadId);
    if (!request) return undefined;
    const trace = all.filter((s) => String(s.trace_id) === String(request.trace_id));
    const done = trace.some((s) => s.name === 'temporal.activity' && s.resource === 'routeAttempt') && STEPS.every((a) => trace.some((s) => s.name === 'routing.step' && s.resource === a));
    return done ? { spans: trace, http: request } : undefined;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  const index = byId(spans);
  const shown = tree(spans);
  if (process.env.LR_TRACE_DUMP) fs.writeFileSync(process.env.LR_TRACE_DUMP, JSON.stringify({ tree: shown, spans }, null, 1));

  // The gateway's span is the trace's root, tagged with the lead and its source; no URL path beyond the route.
  expect({ root: httpSpan.parent_id, tree: shown }).toEqual({ root: '0', tree: shown });
  expect(httpSpan.service).toBe('lead-router-api');
  expect(httpSpan.meta).toMatchObject({ 'lead.id': leadId, source_workspace_id: source.body.id, 'http.route': '/api/leads/route', env: 'test' });
  expect(httpSpan.meta['http.url']).toBe(`${apiUrl}/api/leads/route`);

  // The workflow start, under the request.
  const starts = spans.filter((s) => s.name === 'temporal.start_workflow');
  expect(starts).toHaveLength(1);
  const start = starts[0]!;
  expect(ancestors(start, index)).toContain(httpSpan);
  expect(start).toMatchObject({ service: 'lead-router-api', resource: ROUTE_LEAD_WORKFLOW_TYPE });
  expect(start.meta).toMatchObject({ 'lead.id': leadId, source_workspace_id: source.body.id, 'temporal.workflow_id': `route-lead-${leadId}` });

  // The attempt's activity, in the worker, a child of the start (the header the workflow copied).
  const activity = spans.find((s) => s.name === 'temporal.activity' && s.resource === 'routeAttempt')!;
  expect({ found: describeSpan(activity), tree: shown }).toEqual({ found: 'lead-router-worker temporal.activity [routeAttempt]', tree: shown });
  expect(String(activity.parent_id)).toBe(String(start.span_id));
  expect(activity.meta).toMatchObject({ 'lead.id': leadId, source_workspace_id: source.body.id, 'temporal.workflow_id': `route-lead-${leadId}`, 'temporal.local': 'true' });
  expect(activity.metrics['temporal.attempt']).toBe(1);
  expect(activity.meta.destination_workspace_id).toBe(partner.body.id);
  // Each step a child of it, tagged with the lead (the chosen buyer once known), with its SQL under it.
  for (const type of STEPS) {
    const step = spans.find((s) => s.name === 'routing.step' && s.resource === type);
    expect({ type, found: describeSpan(step!), tree: shown }).toEqual({ type, found: `lead-router-worker routing.step [${type}]`, tree: shown });
    expect({ type, parent: String(step!.parent_id) }).toEqual({ type, parent: String(activity.span_id) });
    expect(step!.meta).toMatchObject({ 'lead.id': leadId });
    if (type !== 'completeRouting') expect({ type, destination: step!.meta.destination_workspace_id }).toEqual({ type, destination: partner.body.id });
    const below = spans.filter((s) => ancestors(s, index).includes(step!));
    // The delivery reads nothing: its buyer's target and the lead's payload came with the decision.
    expect({ type, sql: below.some((s) => s.name === 'pg.query' && s.meta['db.type'] === 'postgres') }).toEqual({ type, sql: type !== 'deliverToBuyer' });
    if (type === 'deliverToBuyer') {
      // The signed POST to the buyer, as an HTTP client span whose URL is the buyer's origin only.
      expect(below.some((s) => s.meta['span.kind'] === 'client' && s.meta['http.url'] === `http://127.0.0.1:${port}` && s.meta['http.status_code'] === '200')).toBe(true);
    }
  }

  // No span anywhere (this trace or any other the agent got) carries the person's email, phone or names.
  const received = await agent.traces();
  const everything = JSON.stringify(received);
  expect(received.flat().filter((s) => /^GET \/(health|ready)/.test(s.resource)).map(describeSpan)).toEqual([]);
  for (const value of PII) expect({ value, found: everything.toLowerCase().includes(value.toLowerCase()) }).toEqual({ value, found: false });
  expect(everything).not.toContain('SECRETTOKEN42');
  // No trace context is sent to a third party.
  expect(buyerHeaders.length).toBeGreaterThan(0);
  for (const headers of buyerHeaders) expect(Object.keys(headers).filter((h) => /^(x-datadog-|traceparent|tracestate)/.test(h))).toEqual([]);

  // Log lines written inside a span carry its ids: the worker's routing.complete line names the trace and
  // the completeRouting step's span.
  const complete = spans.find((s) => s.name === 'routing.step' && s.resource === 'completeRouting')!;
  const lines = await waitFor('the worker\'s routing.complete log line', async () => {
    const found = fs.readFileSync(path.join(dir, 'worker.log'), 'utf8').split('\n').filter((l) => l.includes('"routing.complete"') && l.includes(leadId));
    return found.length > 0 ? found : undefined;
  });
  const logged = JSON.parse(lines[0]!) as { dd?: { trace_id?: string; span_id?: string; service?: string } };
  expect(logged.dd).toMatchObject({ span_id: String(complete.span_id), service: 'lead-router-worker' });
  expect(traceIdMatches(logged.dd!.trace_id!, httpSpan)).toBe(true);
}, 120_000);

/** A logged trace id (128-bit hex, or the lower 64 bits in decimal) against the agent's lower 64 bits + `_dd.p.tid`. */
function traceIdMatches(logged: string, span: AgentSpan): boolean {
  const lower = BigInt(String(span.trace_id));
  if (/^\d+$/.test(logged)) return BigInt(logged) === lower;
  const upper = span.meta['_dd.p.tid'] ?? '0000000000000000';
  return logged.toLowerCase() === `${upper}${lower.toString(16).padStart(16, '0')}`.toLowerCase();
}
