import type { SignalsForReport } from '../slo/report';
import type { Db } from '../db/createDb';

/**
 * The raw signals of the SLOs (DESIGN §9, issue 9 §1), read from Postgres at one instant `at`:
 * - outcome counts per window from lead_routing_logs (one row per final decision, written by
 *   complete_routing): good = success + duplicate, bad = failed;
 * - p95 created → routed over the last hour, from leads (routed_at - created_at, in ms);
 * - the retry queue's depth: due, unprocessed rows of lead_routing_queue, total and per source workspace
 *   (the monitoring spec's query);
 * - stale locks: leads `routing` with a lock older than `staleSeconds`;
 * - duplicates over the last hour and expirations over the last 24 h.
 * Every query is an index scan over its window (lead_routing_logs_created_at, leads_routed_at,
 * lead_routing_queue_due, leads_locked_at, leads_expired_recent).
 */
/** What the report needs (lib/slo/report.ts declares the shape; this module fills it from Postgres). */
export type SloSignals = SignalsForReport;
export type OutcomeCounts = SignalsForReport['outcomes'][string];

/** Window label → length in ms (timestamptz arithmetic: a day is 24 h here, whatever the zone). */
export const WINDOWS_MS: Record<string, number> = {
  '5m': 5 * 60_000, '30m': 30 * 60_000, '1h': 3_600_000, '2h': 2 * 3_600_000, '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000, '3d': 3 * 86_400_000, '30d': 30 * 86_400_000,
};

export async function readSloSignals(db: Db, { at, staleSeconds }: { at: Date; staleSeconds: number }): Promise<SloSignals> {
  const atIso = at.toISOString();
  const windows = Object.entries(WINDOWS_MS);
  const since = (ms: number) => new Date(at.getTime() - ms).toISOString();
  // One scan of the widest window, counted per window with FILTER.
  const columns: string[] = [];
  const bindings: string[] = [];
  for (const [label, ms] of windows) {
    for (const [kind, predicate] of [['good', "routing_result IN ('success', 'duplicate')"], ['bad', "routing_result = 'failed'"], ['dup', "routing_result = 'duplicate'"]]) {
      columns.push(`count(*) FILTER (WHERE ${predicate} AND created_at > ?::timestamptz) AS "${kind}_${label}"`);
      bindings.push(since(ms));
    }
  }
  const counts = (
    await db.raw(
      `SELECT ${columns.join(',\n       ')}
         FROM lead_routing_logs
        WHERE created_at > ?::timestamptz AND created_at <= ?::timestamptz`,
      [...bindings, since(Math.max(...Object.values(WINDOWS_MS))), atIso],
    )
  ).rows[0] as Record<string, string>;
  const outcomes: Record<string, OutcomeCounts> = {};
  for (const [label] of windows) {
    outcomes[label] = { good: Number(counts[`good_${label}`]), bad: Number(counts[`bad_${label}`]), duplicates: Number(counts[`dup_${label}`]) };
  }

  const latency = (
    await db.raw(
      `SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM routed_at - created_at) * 1000) AS p95, count(*) AS n
         FROM leads
        WHERE routing_status = 'routed' AND routed_at > ?::timestamptz - interval '1 hour' AND routed_at <= ?::timestamptz`,
      [atIso, atIso],
    )
  ).rows[0];

  const queue = (
    await db.raw(
      `SELECT workspace_id, count(*) AS n
         FROM lead_routing_queue
        WHERE processed_at IS NULL AND next_retry_at <= ?::timestamptz
        GROUP BY workspace_id`,
      [atIso],
    )
  ).rows as Array<{ workspace_id: string; n: string }>;

  const stale = (
    await db.raw(
      `SELECT count(*) AS n FROM leads
        WHERE routing_status = 'routing' AND routing_locked_at < ?::timestamptz - make_interval(secs => ?)`,
      [atIso, staleSeconds],
    )
  ).rows[0];

  const expired = (
    await db.raw(
      `SELECT count(*) AS n FROM leads
        WHERE routing_status = 'expired' AND updated_at > ?::timestamptz - interval '24 hours' AND updated_at <= ?::timestamptz`,
      [atIso, atIso],
    )
  ).rows[0];

  const byWorkspace = Object.fromEntries(queue.map((r) => [r.workspace_id, Number(r.n)]));
  return {
    at: atIso,
    outcomes,
    latencyP95Ms1h: latency.p95 === null ? null : Math.round(Number(latency.p95) * 10) / 10,
    routedLastHour: Number(latency.n),
    retryQueueDepth: queue.reduce((n, r) => n + Number(r.n), 0),
    retryQueueDepthByWorkspace: byWorkspace,
    staleLocks: Number(stale.n),
    expirations24h: Number(expired.n),
  };
}
