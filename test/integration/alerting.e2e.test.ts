import { Context } from '@temporalio/activity';
import crypto from 'node:crypto';
import http from 'node:http';
import { freePort } from '../../scripts/local/freePort';
import { createWorkspace } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Alerting end to end (issue 9 §2 "must show"): local capture servers stand in for Slack and PagerDuty; a
 * real worker runs the real sloReport workflow (started directly, several times) against seeded data that
 * makes CRITICAL alerts fire. PagerDuty gets exactly one `trigger` per dedup_key and Slack one message per
 * alert while they stay firing over 3 evaluations; cleared, exactly one `resolve`; a notifier answering 500
 * or not listening does not fail the workflow and is retried by the next run; the daily digest goes out
 * through Slack once, even when its activity is retried.
 */
interface Capture {
  port: number;
  received: Array<{ path: string; body: Record<string, unknown> }>;
  status: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function captureServer(): Promise<Capture> {
  const port = await freePort();
  const capture: Capture = {
    port,
    received: [],
    status: 200,
    stop: async () => undefined,
    start: async () => undefined,
  };
  let server: http.Server | undefined;
  capture.start = async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += String(c)));
      req.on('end', () => {
        // An outage (500) is not a delivery: only accepted posts are recorded as received.
        if (capture.status < 300) capture.received.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(capture.status, { 'content-type': 'text/plain' }).end(capture.status < 300 ? 'ok' : 'internal_error');
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  };
  capture.stop = async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  };
  await capture.start();
  return capture;
}

const ROUTING_KEY = 'e2eR0utingKey0123456789abcdef012';
let stack: TestStack;
let slack: Capture;
let pagerduty: Capture;
let source: string;
let digestAttempts = 0;

beforeAll(async () => {
  [slack, pagerduty] = await Promise.all([captureServer(), captureServer()]);
  stack = await startTestStack({
    ALERT_SLACK_WEBHOOK_URL: `http://127.0.0.1:${slack.port}/services/T000/B000/e2eSlackSecret`,
    ALERT_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    ALERT_PAGERDUTY_EVENTS_URL: `http://127.0.0.1:${pagerduty.port}/v2/enqueue`,
  });
  // The digest activity's first attempt "loses its result" after it ran: Temporal retries it.
  await stack.startWorker({
    activities: (base) => ({
      ...base,
      sendExpirationDigest: async (...args: unknown[]) => {
        const result = await (base.sendExpirationDigest as (...a: unknown[]) => Promise<unknown>)(...args);
        digestAttempts += 1;
        if (Context.current().info.attempt === 1) throw new Error('test: the result of the first attempt was lost');
        return result;
      },
    }),
  });
  source = (await createWorkspace(stack, { name: 'Alerting source', kind: 'source' })).id;
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([slack?.stop(), pagerduty?.stop()]);
});

/** `n` failed final decisions written a minute ago: the failure rate over 15 min (and every burn rate) is 100 %. */
async function seedFailures(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const [lead] = await stack.db('leads')
      .insert({ source_workspace_id: source, external_id: crypto.randomUUID(), email_hash: crypto.randomUUID(), payload: '{}', expires_at: stack.db.raw("now() + interval '90 days'") })
      .returning('id');
    await stack.db('lead_routing_logs').insert({
      lead_id: lead.id, workspace_id: source, routing_result: 'failed', duration_ms: 5, attempt: 1, lock_owner_id: 'seed', created_at: stack.db.raw("now() - interval '1 minute'"),
    });
  }
}

let runs = 0;
/** One run of the real sloReport workflow, to completion. */
async function sloReport(): Promise<{ alerts: { firing: string[]; sent: number; failed: number; skipped: boolean } }> {
  runs += 1;
  return stack.client.workflow.execute('sloReport', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `slo-report-e2e-${runs}-${crypto.randomUUID()}` });
}

const pdEvents = (dedupKey: string, action: string) => pagerduty.received.filter((r) => r.body.dedup_key === dedupKey && r.body.event_action === action);
const slackPosts = (text: string) => slack.received.filter((r) => String(r.body.text).includes(text));
const CRITICAL_KEYS = ['routing_failure_spike', 'availability_burn_page_fast', 'availability_burn_page_slow'];

