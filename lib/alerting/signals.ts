/**
 * The local evaluator's measurements (issue 9 §2): every threshold alert's signal, read from Postgres over
 * the alert's window ending at `at`, with the same meaning as its Datadog query (monitors/alerts/definitions.ts
 * says, per signal, which table and how). Each signal returns one value (or one per workspace for a grouped
 * alert); null = no data in the window (no decisions, no snapshot, no routed lead), which never fires.
 *
 * Sources and how they match the Datadog metrics:
 *  - lead_routing_logs: one row per final decision (routing.logs.total / routing.leads_routed), its
 *    routing_result giving failed (routing.logs.failed) and duplicate (routing.duplicates_caught).
 *  - slo_snapshots: one row per minute from the SLO report, the same samples the gauges routing.retry_queue.depth
 *    and routing.stale_locks send; Datadog's `avg(last_Nm)` of a gauge = the average of the samples in the window.
 *    Per workspace: the average over the samples where the workspace had due rows (a workspace without due
 *    rows sends no series, so Datadog averages only the points it has).
 *  - lead_routing_queue: rows created in the window (routing.retry_queue.inserts; a re-scheduled attempt that
 *    updates its row is not counted again).
 *  - routing_lock_events (migration 0010): `timeout` rows (routing.lock.timeout_errors) and `held` rows
 *    (routing.lock.failed, once per lead).
 *  - Lock success rate: Datadog's acquired / (acquired + failed) needs a row per acquisition, which the hot
 *    path does not write; locally it is decisions / (decisions + held) — every lead that takes its lock ends
 *    in one decision. It differs while leads are mid-routing and when a taken-over stale lock re-decides nothing.
 *  - leads: p95 of routed_at − created_at over leads routed in the window (routing.latency), and leads that
 *    became expired in the window (updated_at; routing.leads_expired).
 */
import type { Db } from '../db/createDb';
import type { AlertSignalId, ThresholdAlert } from '../../monitors/alerts/definitions';

export interface SignalValue {
  group: string | null;
  value: number | null;
}

interface Window {
  since: string;
  until: string;
}

type SignalReader = (db: Db, w: Window) => Promise<SignalValue[]>;

const one = (value: number | null): SignalValue[] => [{ group: null, value }];
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const percent = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

async function decisions(db: Db, { since, until }: Window): Promise<{ total: number; failed: number; duplicate: number }> {
  const row = (
    await db.raw(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE routing_result = 'failed') AS failed,
              count(*) FILTER (WHERE routing_result = 'duplicate') AS duplicate
         FROM lead_routing_logs
        WHERE created_at > ?::timestamptz AND created_at <= ?::timestamptz`,
      [since, until],
    )
  ).rows[0];
  return { total: Number(row.total), failed: Number(row.failed), duplicate: Number(row.duplicate) };
}

async function lockEvents(db: Db, kind: 'timeout' | 'held', { since, until }: Window): Promise<number> {
  const row = (
    await db.raw(`SELECT count(*) AS n FROM routing_lock_events WHERE kind = ? AND occurred_at > ?::timestamptz AND occurred_at <= ?::timestamptz`, [kind, since, until])
  ).rows[0];
  return Number(row.n);
}

async function snapshotAverage(db: Db, column: 'retry_queue_depth' | 'stale_locks', { since, until }: Window): Promise<number | null> {
  const row = (
    await db.raw(`SELECT avg(${column}) AS v FROM slo_snapshots WHERE computed_at > ?::timestamptz AND computed_at <= ?::timestamptz`, [since, until])
  ).rows[0];
  return num(row.v);
}

const READERS: Record<AlertSignalId, SignalReader> = {
  async failure_rate_percent(db, w) {
    const d = await decisions(db, w);
    return one(percent(d.failed, d.total));
  },
  async success_rate_percent(db, w) {
    const d = await decisions(db, w);
    return one(percent(d.total - d.failed, d.total));
  },
  async duplicate_rate_percent(db, w) {
    const d = await decisions(db, w);
    return one(percent(d.duplicate, d.total));
  },
  async retry_queue_depth_avg(db, w) {
    return one(await snapshotAverage(db, 'retry_queue_depth', w));
  },
  async stale_locks_avg(db, w) {
    return one(await snapshotAverage(db, 'stale_locks', w));
  },
  async retry_queue_depth_by_workspace_avg(db, { since, until }) {
    const rows = (
      await db.raw(
        `SELECT e.key AS workspace_id, avg(e.value::numeric) AS v
           FROM slo_snapshots s, jsonb_each_text(s.report -> 'retryQueue' -> 'byWorkspace') e
          WHERE s.computed_at > ?::timestamptz AND s.computed_at <= ?::timestamptz
          GROUP BY e.key
          ORDER BY e.key`,
        [since, until],
      )
    ).rows as Array<{ workspace_id: string; v: string }>;
    return rows.map((r) => ({ group: r.workspace_id, value: Number(r.v) }));
  },
  async retry_queue_inserts(db, { since, until }) {
    const row = (await db.raw(`SELECT count(*) AS n FROM lead_routing_queue WHERE created_at > ?::timestamptz AND created_at <= ?::timestamptz`, [since, until])).rows[0];
    return one(Number(row.n));
  },
  async lock_timeouts(db, w) {
    return one(await lockEvents(db, 'timeout', w));
  },
  async lock_success_rate_percent(db, w) {
    const [d, held] = await Promise.all([decisions(db, w), lockEvents(db, 'held', w)]);
    return one(percent(d.total, d.total + held));
  },
  async latency_p95_ms(db, { since, until }) {
    const row = (
      await db.raw(
        `SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM routed_at - created_at) * 1000) AS p95
           FROM leads
          WHERE routing_status = 'routed' AND routed_at > ?::timestamptz AND routed_at <= ?::timestamptz`,
        [since, until],
      )
    ).rows[0];
    return one(num(row.p95));
  },
  async expired_leads(db, { since, until }) {
    const row = (
      await db.raw(`SELECT count(*) AS n FROM leads WHERE routing_status = 'expired' AND updated_at > ?::timestamptz AND updated_at <= ?::timestamptz`, [since, until])
    ).rows[0];
    return one(Number(row.n));
  },
};

/** One signal over `windowSeconds` ending at `at`. */
export async function readSignal(db: Db, signal: AlertSignalId, windowSeconds: number, at: Date): Promise<SignalValue[]> {
  const reader = READERS[signal];
  if (!reader) throw new Error(`unknown alert signal ${String(signal)}`);
  return reader(db, { since: new Date(at.getTime() - windowSeconds * 1000).toISOString(), until: at.toISOString() });
}

/** Every threshold alert's values at `at`, by alert id. Sequential: a dozen small indexed queries. */
export async function readAlertSignals(db: Db, alerts: readonly ThresholdAlert[], at: Date): Promise<Map<string, SignalValue[]>> {
  const out = new Map<string, SignalValue[]>();
  for (const a of alerts) out.set(a.id, await readSignal(db, a.signal, a.windowSeconds, at));
  return out;
}

/** Whether a value breaches a threshold alert (strictly, as the Datadog query's comparator). Null never does. */
export function breaches(alert: ThresholdAlert, value: number | null): boolean {
  if (value === null) return false;
  return alert.comparator === '>' ? value > alert.threshold : value < alert.threshold;
}
