import type { Db } from '../db/createDb';

export type RoutingStatus = 'pending' | 'routing' | 'routed' | 'failed' | 'expired';
export type RoutingResult = 'success' | 'duplicate' | 'failed';

/** Everything about a lead's routing, without its PII (the payload stays in the database). */
export interface LeadState {
  id: string;
  sourceWorkspaceId: string;
  externalId: string;
  status: RoutingStatus;
  result: RoutingResult | null;
  destinationWorkspaceId: string | null;
  matchedRuleId: string | null;
  matchedRuleVersion: number | null;
  duplicateOfLeadId: string | null;
  attempts: number;
  lastError: string | null;
  decision: unknown;
  createdAt: string;
  routingStartedAt: string | null;
  routedAt: string | null;
  updatedAt: string;
  expiresAt: string;
}

export interface NewLead {
  sourceWorkspaceId: string;
  externalId: string;
  emailHash: string | null;
  phoneHash: string | null;
  payload: Record<string, unknown>;
  ttlDays: number;
}

export const LEAD_STATE_COLUMNS = [
  'id', 'source_workspace_id', 'external_id', 'routing_status', 'routing_result', 'destination_workspace_id',
  'matched_rule_id', 'matched_rule_version', 'duplicate_of_lead_id', 'routing_attempts', 'last_error', 'decision',
  'created_at', 'routing_started_at', 'routed_at', 'updated_at', 'expires_at',
];

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

export function toLeadState(r: Row): LeadState {
  return {
    id: r.id as string,
    sourceWorkspaceId: r.source_workspace_id as string,
    externalId: r.external_id as string,
    status: r.routing_status as RoutingStatus,
    result: (r.routing_result as RoutingResult | null) ?? null,
    destinationWorkspaceId: (r.destination_workspace_id as string | null) ?? null,
    matchedRuleId: (r.matched_rule_id as string | null) ?? null,
    matchedRuleVersion: (r.matched_rule_version as number | null) ?? null,
    duplicateOfLeadId: (r.duplicate_of_lead_id as string | null) ?? null,
    attempts: r.routing_attempts as number,
    lastError: (r.last_error as string | null) ?? null,
    decision: r.decision ?? null,
    createdAt: iso(r.created_at)!,
    routingStartedAt: iso(r.routing_started_at),
    routedAt: iso(r.routed_at),
    updatedAt: iso(r.updated_at)!,
    expiresAt: iso(r.expires_at)!,
  };
}

/**
 * Inserts a lead unless its source already sent this externalId. Race-safe by the unique constraint:
 * concurrent inserts of one externalId wait for the first to commit, then do nothing, and read it.
 */
export async function insertLeadOnce(db: Db, lead: NewLead): Promise<{ lead: LeadState; created: boolean }> {
  const inserted = await db.raw(
    `INSERT INTO leads (source_workspace_id, external_id, email_hash, phone_hash, payload, expires_at)
     VALUES (?, ?, ?, ?, ?::jsonb, now() + make_interval(days => ?))
     ON CONFLICT (source_workspace_id, external_id) DO NOTHING
     RETURNING ${LEAD_STATE_COLUMNS.join(', ')}`,
    [lead.sourceWorkspaceId, lead.externalId, lead.emailHash, lead.phoneHash, JSON.stringify(lead.payload), lead.ttlDays],
  );
  if (inserted.rows.length === 1) return { lead: toLeadState(inserted.rows[0]), created: true };
  const existing = await db('leads')
    .select(LEAD_STATE_COLUMNS)
    .where({ source_workspace_id: lead.sourceWorkspaceId, external_id: lead.externalId })
    .first();
  if (!existing) throw new Error('lead vanished between insert conflict and read');
  return { lead: toLeadState(existing), created: false };
}

export async function getLeadState(db: Db, id: string): Promise<LeadState | undefined> {
  const row = await db('leads').select(LEAD_STATE_COLUMNS).where({ id }).first();
  return row ? toLeadState(row) : undefined;
}

/** The routable view of a lead for the rules engine: its payload plus where it came from. */
export async function getLeadForRouting(
  db: Db,
  id: string,
): Promise<{ sourceWorkspaceId: string; payload: Record<string, unknown> } | undefined> {
  const row = await db('leads').select('source_workspace_id', 'payload').where({ id }).first();
  return row ? { sourceWorkspaceId: row.source_workspace_id, payload: row.payload } : undefined;
}
