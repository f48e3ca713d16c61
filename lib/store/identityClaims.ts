import type { Knex } from 'knex';

export interface IdentityKey {
  kind: 'email' | 'phone';
  hash: string;
}

/**
 * Claims a person's identity keys for a lead (cross-partner dedupe, DESIGN §6). A key held by another
 * lead within the window is not taken: that lead is the original. Keys are claimed in hash order so two
 * leads sharing both keys cannot deadlock; a concurrent claim of one key waits for the other's commit.
 * Returns the keys already owned by another lead (empty: this lead now owns all of its keys).
 */
export async function claimIdentity(
  trx: Knex.Transaction,
  leadId: string,
  keys: IdentityKey[],
  windowDays: number,
): Promise<Array<IdentityKey & { ownerLeadId: string }>> {
  const taken: Array<IdentityKey & { ownerLeadId: string }> = [];
  for (const key of [...keys].sort((a, b) => a.hash.localeCompare(b.hash))) {
    const { rows } = await trx.raw(
      `INSERT INTO identity_claims (key_hash, lead_id) VALUES (?, ?::uuid)
       ON CONFLICT (key_hash) DO UPDATE SET lead_id = EXCLUDED.lead_id, claimed_at = now()
         WHERE identity_claims.lead_id = EXCLUDED.lead_id
            OR identity_claims.claimed_at < now() - make_interval(days => ?)
       RETURNING lead_id`,
      [key.hash, leadId, windowDays],
    );
    if (rows.length === 0) {
      const owner = await trx('identity_claims').select('lead_id').where({ key_hash: key.hash }).first();
      taken.push({ ...key, ownerLeadId: owner.lead_id });
    }
  }
  return taken;
}
