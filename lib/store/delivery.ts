import type { Db } from '../db/createDb';

/** What the buyer receives: the lead as the source sent it, plus our ids. Read here, never from workflow history. */
export interface DeliveryPayload {
  leadId: string;
  sourceWorkspaceId: string;
  externalId: string;
  /** ISO 8601. */
  createdAt: string;
  lead: Record<string, unknown>;
}

/** A partner's delivery URL and signing secret. A null url means "assign without a push". */
export interface DeliveryTarget {
  url: string | null;
  secret: string | null;
}

export interface DeliveryContext {
  /** The partner's delivery target; undefined when `workspaceId` is not a partner. */
  target?: DeliveryTarget;
  /** undefined when the lead does not exist. */
  payload?: DeliveryPayload;
}

/**
 * Everything a delivery reads, in ONE statement (issue 10: one round trip per lead less than reading the
 * partner and the lead apart). Both sides are optional (outer joins on a single row), so the caller tells a
 * missing partner from a missing lead.
 */
export async function deliveryContext(db: Db, workspaceId: string, leadId: string): Promise<DeliveryContext> {
  const { rows } = await db.raw<{ rows: Array<Record<string, unknown>> }>(
    `SELECT w.id AS workspace_id, w.delivery_url, w.signing_secret,
            l.id AS lead_id, l.source_workspace_id, l.external_id, l.payload, l.created_at
       FROM (SELECT 1) one
       LEFT JOIN workspaces w ON w.id = ? AND w.kind = 'partner'
       LEFT JOIN leads l ON l.id = ?`,
    [workspaceId, leadId],
  );
  const row = rows[0]!;
  return {
    ...(row.workspace_id ? { target: { url: row.delivery_url as string | null, secret: row.signing_secret as string | null } } : {}),
    ...(row.lead_id
      ? {
          payload: {
            leadId: row.lead_id as string,
            sourceWorkspaceId: row.source_workspace_id as string,
            externalId: row.external_id as string,
            createdAt: new Date(row.created_at as string).toISOString(),
            lead: row.payload as Record<string, unknown>,
          },
        }
      : {}),
  };
}
