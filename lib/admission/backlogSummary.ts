import type { Db } from '../db/createDb';

/**
 * The admission backlog at a glance, for /ready (polled every few seconds by load balancers and probes, so
 * its cost must not grow with the backlog: after a long Temporal outage 100k leads may wait).
 */

/** `waiting` counts up to this many leads (a bounded read of the backlog index); more reads as this, capped. */
export const WAITING_COUNT_CAP = 10_000;

export interface AdmissionBacklogSummary {
  /** Leads stored and waiting for their workflow to start (past their TTL excluded), up to WAITING_COUNT_CAP. */
  waiting: number;
  /** true: at least `waiting` leads wait (the count stopped at the cap; the exact figure is the backlog gauge). */
  waitingCapped: boolean;
  /** Seconds since the oldest waiting lead was stored; 0 when none waits. */
  oldestWaitingSeconds: number;
  /** Leads admitted and not yet through their first routing attempt (the claims' definition, migration 0011). */
  inFlight: number;
}

// The backlog condition of partial index leads_admission_backlog (migration 0011), verbatim so it is used.
const BACKLOG = (alias: string) => `${alias}.admitted_at IS NULL AND ${alias}.routing_status = 'pending'`;

/**
 * One statement, three bounded reads:
 * - waiting: counts at most WAITING_COUNT_CAP + 1 backlog index entries;
 * - oldest:  the oldest live lead of each source with leads waiting (a loose index scan over the backlog index
 *            finds the sources, one probe each), the minimum of those: the whole backlog is never ranked;
 * - in flight: the recent end of leads_admitted_undecided, as admission's own count.
 * `inFlightSeconds` is ADMISSION_IN_FLIGHT_SECONDS. Rejects with the driver's error if Postgres does, and
 * after `timeoutMs` (the query is then cancelled in Postgres: /ready is polled every few seconds).
 */
export async function admissionBacklogSummary(db: Db, inFlightSeconds: number, timeoutMs = 2_000): Promise<AdmissionBacklogSummary> {
  const { rows } = await db.raw<{ rows: Array<{ waiting: number; oldest: number | null; in_flight: number }> }>(
    `WITH RECURSIVE waiting_sources AS (
       (SELECT b.source_workspace_id AS source FROM leads b WHERE ${BACKLOG('b')} ORDER BY b.source_workspace_id LIMIT 1)
       UNION ALL
       SELECT (SELECT b.source_workspace_id FROM leads b
                WHERE ${BACKLOG('b')} AND b.source_workspace_id > w.source ORDER BY b.source_workspace_id LIMIT 1)
         FROM waiting_sources w WHERE w.source IS NOT NULL)
     SELECT
       (SELECT count(*)::int FROM (SELECT 1 FROM leads b WHERE ${BACKLOG('b')} AND b.expires_at > now() LIMIT ?) capped) AS waiting,
       (SELECT extract(epoch FROM now() - min(h.created_at))::float8
          FROM waiting_sources w
          CROSS JOIN LATERAL (
            SELECT b.created_at FROM leads b
             WHERE b.source_workspace_id = w.source AND ${BACKLOG('b')} AND b.expires_at > now()
             ORDER BY b.created_at, b.id LIMIT 1) h
         WHERE w.source IS NOT NULL) AS oldest,
       (SELECT count(*)::int FROM leads l
         WHERE l.admitted_at IS NOT NULL AND l.routing_status IN ('pending', 'routing')
           AND l.admitted_at > now() - make_interval(secs => ?)
           AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = l.id)) AS in_flight`,
    [WAITING_COUNT_CAP + 1, inFlightSeconds],
  ).timeout(timeoutMs, { cancel: true }); // a slow database: the query is cancelled, not left holding a connection per probe
  const r = rows[0]!;
  return {
    waiting: Math.min(r.waiting, WAITING_COUNT_CAP),
    waitingCapped: r.waiting > WAITING_COUNT_CAP,
    oldestWaitingSeconds: Math.max(0, Math.round(r.oldest ?? 0)),
    inFlight: r.in_flight,
  };
}
