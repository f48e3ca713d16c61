import crypto from 'node:crypto';
import pino from 'pino';
import { Writable } from 'node:stream';
import { evaluateAlerts } from '../../lib/alerting/evaluate';
import { observe, runAlertEvaluation } from '../../lib/alerting/run';
import { breaches, readAlertSignals } from '../../lib/alerting/signals';
import type { Notifier, OutgoingAlert } from '../../lib/alerting/notifiers';
import { createDb, type Db } from '../../lib/db/createDb';
import { loadAlertStates, withAlertingLock } from '../../lib/store/alertStates';
import { recordLockEvent } from '../../lib/store/lockEvents';
import { THRESHOLD_ALERTS } from '../../monitors/alerts/definitions';
import { waitFor } from '../../scripts/local/waitFor';
import { insertLeadRow, insertWorkspaceRow } from '../support/fixtures';
import { createTestDatabase } from '../support/stack';

/**
 * Every threshold alert's signal (lib/alerting/signals.ts) on a seeded data set, against values computed by
 * hand (issue 9 §2): each row sits at a known distance before one instant AT, so each window's content is
 * known exactly. Then the evaluation run on the real database: states stored, an overlapping run skipped.
 */
const AT = new Date('2026-11-29T12:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(AT.getTime() - ms).toISOString();

let db: Db;
let source: string;
let partner: string;
const wsA = crypto.randomUUID();
const wsB = crypto.randomUUID();

const workspace = (kind: 'source' | 'partner') => insertWorkspaceRow(db, kind);
/** A lead of `source` (unless `fields` says otherwise) that expires 90 days after AT. */
const lead = (fields: Record<string, unknown> = {}) => insertLeadRow(db, { source_workspace_id: source, expires_at: ago(-90 * DAY), ...fields });

async function logRows(result: 'success' | 'duplicate' | 'failed', msAgo: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await db('lead_routing_logs').insert({
      lead_id: await lead(), workspace_id: source, routing_result: result, duration_ms: 10, attempt: 1, lock_owner_id: 'seed',
      destination_workspace_id: result === 'success' ? partner : null, created_at: ago(msAgo),
    });
  }
}

/** A minimal SLO snapshot row: the columns the signals read and the report's per-workspace depths and tiers. */
async function snapshot(msAgo: number, depth: number, staleLocks: number, byWorkspace: Record<string, number>, tiers: unknown[] = []): Promise<void> {
  await db('slo_snapshots').insert({
    computed_at: ago(msAgo), retry_queue_depth: depth, stale_locks: staleLocks,
    report: JSON.stringify({ retryQueue: { byWorkspace }, availability: { tiers } }),
  });
}

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 4 });
  source = await workspace('source');
  partner = await workspace('partner');

  // Decisions: 5 min ago 6 success, 2 duplicate, 2 failed (the 15-min window: 10, 2 failed); 30 min ago 5
  // success, 5 duplicate (the hour: 20, 7 duplicates); 2 h ago 10 failed (outside every window); 1 min AFTER AT, 3 failed.
  await logRows('success', 5 * MIN, 6);
  await logRows('duplicate', 5 * MIN, 2);
  await logRows('failed', 5 * MIN, 2);
  await logRows('success', 30 * MIN, 5);
  await logRows('duplicate', 30 * MIN, 5);
  await logRows('failed', 2 * HOUR, 10);
  await logRows('failed', -MIN, 3);

  // Lock events: 4 timeouts 2 min ago, 1 six minutes ago (outside 5 min); 3 held 2 min ago, 1 twenty minutes ago (outside 15 min).
  const event = (kind: string, msAgo: number) => db('routing_lock_events').insert({ kind, lead_id: crypto.randomUUID(), occurred_at: ago(msAgo) });
  for (let i = 0; i < 4; i++) await event('timeout', 2 * MIN);
  await event('timeout', 6 * MIN);
  for (let i = 0; i < 3; i++) await event('held', 2 * MIN);
  await event('held', 20 * MIN);

  // Snapshots (depth, stale locks, per workspace) at 1, 2, 3, 4, 6, 8 and 12 minutes before AT.
  await snapshot(1 * MIN, 100, 10, { [wsA]: 60, [wsB]: 10 }, [{ id: 'page_fast', longRate: 20, shortRate: 30, firing: true }, { id: 'page_slow', longRate: 7, shortRate: 2, firing: false }]);
  await snapshot(2 * MIN, 200, 20, { [wsA]: 40 });
  await snapshot(3 * MIN, 300, 0, {});
  await snapshot(4 * MIN, 400, 30, { [wsA]: 80, [wsB]: 30 });
  await snapshot(6 * MIN, 600, 100, { [wsB]: 999 });
  await snapshot(8 * MIN, 800, 100, {});
  await snapshot(12 * MIN, 1200, 100, {});

  // Retry inserts: 3 rows created 10 min ago, 2 created 40 min ago (outside 30 min).
  for (const [msAgo, n] of [[10 * MIN, 3], [40 * MIN, 2]] as const) {
    for (let i = 0; i < n; i++) {
      await db('lead_routing_queue').insert({ lead_id: await lead(), workspace_id: source, attempt_number: 1, next_retry_at: ago(-HOUR), created_at: ago(msAgo) });
    }
  }

  // Latency: 20 leads routed 10 min ago taking 100, 200 … 2000 ms; one routed 2 h ago taking 99 s (outside).
  for (let i = 1; i <= 20; i++) {
    await lead({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: partner, routed_at: ago(10 * MIN), created_at: ago(10 * MIN + i * 100) });
  }
  await lead({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: partner, routed_at: ago(2 * HOUR), created_at: ago(2 * HOUR + 99_000) });

  // Expired: 1 h and 23 h ago (inside 24 h), 2 days ago (outside).
  for (const when of [HOUR, 23 * HOUR, 2 * DAY]) await lead({ routing_status: 'expired', updated_at: ago(when) });
});

