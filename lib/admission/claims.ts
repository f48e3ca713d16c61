import type { Db } from '../db/createDb';

/**
 * The admission claims in SQL (migration 0011 defines the functions and what "in flight" means). Every claim
 * takes one advisory lock, so the bound and "claimed once" hold across all API/worker processes.
 */

/** What bounds a claim: ADMISSION_MAX_IN_FLIGHT and ADMISSION_IN_FLIGHT_SECONDS. */
export interface AdmissionLimits {
  maxInFlight: number;
  inFlightSeconds: number;
}

/** A lead whose workflow start this process has claimed (leads.admitted_at set by it). */
export interface ClaimedLead {
  id: string;
  sourceWorkspaceId: string;
}

/**
 * - claimed:     admitted now: the caller starts its workflow (or releases the claim);
 * - no_room:     ADMISSION_MAX_IN_FLIGHT leads are in flight: it waits in the backlog;
 * - behind:      an older lead of the same source waits in the backlog: that one goes first;
 * - not_waiting: already admitted (by anyone), decided or expired: nothing to start.
 */
export type LeadClaim = 'claimed' | 'no_room' | 'behind' | 'not_waiting';

/**
 * The fast path: claims the request's own lead if there is room and its source has nothing older waiting.
 * `bounded: false` claims it whatever is in flight (a gateway with no starter loop behind it).
 */
export async function claimLead(db: Db, leadId: string, limits: AdmissionLimits, { bounded = true }: { bounded?: boolean } = {}): Promise<LeadClaim> {
  const { rows } = await db.raw<{ rows: Array<{ claim: LeadClaim }> }>('SELECT admission_claim_lead(?::uuid, ?::integer, ?) AS claim', [leadId, bounded ? limits.maxInFlight : null, limits.inFlightSeconds]);
  return rows[0]!.claim;
}

/**
 * The starter's claim: up to `limit` backlog leads, no more than there is room for, round-robin across
 * sources and oldest first within one. Returned in no particular order.
 */
export async function claimBatch(db: Db, limits: AdmissionLimits, limit: number): Promise<ClaimedLead[]> {
  const { rows } = await db.raw<{ rows: Array<{ claimed_id: string; claimed_source: string }> }>(
    'SELECT claimed_id, claimed_source FROM admission_claim_batch(?, ?, ?)',
    [limits.maxInFlight, limits.inFlightSeconds, limit],
  );
  return rows.map((r) => ({ id: r.claimed_id, sourceWorkspaceId: r.claimed_source }));
}

/**
 * Puts a claimed lead back in the backlog after its start failed (Temporal unreachable, the start timed
 * out). It keeps its place: the backlog is ordered by created_at. If the start did reach Temporal after all,
 * the next start joins that workflow (USE_EXISTING), so nothing runs twice.
 */
export async function releaseClaim(db: Db, leadId: string): Promise<void> {
  await db('leads').where({ id: leadId, routing_status: 'pending' }).update({ admitted_at: null });
}

/**
 * The backlog as the claims see it: a lead past its TTL is never claimed (the daily lead-expiry job marks it
 * expired), so counting it kept the starter polling at its busy interval and the backlog gauges reporting a
 * wait that grew for up to a day.
 */
const WAITING = `admitted_at IS NULL AND routing_status = 'pending' AND expires_at > now()`;

/** Whether any lead waits in the backlog: one probe of the partial index leads_admission_backlog. */
export async function hasBacklog(db: Db): Promise<boolean> {
  const { rows } = await db.raw<{ rows: Array<{ waiting: boolean }> }>(
    `SELECT EXISTS (SELECT 1 FROM leads WHERE ${WAITING}) AS waiting`,
  );
  return rows[0]!.waiting;
}

/** The backlog and the in-flight count, for gauges and tests. `oldestAgeSeconds` is 0 when the backlog is empty. */
export interface AdmissionSnapshot {
  backlog: number;
  oldestAgeSeconds: number;
  inFlight: number;
}

/** One read over the two partial indexes of migration 0011; the in-flight condition is the claim's. */
export async function admissionSnapshot(db: Db, limits: Pick<AdmissionLimits, 'inFlightSeconds'>): Promise<AdmissionSnapshot> {
  const { rows } = await db.raw<{ rows: Array<{ backlog: string; oldest: number | null; in_flight: string }> }>(
    `SELECT (SELECT count(*) FROM leads WHERE ${WAITING}) AS backlog,
            (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM leads WHERE ${WAITING}) AS oldest,
            (SELECT count(*) FROM leads l
              WHERE l.admitted_at IS NOT NULL AND l.routing_status IN ('pending', 'routing')
                AND l.admitted_at > now() - make_interval(secs => ?)
                AND NOT EXISTS (SELECT 1 FROM lead_routing_queue q WHERE q.lead_id = l.id)) AS in_flight`,
    [limits.inFlightSeconds],
  );
  const r = rows[0]!;
  return { backlog: Number(r.backlog), oldestAgeSeconds: Math.max(0, r.oldest ?? 0), inFlight: Number(r.in_flight) };
}
