import type { LeadClaim } from '../admission/claims';
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
 * Inserts a lead unless its source already sent this externalId (race-safe by the unique constraint:
 * concurrent inserts of one externalId wait for the first to commit, then do nothing, and read it) and, with
 * `claim`, the lead's admission claim (lib/admission/claims.ts claimLead: `maxInFlight`
 * null claims without a bound), in ONE statement (store_lead(), migrations/0017_store_lead.ts). `claim` in the
 * answer: the claim's outcome, undefined when none was asked for.
 */
export async function storeLead(
  db: Db,
  lead: NewLead,
  claim?: { maxInFlight: number | null; inFlightSeconds: number },
): Promise<{ lead: LeadState; created: boolean; claim?: LeadClaim }> {
  const { rows } = await db.raw(
    'SELECT store_lead(?::uuid, ?, ?, ?, ?::jsonb, ?::integer, ?, ?::integer, ?::float8) AS stored',
    [
      lead.sourceWorkspaceId, lead.externalId, lead.emailHash, lead.phoneHash, JSON.stringify(lead.payload), lead.ttlDays,
      claim !== undefined, claim?.maxInFlight ?? null, claim?.inFlightSeconds ?? null,
    ],
  );
  const stored = rows[0].stored as { created: boolean; claim: LeadClaim | null; lead: Row };
  return { lead: toLeadState(stored.lead), created: stored.created, ...(stored.claim ? { claim: stored.claim } : {}) };
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
