import type { Knex } from 'knex';

/**
 * Typed calls of release_capacity() (migrations/0003_routing_engine.ts) and the live-reservation lookup;
 * reserving happens inside decide_routing() (migrations/0013_decide_function.ts).
 */

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
