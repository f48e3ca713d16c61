import { createDb, type Db } from '../../lib/db/createDb';
import { buildSloReport } from '../../lib/slo';
import { readSloSignals } from '../../lib/store/sloSignals';
import { insertLeadRow, insertWorkspaceRow } from '../support/fixtures';
import { createTestDatabase } from '../support/stack';

/**
 * The SLO signals on a seeded data set, against values computed by hand (issue 9 §1 "must show"): every
 * row is placed at a known distance from one instant `AT`, so each window's counts are known exactly.
 */
const AT = new Date('2026-11-29T12:00:00.000Z');
const ago = (ms: number) => new Date(AT.getTime() - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let db: Db;
let source: string;
let source2: string;
let partner: string;

const workspace = (kind: 'source' | 'partner') => insertWorkspaceRow(db, kind);
/** A lead of `source` (unless `fields` says otherwise) that expires 90 days after AT. */
const lead = (fields: Record<string, unknown> = {}) => insertLeadRow(db, { source_workspace_id: source, expires_at: ago(-90 * DAY), ...fields });

/** One lead_routing_logs row (and its lead) with `result`, written `msAgo` before AT. */
async function logRow(result: 'success' | 'duplicate' | 'failed', msAgo: number): Promise<void> {
  const leadId = await lead();
  await db('lead_routing_logs').insert({
    lead_id: leadId, workspace_id: source, routing_result: result, duration_ms: 10, attempt: 1, lock_owner_id: 'seed',
    destination_workspace_id: result === 'success' ? partner : null, created_at: ago(msAgo),
  });
}

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 4 });
  source = await workspace('source');
  source2 = await workspace('source');
  partner = await workspace('partner');

  // Outcomes: 2 success + 1 failed 3 min ago; 1 duplicate 20 min ago; 1 failed 90 min ago; 4 success 2 days
  // ago; 2 failed 10 days ago; 5 failed 31 days ago (outside every window); 1 success 1 min AFTER `AT`.
  for (const [result, msAgo, n] of [
    ['success', 3 * MIN, 2], ['failed', 3 * MIN, 1], ['duplicate', 20 * MIN, 1], ['failed', 90 * MIN, 1],
    ['success', 2 * DAY, 4], ['failed', 10 * DAY, 2], ['failed', 31 * DAY, 5], ['success', -MIN, 1],
  ] as const) {
    for (let i = 0; i < n; i++) await logRow(result, msAgo);
  }

  // Latency: 20 leads routed in the last hour taking 100, 200 … 2000 ms; one routed 2 h ago taking 99 s (outside).
  for (let i = 1; i <= 20; i++) {
    const routedAt = ago(10 * MIN);
    await lead({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: partner, routed_at: routedAt, created_at: new Date(Date.parse(routedAt) - i * 100).toISOString() });
  }
  await lead({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: partner, routed_at: ago(2 * HOUR), created_at: ago(2 * HOUR + 99_000) });

  // Retry queue: 3 due rows of `source`, 1 due of `source2`, 1 not yet due, 1 due but processed.
  const due = async (workspaceId: string, nextRetryAt: string, processed = false) =>
    db('lead_routing_queue').insert({ lead_id: await lead({ source_workspace_id: workspaceId }), workspace_id: workspaceId, attempt_number: 1, next_retry_at: nextRetryAt, processed_at: processed ? ago(MIN) : null });
  for (let i = 0; i < 3; i++) await due(source, ago(5 * MIN));
  await due(source2, ago(1 * MIN));
  await due(source, ago(-10 * MIN));
  await due(source, ago(5 * MIN), true);

  // Locks: 2 held for 10 minutes (stale at 300 s), 1 held for 1 minute.
  for (const held of [10 * MIN, 10 * MIN, MIN]) await lead({ routing_status: 'routing', routing_lock_owner: 'w/r', routing_locked_at: ago(held) });

  // Expired: 2 in the last 24 h, 1 two days ago.
  for (const when of [HOUR, 23 * HOUR, 2 * DAY]) await lead({ routing_status: 'expired', updated_at: ago(when) });
});

