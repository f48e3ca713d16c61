import type { Db } from '../db/createDb';

/** Where and how to deliver to a partner; null url means "assign without a push". */
export async function deliveryTarget(db: Db, workspaceId: string): Promise<{ url: string | null; secret: string | null } | undefined> {
  const row = await db('workspaces').select('delivery_url', 'signing_secret').where({ id: workspaceId, kind: 'partner' }).first();
  return row ? { url: row.delivery_url, secret: row.signing_secret } : undefined;
}

/** What the buyer receives: the lead as the source sent it, plus our ids. Read here, never from workflow history. */
export async function leadForDelivery(db: Db, leadId: string) {
  const row = await db('leads').select('id', 'source_workspace_id', 'external_id', 'payload', 'created_at').where({ id: leadId }).first();
  if (!row) return undefined;
  return {
    leadId: row.id as string,
    sourceWorkspaceId: row.source_workspace_id as string,
    externalId: row.external_id as string,
    createdAt: new Date(row.created_at).toISOString(),
    lead: row.payload as Record<string, unknown>,
  };
}
