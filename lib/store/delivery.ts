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

/** A partner's delivery URL and signing secret(s). A null url means "assign without a push". Secrets: never log them. */
export interface DeliveryTarget {
  url: string | null;
  secret: string | null;
  /**
   * The secret before the last rotation, present only while its overlap lasts (the expiry is checked in
   * Postgres: migrations/0026_signing_secret_rotation.ts): the delivery is signed with both.
   */
  previousSecret?: string;
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
 * missing partner from a missing lead. The previous signing secret comes with the target only while its
 * rotation's overlap lasts, by the same rule as lock_and_decide()'s target (migrations/0026).
 */
export async function deliveryContext(db: Db, workspaceId: string, leadId: string): Promise<DeliveryContext> {
  const { rows } = await db.raw<{ rows: Array<Record<string, unknown>> }>(
    `SELECT w.id AS workspace_id, w.delivery_url, w.signing_secret,
            CASE WHEN w.previous_signing_secret_expires_at > now() THEN w.previous_signing_secret END AS previous_signing_secret,
            l.id AS lead_id, l.source_workspace_id, l.external_id, l.payload, l.created_at
       FROM (SELECT 1) one
       LEFT JOIN workspaces w ON w.id = ? AND w.kind = 'partner'
       LEFT JOIN leads l ON l.id = ?`,
    [workspaceId, leadId],
  );
  const row = rows[0]!;
  return {
    ...(row.workspace_id ? { target: deliveryTarget(row.delivery_url, row.signing_secret, row.previous_signing_secret) } : {}),
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

/** A target from its columns (or lock_and_decide()'s jsonb): `previousSecret` only when there is one. */
export function deliveryTarget(url: unknown, secret: unknown, previousSecret: unknown): DeliveryTarget {
  return {
    url: (url as string | null | undefined) ?? null,
    secret: (secret as string | null | undefined) ?? null,
    ...(typeof previousSecret === 'string' && previousSecret ? { previousSecret } : {}),
  };
}