afterAll(async () => {
  await db?.destroy();
});

test('every threshold alert\'s signal equals the hand-computed value', async () => {
  const signals = await readAlertSignals(db, THRESHOLD_ALERTS, AT);
  const value = (id: string) => signals.get(id);
  // failed / decisions over 15 min: 2 / 10.
  expect(value('routing_failure_spike')).toEqual([{ group: null, value: 20 }]);
  // (success + duplicate) / decisions over 15 min: 8 / 10.
  expect(value('routing_success_rate_low')).toEqual([{ group: null, value: 80 }]);
  // duplicates / decisions over 1 h: 7 / 20.
  expect(value('duplicate_rate_high')).toEqual([{ group: null, value: 35 }]);
  // Depth samples in 10 min: 100, 200, 300, 400, 600, 800 -> 400; in 5 min: 100 … 400 -> 250.
  expect(value('retry_queue_backlog_critical')).toEqual([{ group: null, value: 400 }]);
  expect(value('retry_queue_depth_high')).toEqual([{ group: null, value: 250 }]);
  // Per workspace over 5 min, over the samples where it had due rows: A (60 + 40 + 80) / 3, B (10 + 30) / 2.
  expect(value('retry_queue_workspace_depth_high')).toEqual(expect.arrayContaining([{ group: wsA, value: 60 }, { group: wsB, value: 20 }]));
  expect(value('retry_queue_workspace_depth_high')).toHaveLength(2);
  // Stale-lock samples in 5 min: 10, 20, 0, 30 -> 15.
  expect(value('stale_locks')).toEqual([{ group: null, value: 15 }]);
  // Rows created in 30 min: 3.
  expect(value('retry_inserts_elevated')).toEqual([{ group: null, value: 3 }]);
  // Timeouts in 5 min: 4.
  expect(value('lock_timeout_spike')).toEqual([{ group: null, value: 4 }]);
  // decisions / (decisions + held) over 15 min: 10 / 13.
  expect(value('lock_success_rate_low')![0]!.value).toBeCloseTo((10 / 13) * 100, 10);
  // p95 of 100 … 2000 ms (percentile_cont): 1900 + 0.05 × 100 = 1905.
  expect(value('routing_latency_p95_high')![0]!.value).toBeCloseTo(1905, 6);
  // Expired in 24 h: 2.
  expect(value('lead_expirations_high')).toEqual([{ group: null, value: 2 }]);
  expect(signals.size).toBe(THRESHOLD_ALERTS.length);
});

test('which of them breach at AT, and the burn-rate tiers read from the latest snapshot', async () => {
  const observations = await observe(db, AT);
  const firing = observations.filter((o) => o.breached).map((o) => (o.group === wsA ? `${o.alertId}:A` : o.alertId)).sort();
  expect(firing).toEqual([
    'availability_burn_page_fast', // tier firing in the snapshot of 1 min ago
    'lock_success_rate_low', // 76.9 % < 90
    'duplicate_rate_high', // 35 % > 20
    'retry_queue_depth_high', // 250 > 100
    'retry_queue_workspace_depth_high:A', // 60 > 50 (B: 20, not)
    'routing_failure_spike', // 20 % > 10
    'routing_success_rate_low', // 80 % < 95
    'stale_locks', // 15 > 10
  ].sort());
  // page_fast shows the lower of its two windows' rates; page_slow does not fire; ticket_slow has no row -> no data.
  expect(observations.find((o) => o.alertId === 'availability_burn_page_fast')).toMatchObject({ value: 20, breached: true });
  expect(observations.find((o) => o.alertId === 'availability_burn_page_slow')).toMatchObject({ value: 2, breached: false });
  expect(observations.find((o) => o.alertId === 'availability_burn_ticket_slow')).toMatchObject({ value: null, breached: false });
  // Not breached: backlog 400 <= 500, timeouts 4 <= 10, inserts 3 <= 50, p95 1905 <= 5000, expired 2 <= 100.
  const backlog = THRESHOLD_ALERTS.find((a) => a.id === 'retry_queue_backlog_critical')!;
  expect([breaches(backlog, 500), breaches(backlog, 500.01), breaches(backlog, null)]).toEqual([false, true, false]);
});