test('a critical alert fires once, stays quiet over 3 evaluations, shows in the API, and resolves once', async () => {
  await seedFailures(5);
  for (let i = 0; i < 3; i++) {
    const result = await sloReport();
    expect(result.alerts).toMatchObject({ skipped: false, failed: 0 });
    expect(result.alerts.firing).toEqual(expect.arrayContaining(CRITICAL_KEYS));
  }
  for (const key of CRITICAL_KEYS) expect(pdEvents(key, 'trigger')).toHaveLength(1);
  const trigger = pdEvents('routing_failure_spike', 'trigger')[0]!;
  expect(trigger.path).toBe('/v2/enqueue');
  expect(trigger.body).toMatchObject({
    routing_key: ROUTING_KEY,
    payload: { severity: 'critical', source: 'lead-router', summary: '[CRITICAL] FIRING: Lead routing failure rate above 10%', custom_details: { value: 100, threshold: 10 } },
    links: [{ href: 'https://github.com/lead-router/lead-router/blob/main/docs/runbooks/routing-failures.md', text: 'Runbook' }],
  });
  expect(slackPosts('FIRING: Lead routing failure rate above 10%')).toHaveLength(1);
  expect(slackPosts('FIRING: Lead routing success rate below 95%')).toHaveLength(1); // the warning: Slack only
  expect(pagerduty.received.filter((r) => r.body.dedup_key === 'routing_success_rate_low')).toEqual([]);
  expect(slack.received[0]!.path).toBe('/services/T000/B000/e2eSlackSecret');

  const res = await stack.app.inject({ method: 'GET', url: '/api/admin/slo', headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(res.statusCode).toBe(200);
  expect(res.json().alerts).toEqual(expect.arrayContaining([
    { id: 'routing_failure_spike', key: 'routing_failure_spike', workspaceId: null, severity: 'critical', title: 'Lead routing failure rate above 10%', status: 'firing', firingSince: expect.any(String), value: 100, threshold: 10, runbookUrl: 'https://github.com/lead-router/lead-router/blob/main/docs/runbooks/routing-failures.md' },
  ]));

  await stack.db('lead_routing_logs').delete();
  for (let i = 0; i < 2; i++) await sloReport();
  for (const key of CRITICAL_KEYS) {
    expect(pdEvents(key, 'resolve')).toHaveLength(1);
    expect(pdEvents(key, 'trigger')).toHaveLength(1);
  }
  expect(pdEvents('routing_failure_spike', 'resolve')[0]!.body).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'routing_failure_spike' });
  expect(slackPosts('RESOLVED: Lead routing failure rate above 10%')).toHaveLength(1);
  const after = await stack.app.inject({ method: 'GET', url: '/api/admin/slo', headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(after.json().alerts).toEqual([]);
  // Nothing sent carries a person's data.
  expect(JSON.stringify([...slack.received, ...pagerduty.received].map((r) => r.body))).not.toMatch(/@|email|phone/i);
});

test('PagerDuty answering 500 and Slack not listening do not fail the workflow; the next run delivers', async () => {
  const pdBefore = pdEvents('routing_failure_spike', 'trigger').length;
  const slackBefore = slackPosts('FIRING: Lead routing failure rate above 10%').length;
  pagerduty.status = 500;
  await slack.stop();
  await seedFailures(5);

  const failedRun = await sloReport(); // completes: the outage is recorded, not thrown
  expect(failedRun.alerts.firing).toContain('routing_failure_spike');
  expect(failedRun.alerts.failed).toBeGreaterThanOrEqual(2);
  const state = await stack.db('alert_states').where({ key: 'routing_failure_spike' }).first();
  expect(state.status).toBe('firing');
  expect(state.channels.pagerduty).toMatchObject({ owed: 'trigger', lastError: 'pagerduty: HTTP 500 (internal_error)' });
  expect(state.channels.slack).toMatchObject({ owed: 'trigger', lastError: 'slack: network error ECONNREFUSED' });
  expect(JSON.stringify(state.channels)).not.toMatch(/e2eSlackSecret|e2eR0utingKey/);
  // The SLO snapshot of that run was stored all the same.
  expect(Number((await stack.db('slo_snapshots').count<{ n: string }[]>('* as n'))[0]!.n)).toBe(runs);

  pagerduty.status = 200;
  await slack.start();
  const retried = await sloReport();
  expect(retried.alerts.failed).toBe(0);
  expect(pdEvents('routing_failure_spike', 'trigger')).toHaveLength(pdBefore + 1);
  expect(slackPosts('FIRING: Lead routing failure rate above 10%')).toHaveLength(slackBefore + 1);
  await sloReport();
  expect(pdEvents('routing_failure_spike', 'trigger')).toHaveLength(pdBefore + 1); // delivered: not sent again
  expect((await stack.db('alert_states').where({ key: 'routing_failure_spike' }).first()).channels.pagerduty).toMatchObject({ owed: null, lastError: null });
  await stack.db('lead_routing_logs').delete();
  await sloReport();
});

test('the daily digest goes out through Slack once, even when its activity is retried and the schedule runs twice', async () => {
  await stack.db('leads').insert({ source_workspace_id: source, external_id: crypto.randomUUID(), email_hash: crypto.randomUUID(), payload: '{}', expires_at: stack.db.raw("now() - interval '1 day'"), routing_status: 'expired', updated_at: stack.db.raw("now() - interval '1 hour'") });
  const first = await stack.client.workflow.execute('expirationDigest', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `digest-e2e-1-${crypto.randomUUID()}` });
  expect(digestAttempts).toBe(2); // the first attempt's result was lost: Temporal ran it again
  expect(first).toMatchObject({ total: 1, notified: 'already_sent' }); // the retry found the day sent
  const second = await stack.client.workflow.execute('expirationDigest', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `digest-e2e-2-${crypto.randomUUID()}` });
  expect(second).toMatchObject({ notified: 'already_sent' });
  const posts = slackPosts('[INFO] Daily lead expiration report');
  expect(posts).toHaveLength(1);
  expect(posts[0]!.body.text).toContain(`- Alerting source (${source}): 1`);
  expect(posts[0]!.body.text).toContain('docs/runbooks/lead-expirations.md');
}, 60_000);
