import type { Db } from '../db/createDb';

// A batch of undecided leads past their TTL, over the partial index leads_expiry (expires_at WHERE
// routing_status IN ('pending','routing')), locked with SKIP LOCKED so a lead being decided right now is
// never waited for (the next run gets it, or its workflow expires it itself). The lock is cleared with the
// status (check constraint leads_lock_only_while_routing); the AFTER UPDATE trigger gives back the lead's
// identity claims and live capacity reservation.
const EXPIRE_SQL = `
  WITH due AS (
    SELECT id FROM leads
     WHERE routing_status IN ('pending', 'routing')
       AND expires_at <= now()
     ORDER BY expires_at
     LIMIT ?
     FOR UPDATE SKIP LOCKED)
  UPDATE leads l
     SET routing_status = 'expired', routing_lock_owner = NULL, routing_locked_at = NULL, last_error = 'ttl_expired'
    FROM due
   WHERE l.id = due.id
     AND l.routing_status IN ('pending', 'routing')
  RETURNING l.id`;

/**
 * Leads not routed within their TTL (LEAD_TTL_DAYS after creation: `expires_at`) become `expired`, in
 * batches of `limit` rows (short transactions) until none is left. Routed / failed leads are never touched.
 * Returns how many expired.
 */
export async function expireDueLeads(db: Db, { limit }: { limit: number }): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.raw<{ rows: Array<{ id: string }> }>(EXPIRE_SQL, [limit]);
    total += rows.length;
    if (rows.length < limit) return total;
  }
}

export interface ExpirationDigest {
  since: string;
  until: string;
  total: number;
  /** Per source workspace, largest count first. */
  bySource: Array<{ sourceWorkspaceId: string; name: string; count: number }>;
}

/**
 * The spec's INFO alert: how many leads expired in [since, until), per source workspace. A lead's
 * `updated_at` is when it became expired (nothing updates an expired lead afterwards); the partial index
 * leads_expired_recent (updated_at, source_workspace_id WHERE routing_status = 'expired') serves the window.
 */
export async function expirationDigest(db: Db, { since, until }: { since: Date; until: Date }): Promise<ExpirationDigest> {
  const { rows } = await db.raw<{ rows: Array<{ source_workspace_id: string; name: string; count: number }> }>(
    `SELECT e.source_workspace_id, w.name, e.count
       FROM (SELECT source_workspace_id, count(*)::int AS count
               FROM leads
              WHERE routing_status = 'expired' AND updated_at >= ? AND updated_at < ?
              GROUP BY source_workspace_id) e
       JOIN workspaces w ON w.id = e.source_workspace_id
      ORDER BY e.count DESC, w.name, e.source_workspace_id`,
    [since.toISOString(), until.toISOString()],
  );
  const bySource = rows.map((r) => ({ sourceWorkspaceId: r.source_workspace_id, name: r.name, count: r.count }));
  return { since: since.toISOString(), until: until.toISOString(), total: bySource.reduce((n, s) => n + s.count, 0), bySource };
}