afterAll(async () => {
  await db?.destroy();
});

test('outcome counts per window: good = success + duplicate, bad = failed, nothing after AT or older than 30 days', async () => {
  const { outcomes } = await readSloSignals(db, { at: AT, staleSeconds: 300 });
  expect(outcomes).toEqual({
    '5m': { good: 2, bad: 1, duplicates: 0 },
    '30m': { good: 3, bad: 1, duplicates: 1 },
    '1h': { good: 3, bad: 1, duplicates: 1 },
    '2h': { good: 3, bad: 2, duplicates: 1 },
    '6h': { good: 3, bad: 2, duplicates: 1 },
    '24h': { good: 3, bad: 2, duplicates: 1 },
    '3d': { good: 7, bad: 2, duplicates: 1 },
    '30d': { good: 7, bad: 4, duplicates: 1 },
  });
});

test('p95 created -> routed over the last hour, queue depth total and per source, stale locks, expirations', async () => {
  const s = await readSloSignals(db, { at: AT, staleSeconds: 300 });
  // percentile_cont(0.95) over 100, 200 … 2000: position 0.95 × 19 = 18.05 → 1900 + 0.05 × 100 = 1905 ms.
  expect(s.latencyP95Ms1h).toBe(1905);
  expect(s.routedLastHour).toBe(20);
  expect(s.retryQueueDepth).toBe(4);
  expect(s.retryQueueDepthByWorkspace).toEqual({ [source]: 3, [source2]: 1 });
  expect(s.staleLocks).toBe(2);
  expect(s.expirations24h).toBe(2);
});

test('an empty hour has no p95', async () => {
  const s = await readSloSignals(db, { at: new Date(AT.getTime() - 40 * DAY), staleSeconds: 300 });
  expect(s.latencyP95Ms1h).toBeNull();
  expect(s.outcomes['30d']).toEqual({ good: 0, bad: 0, duplicates: 0 });
});

test('the SLO report on the seeded set: availability, budget, burn rates and tiers, by hand', async () => {
  const report = buildSloReport(await readSloSignals(db, { at: AT, staleSeconds: 300 }));
  // Burn rate = (bad / total) / (1 - 0.999): 5m 1/3 → 333.3333; 30m and 1h 1/4 → 250; 2h, 6h, 24h 2/5 → 400;
  // 3d 2/9 → 222.2222. Over 30 days 7 good, 4 bad: 7/11 = 63.6364 %; budget 11 × 0.001 = 0.011 events,
  // remaining 1 - 4 / 0.011 = -362.6364 (overspent).
  expect(report.availability).toMatchObject({
    objective: 0.999,
    percent30d: 63.6364,
    good30d: 7,
    bad30d: 4,
    errorBudgetRemaining: -362.6364,
    met: false,
    burnRates: { '5m': 333.3333, '30m': 250, '1h': 250, '2h': 400, '6h': 400, '24h': 400, '3d': 222.2222 },
  });
  // Every tier's two windows are above its factor (14.4 over 1h and 5m; 6 over 6h and 30m; 1 over 3d and 6h).
  expect(report.availability.tiers.map((t) => [t.id, t.long, t.short, t.factor, t.firing])).toEqual([
    ['page_fast', '1h', '5m', 14.4, true],
    ['page_slow', '6h', '30m', 6, true],
    ['ticket_slow', '3d', '6h', 1, true],
  ]);
  expect(report.latency).toEqual({ thresholdMs: 2000, p95Ms1h: 1905, routedLastHour: 20, met: true, noData: false });
  expect(report.retryQueue).toMatchObject({ threshold: 100, depth: 4, met: true });
  expect(report.duplicateRatePercent1h).toBe(25); // 1 duplicate of 4 decisions in the hour
  expect(report.staleLocks).toBe(2);
});
