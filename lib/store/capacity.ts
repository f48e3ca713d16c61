import type { Knex } from 'knex';

/** Typed calls of reserve_capacity() / release_capacity() (migrations/0003_routing_engine.ts). */

export type CapPeriod = 'hourly' | 'daily' | 'monthly';

export type Reservation =
  | { reserved: true; reservationId: string }
  | { reserved: false; reason: 'disabled' }
  | { reserved: false; reason: CapPeriod; nextResetAt: string };

export async function reserveCapacity(
  db: Knex,
  r: { leadId: string; workspaceId: string; ruleId: string; ruleVersion: number },
): Promise<Reservation> {
  const { rows } = await db.raw('SELECT * FROM reserve_capacity(?::uuid, ?::uuid, ?::uuid, ?::integer, NULL)', [
    r.leadId, r.workspaceId, r.ruleId, r.ruleVersion,
  ]);
  const row = rows[0];
  if (row.reserved) return { reserved: true, reservationId: String(row.reservation_id) };
  if (row.capped_period === 'disabled') return { reserved: false, reason: 'disabled' };
  return { reserved: false, reason: row.capped_period, nextResetAt: new Date(row.next_reset_at).toISOString() };
}

/** Returns the destination whose reservation was released, or null if the lead held none. */
export async function releaseCapacity(db: Knex, leadId: string, reason: string): Promise<string | null> {
  const { rows } = await db.raw('SELECT release_capacity(?::uuid, ?) AS workspace_id', [leadId, reason]);
  return rows[0].workspace_id ?? null;
}

/** The lead's live reservation and the decision recorded with it (an activity retry re-reads it). */
export async function liveReservation(db: Knex, leadId: string): Promise<{ workspaceId: string; decision: unknown } | undefined> {
  const row = await db('capacity_reservations').select('workspace_id', 'decision').where({ lead_id: leadId }).whereNull('released_at').first();
  return row ? { workspaceId: row.workspace_id, decision: row.decision } : undefined;
}

export async function recordReservationDecision(db: Knex, reservationId: string, decision: unknown): Promise<void> {
  await db('capacity_reservations').where({ id: reservationId }).update({ decision: JSON.stringify(decision) });
}
