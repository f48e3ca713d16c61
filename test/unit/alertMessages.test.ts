// Alert definitions (data checks), message building (runbook link, condition, no PII), the Slack and
// PagerDuty payloads, and the notifiers' errors (no webhook URL, no routing key) — against a local server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildAlertMessage, buildDigestMessage, describeCondition, formatWindow } from '../../lib/alerting/messages';
import { NotifyError, redact } from '../../lib/alerting/notifiers/http';
import { notifiersFromConfig } from '../../lib/alerting/notifiers';
import { pagerDutyNotifier, pagerDutyPayload } from '../../lib/alerting/notifiers/pagerduty';
import { slackNotifier, slackPayload } from '../../lib/alerting/notifiers/slack';
import { CHANNELS_BY_SEVERITY } from '../../lib/alerting/run';
import { ALERT_TIERS } from '../../lib/slo';
import { METRICS } from '../../lib/telemetry/catalog';
import {
  ALERTS, AVAILABILITY_BURN_PAGE_FAST, LEAD_EXPIRATION_DIGEST, RETRY_QUEUE_WORKSPACE_DEPTH_HIGH, ROUTING_FAILURE_SPIKE, THRESHOLD_ALERTS, type ThresholdAlert,
} from '../../monitors/alerts/definitions';
import { RUNBOOKS } from '../../monitors/runbooks';

const BASE = 'https://runbooks.example.test/lead-router';

