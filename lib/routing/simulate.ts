import crypto from 'node:crypto';
import type { Db } from '../db/createDb';
import { decide, type Decision } from './decide';

/**
 * What would happen to this lead right now: the real decision code (dedupe, rules, distribution, caps)
 * runs against a throw-away lead inside a transaction that is always rolled back, so the answer is
 * exactly what routing would do and nothing is written. The rules see the payload as read back from
 * the database, as the real routing does (issue 7, item 2: a value jsonb cannot hold would otherwise
 * make simulate and routing disagree), with email and phone in canonical form as the worker's decide() makes
 * them (`defaultPhoneCountry`: DEFAULT_PHONE_COUNTRY, the region dedupe read the lead's phone in).
 */
export async function simulateRouting(
  db: Db,
  lead: { sourceWorkspaceId: string; payload: Record<string, unknown>; emailHash: string | null; phoneHash: string | null },
  opts: { dedupeWindowDays: number; defaultPhoneCountry: string },
): Promise<Decision> {
  const trx = await db.transaction();
  try {
    const [row] = await trx('leads')
      .insert({
        source_workspace_id: lead.sourceWorkspaceId,
        external_id: `simulation-${crypto.randomUUID()}`,
        email_hash: lead.emailHash,
        phone_hash: lead.phoneHash,
        payload: JSON.stringify(lead.payload),
        routing_status: 'routing',
        routing_lock_owner: 'simulation',
        routing_locked_at: trx.fn.now(),
        expires_at: trx.raw("now() + interval '1 day'"),
      })
      .returning(['id', 'expires_at', 'payload']);
    return await decide(trx, { ...lead, payload: row.payload, id: row.id, expiresAt: new Date(row.expires_at).toISOString() }, { excludeDestinations: [], dedupeWindowDays: opts.dedupeWindowDays, defaultPhoneCountry: opts.defaultPhoneCountry });
  } finally {
    await trx.rollback();
  }
}