test('a window with no data gives null (no decisions long before the seed), which never breaches', async () => {
  const signals = await readAlertSignals(db, THRESHOLD_ALERTS, new Date(AT.getTime() - 300 * DAY));
  expect(signals.get('routing_failure_spike')).toEqual([{ group: null, value: null }]);
  expect(signals.get('retry_queue_depth_high')).toEqual([{ group: null, value: null }]);
  expect(signals.get('routing_latency_p95_high')).toEqual([{ group: null, value: null }]);
  expect(signals.get('retry_queue_workspace_depth_high')).toEqual([]);
  expect(signals.get('lead_expirations_high')).toEqual([{ group: null, value: 0 }]);
  // No SLO snapshot in the 5 minutes before: the burn rates are unknown, so no burn-rate observation at all.
  expect((await observe(db, new Date(AT.getTime() - 300 * DAY))).filter((o) => o.alertId.startsWith('availability_burn'))).toEqual([]);
});

describe('the evaluation run on the real database', () => {
  const sent: OutgoingAlert[] = [];
  const recorder = (channel: 'slack' | 'pagerduty'): Notifier => ({ channel, send: async (a) => void sent.push(a) });
  const deps = () => ({ db, log: pino({ level: 'silent' }), notifiers: [recorder('pagerduty'), recorder('slack')], renotifyMinutes: 60, runbookBaseUrl: 'https://rb.example.test', secrets: [] });

  test('stores a state per instance and sends each firing alert once per channel; a second run sends nothing', async () => {
    const first = await runAlertEvaluation(deps(), AT);
    expect(first).toMatchObject({ skipped: false, failed: 0, channelsSkipped: [] });
    expect(first.firing).toContain(`retry_queue_workspace_depth_high:${wsA}`);
    // critical (failure spike, page_fast burn) -> 2 channels each; 6 warnings -> Slack only.
    expect(sent.filter((a) => a.severity === 'critical').map((a) => a.dedupKey).sort()).toEqual(['availability_burn_page_fast', 'availability_burn_page_fast', 'routing_failure_spike', 'routing_failure_spike']);
    expect(first.sent).toBe(sent.length);
    expect(sent.length).toBe(2 * 2 + 6);
    const states = await loadAlertStates(db);
    expect(states.find((s) => s.key === 'routing_failure_spike')).toMatchObject({ status: 'firing', firingSince: AT.toISOString(), lastValue: 20 });
    expect(states.find((s) => s.key === 'retry_queue_backlog_critical')).toMatchObject({ status: 'ok', lastValue: 400, firingSince: null });

    sent.length = 0;
    const second = await runAlertEvaluation(deps(), new Date(AT.getTime() + 1000));
    expect(second.sent).toBe(0);
    expect(sent).toEqual([]);
  });

  test('an evaluation overlapping another (lock held) skips and changes nothing', async () => {
    const before = await loadAlertStates(db);
    let inner: Awaited<ReturnType<typeof runAlertEvaluation>> | undefined;
    await withAlertingLock(db, async () => {
      inner = await runAlertEvaluation(deps(), new Date(AT.getTime() + 2 * HOUR)); // everything would clear by then
    });
    expect(inner).toMatchObject({ skipped: true, sent: 0 });
    expect(await loadAlertStates(db)).toEqual(before);
    // The evaluator itself is pure: the same stored states give the same decisions.
    expect(evaluateAlerts({ observations: [], previous: before, channelsFor: () => [], evaluatedIds: new Set(), now: AT, renotifyMs: 1 }).notifications).toEqual([]);
  });
});

describe('routing lock events', () => {
  test('recorded with the lead\'s workspace; a failing insert is logged, never thrown', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } }));
    const leadId = await lead();
    await recordLockEvent(db, log, 'held', leadId);
    expect(await db('routing_lock_events').where({ lead_id: leadId }).select('kind', 'workspace_id')).toEqual([{ kind: 'held', workspace_id: source }]);
    await expect(recordLockEvent(db, log, 'timeout', 'not-a-uuid')).resolves.toBeUndefined();
    const line = await waitFor('the failure logged', async () => lines.find((l) => l.event === 'alerting.lock_event_failed'));
    expect(line).toMatchObject({ kind: 'timeout', level: 40 });
  });
});