describe('definitions', () => {
  test('ids are unique snake_case', () => {
    const ids = ALERTS.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  test('the spec\'s seven alerts: 3 critical, 3 warning, 1 info digest, with the spec\'s numbers', () => {
    const spec = ['routing_failure_spike', 'retry_queue_backlog_critical', 'lock_timeout_spike', 'retry_inserts_elevated', 'stale_locks', 'duplicate_rate_high', 'lead_expiration_digest'];
    const found = spec.map((id) => ALERTS.find((a) => a.id === id)!);
    expect(found.map((a) => a.severity)).toEqual(['critical', 'critical', 'critical', 'warning', 'warning', 'warning', 'info']);
    expect(found.slice(0, 6).map((a) => [(a as ThresholdAlert).threshold, (a as ThresholdAlert).windowSeconds])).toEqual([
      [10, 900], [500, 600], [10, 300], [50, 1800], [10, 300], [20, 3600],
    ]);
  });

  test('each key metric threshold is an alert', () => {
    const pairs = THRESHOLD_ALERTS.map((a) => `${a.signal} ${a.comparator} ${a.threshold}`);
    expect(pairs).toEqual(expect.arrayContaining([
      'success_rate_percent < 95', 'retry_queue_depth_avg > 100', 'retry_queue_depth_by_workspace_avg > 50',
      'lock_success_rate_percent < 90', 'stale_locks_avg > 10', 'duplicate_rate_percent > 20', 'latency_p95_ms > 5000', 'expired_leads > 100',
    ]));
  });

  test('one burn-rate alert per tier of the SRE table; pages are critical, the ticket a warning', () => {
    const burn = ALERTS.filter((a) => a.kind === 'burn_rate');
    expect(burn.map((a) => (a.kind === 'burn_rate' ? a.tier : ''))).toEqual(ALERT_TIERS.map((t) => t.id));
    for (const a of burn) {
      const tier = ALERT_TIERS.find((t) => a.kind === 'burn_rate' && t.id === a.tier)!;
      expect(a.severity).toBe(tier.severity === 'page' ? 'critical' : 'warning');
    }
  });

  test.each(THRESHOLD_ALERTS.map((a) => [a.id, a] as const))('%s: its Datadog query ends in its comparator and threshold, and uses catalog metrics only', (_id, a) => {
    expect(a.datadog.query.endsWith(` ${a.comparator} ${a.threshold}`)).toBe(true);
    const metrics = [...a.datadog.query.matchAll(/[a-z0-9]+:(routing\.[a-z_.]+)\{/g)].map((m) => m[1]!);
    expect(metrics.length).toBeGreaterThan(0);
    for (const m of metrics) expect(Object.keys(METRICS)).toContain(m);
    expect(a.datadog.query).not.toMatch(/@/); // no @mentions: routing is by severity
  });

  test('every runbook named exists, and the grouped alert groups by a catalogued tag', () => {
    for (const a of ALERTS) expect(Object.values(RUNBOOKS)).toContain(a.runbook);
    expect(RETRY_QUEUE_WORKSPACE_DEPTH_HIGH.groupBy).toBe('workspace_id');
    expect(RETRY_QUEUE_WORKSPACE_DEPTH_HIGH.datadog.query).toContain('by {workspace_id}');
  });

  test('critical alerts page and post; warnings and info post', () => {
    expect(CHANNELS_BY_SEVERITY).toEqual({ critical: ['pagerduty', 'slack'], warning: ['slack'], info: ['slack'] });
  });
});

describe('messages', () => {
  test('a trigger: severity, title, value against threshold and window, runbook link under the configured base', () => {
    const m = buildAlertMessage({ definition: ROUTING_FAILURE_SPIKE, action: 'trigger', value: 12.3456, group: null, firingSince: '2026-11-29T10:00:00.000Z', runbookBaseUrl: BASE });
    expect(m.summary).toBe('[CRITICAL] FIRING: Lead routing failure rate above 10%');
    expect(m.lines).toEqual(expect.arrayContaining(['Value: 12.35 percent', 'Condition: > 10 percent over 15 min', 'Firing since: 2026-11-29T10:00:00.000Z', `Runbook: ${BASE}/routing-failures.md`]));
    expect(m.runbookUrl).toBe(`${BASE}/routing-failures.md`);
    expect(m.details).toMatchObject({ alert_id: 'routing_failure_spike', value: 12.3456, threshold: 10, workspace_id: null });
  });

  test('a grouped alert names its workspace; a resolve says so and shows the last value', () => {
    const m = buildAlertMessage({ definition: RETRY_QUEUE_WORKSPACE_DEPTH_HIGH, action: 'resolve', value: null, group: 'ws-123', firingSince: null, runbookBaseUrl: BASE });
    expect(m.summary).toBe('[WARNING] RESOLVED: Retry queue depth above 50 items for one workspace (workspace ws-123)');
    expect(m.lines).toEqual(expect.arrayContaining(['Last value: no data rows', 'Workspace: ws-123']));
  });

  test('a burn-rate alert states the factor and both windows of its tier', () => {
    expect(describeCondition(AVAILABILITY_BURN_PAGE_FAST)).toBe('burn rate > 14.4x over both 1h and 5m');
    const m = buildAlertMessage({ definition: AVAILABILITY_BURN_PAGE_FAST, action: 'renotify', value: 20, group: null, firingSince: null, runbookBaseUrl: BASE });
    expect(m.summary).toBe('[CRITICAL] STILL FIRING: Availability SLO burning error budget 14.4x (1 h and 5 m)');
    expect(m.lines[0]).toBe('Burn rate (lower of the two windows): 20x');
    expect(m.details.threshold).toBe(14.4);
  });

  test('every alert\'s message is free of PII, Temporal and Datadog links', () => {
    for (const definition of ALERTS) {
      if (definition.kind === 'digest') continue;
      const m = buildAlertMessage({ definition, action: 'trigger', value: 1, group: null, firingSince: null, runbookBaseUrl: BASE });
      const text = JSON.stringify(m);
      expect(text).not.toMatch(/@|localhost:8233|temporal|datadoghq|app\.datadog/i);
    }
  });

  test('the digest lists counts per source workspace and its runbook', () => {
    const digest = { since: '2026-11-28T09:00:00.000Z', until: '2026-11-29T09:00:00.000Z', total: 3, bySource: [{ sourceWorkspaceId: 'ws-1', name: 'Acme Leads', count: 2 }, { sourceWorkspaceId: 'ws-2', name: 'Beta', count: 1 }] };
    const m = buildDigestMessage(LEAD_EXPIRATION_DIGEST, digest, BASE);
    expect(m.summary).toBe('[INFO] Daily lead expiration report: 3 leads expired in the last 24 h');
    expect(m.lines).toEqual(expect.arrayContaining(['- Acme Leads (ws-1): 2', '- Beta (ws-2): 1', `Runbook: ${BASE}/lead-expirations.md`]));
    const many = { ...digest, bySource: Array.from({ length: 25 }, (_, i) => ({ sourceWorkspaceId: `ws-${i}`, name: `W${i}`, count: 1 })) };
    expect(buildDigestMessage(LEAD_EXPIRATION_DIGEST, many, BASE).lines).toContain('- ... and 5 more workspaces');
  });

  test('windows for people', () => {
    expect([formatWindow(300), formatWindow(3600), formatWindow(86400), formatWindow(90)]).toEqual(['5 min', '1 h', '24 h', '90 s']);
  });
});

describe('payloads', () => {
  const message = buildAlertMessage({ definition: ROUTING_FAILURE_SPIKE, action: 'trigger', value: 12, group: null, firingSince: null, runbookBaseUrl: BASE });

  test('PagerDuty Events v2: trigger with dedup_key, payload and runbook link; resolve with only the key', () => {
    expect(pagerDutyPayload('ROUTINGKEY123', { dedupKey: 'routing_failure_spike', action: 'trigger', severity: 'critical', message })).toEqual({
      routing_key: 'ROUTINGKEY123',
      event_action: 'trigger',
      dedup_key: 'routing_failure_spike',
      payload: {
        summary: message.summary, source: 'lead-router', severity: 'critical', component: 'lead-routing',
        custom_details: expect.objectContaining({ alert_id: 'routing_failure_spike', value: 12, threshold: 10 }),
      },
      links: [{ href: `${BASE}/routing-failures.md`, text: 'Runbook' }],
    });
    expect(pagerDutyPayload('K', { dedupKey: 'd', action: 'renotify', severity: 'warning', message }).event_action).toBe('trigger');
    expect(pagerDutyPayload('ROUTINGKEY123', { dedupKey: 'routing_failure_spike', action: 'resolve', severity: 'critical', message })).toEqual({
      routing_key: 'ROUTINGKEY123', event_action: 'resolve', dedup_key: 'routing_failure_spike',
    });
  });

  test('Slack: text fallback with everything, blocks with the summary and the runbook link (mrkdwn escaped)', () => {
    const p = slackPayload({ dedupKey: 'x', action: 'trigger', severity: 'critical', message: { ...message, lines: ['a < b & c', `Runbook: ${BASE}/x.md`] } });
    expect(p.text).toBe(`${message.summary}\na &lt; b &amp; c\nRunbook: ${BASE}/x.md`);
    // A digest line naming a workspace called "<!channel>" must not ping the channel from the fallback text.
    const digest = slackPayload({ dedupKey: 'x', action: 'trigger', severity: 'info', message: { ...message, lines: ['- <!channel> (ws-1): 3'] } });
    expect(digest.text).not.toContain('<!channel>');
    expect(JSON.stringify(digest.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(p.blocks)).toContain('a &lt; b &amp; c');
    expect(JSON.stringify(p.blocks)).toContain(`<${message.runbookUrl}|Runbook>`);
  });

  test('notifiers from config: only the channels set', () => {
    expect(notifiersFromConfig({ ALERT_PAGERDUTY_EVENTS_URL: 'https://x' }).map((n) => n.channel)).toEqual([]);
    expect(notifiersFromConfig({ ALERT_SLACK_WEBHOOK_URL: 'https://hooks', ALERT_PAGERDUTY_ROUTING_KEY: 'abcdefgh', ALERT_PAGERDUTY_EVENTS_URL: 'https://x' }).map((n) => n.channel)).toEqual(['pagerduty', 'slack']);
  });
});

describe('notifier errors carry no secret', () => {
  let server: http.Server;
  let base: string;
  let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: 'ok' };
  const received: Array<{ url: string; body: unknown }> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += String(c)));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: JSON.parse(body) });
        setTimeout(() => res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const alert = { dedupKey: 'routing_failure_spike', action: 'trigger' as const, severity: 'critical' as const, message: buildAlertMessage({ definition: ROUTING_FAILURE_SPIKE, action: 'trigger', value: 12, group: null, firingSince: null, runbookBaseUrl: BASE }) };

  test('a 2xx is delivered; the webhook gets the payload', async () => {
    answer = { status: 200, body: 'ok' };
    await slackNotifier(`${base}/services/T000/B000/SECRETTOKEN`).send(alert);
    expect(received.at(-1)).toMatchObject({ url: '/services/T000/B000/SECRETTOKEN', body: { text: expect.stringContaining('FIRING') } });
  });

  test('an HTTP error names the status, not the webhook path (even when the body echoes it)', async () => {
    answer = { status: 500, body: 'failed for /services/T000/B000/SECRETTOKEN' };
    const err = await slackNotifier(`${base}/services/T000/B000/SECRETTOKEN`).send(alert).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(String((err as Error).message)).toMatch(/^slack: HTTP 500/);
    expect(String((err as Error).message)).not.toContain('SECRETTOKEN');
  });

  test('PagerDuty errors never contain the routing key, even echoed by the server', async () => {
    answer = { status: 400, body: '{"status":"invalid event","message":"bad key R0UT1NGKEYSECRET"}' };
    const err = (await pagerDutyNotifier('R0UT1NGKEYSECRET', `${base}/v2/enqueue`).send(alert).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^pagerduty: HTTP 400/);
    expect(err.message).not.toContain('R0UT1NGKEYSECRET');
    expect(received.at(-1)!.body).toMatchObject({ routing_key: 'R0UT1NGKEYSECRET', dedup_key: 'routing_failure_spike' });
  });

  test('a server that does not answer in time: a timeout error', async () => {
    answer = { status: 200, body: 'ok', delayMs: 1000 };
    const err = (await slackNotifier(`${base}/services/SECRETTOKEN`, 100).send(alert).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('slack: timeout after 100 ms');
  });

  test('nothing listening: a network error code, no address path', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = (await slackNotifier(`http://127.0.0.1:${port}/services/SECRETTOKEN`).send(alert).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('slack: network error ECONNREFUSED');
  });

  test('redact removes every occurrence, longest secret first; too-short values are left (they would mangle text)', () => {
    expect(redact('a SECRET b SECRET1', ['SECRET', 'SECRET1'])).toBe('a [redacted] b [redacted]');
    expect(redact('a b c', ['a'])).toBe('a b c');
  });
});
