import type { Db } from '../db/createDb';

/** How long a rotated-out secret may keep signing: at most a week (minutes). */
export const MAX_OVERLAP_MINUTES = 10_080;
/** The overlap when the request names none: a day (minutes), time for a buyer to deploy the new secret. */
export const DEFAULT_OVERLAP_MINUTES = 1_440;

/** A partner's signing secret rotation, as written (migrations/0026_signing_secret_rotation.ts). */
export interface SigningSecretRotation {
  /**
   * When the secret replaced stops signing deliveries (ISO 8601); null when it stopped at once (an overlap of 0
   * minutes) or there was none.
   */
  previousSecretExpiresAt: string | null;
}

/**
 * Gives partner `id` the signing secret `secret` in ONE UPDATE: its current secret becomes the previous one and
 * keeps signing for `overlapMinutes` (whole minutes 0..10080, from the database's now(); 0 retires it at once).
 * While a previous secret is still in its overlap, a rotation is refused unless `force` (it would drop the secret
 * the buyer has, most often when a timed-out request is sent again): answered `{ inProgressUntil }`; with `force`
 * that previous secret is dropped (at most two secrets sign at any time). Deliveries read the secrets per delivery
 * (lock_and_decide()'s target, deliveryContext()), so the change applies from the next one. Returns undefined when
 * `id` is not a partner (the caller has looked the workspace up to say why).
 */
export async function rotatePartnerSigningSecret(
  db: Db, id: string, secret: string, overlapMinutes: number, opts: { force?: boolean } = {},
): Promise<SigningSecretRotation | { inProgressUntil: string } | undefined> {
  if (!Number.isInteger(overlapMinutes) || overlapMinutes < 0 || overlapMinutes > MAX_OVERLAP_MINUTES) {
    throw new RangeError(`rotatePartnerSigningSecret: overlapMinutes must be a whole number from 0 to ${MAX_OVERLAP_MINUTES}`);
  }
  if (!secret) throw new Error('rotatePartnerSigningSecret: the new secret is empty');
  const { rows } = await db.raw<{ rows: Array<{ expires_at: Date | null }> }>(
    `UPDATE workspaces w
        SET previous_signing_secret = CASE WHEN ?::integer > 0 THEN w.signing_secret END,
            previous_signing_secret_expires_at = CASE WHEN ?::integer > 0 AND w.signing_secret IS NOT NULL
                                                      THEN now() + make_interval(mins => ?::integer) END,
            signing_secret = ?,
            updated_at = now()
      WHERE w.id = ?::uuid AND w.kind = 'partner'
        AND (?::boolean OR w.previous_signing_secret_expires_at IS NULL OR w.previous_signing_secret_expires_at <= now())
      RETURNING w.previous_signing_secret_expires_at AS expires_at`,
    [overlapMinutes, overlapMinutes, overlapMinutes, secret, id, opts.force === true],
  );
  const row = rows[0];
  if (!row) {
    const held = await db('workspaces').where({ id, kind: 'partner' }).where('previous_signing_secret_expires_at', '>', db.fn.now()).first('previous_signing_secret_expires_at');
    return held ? { inProgressUntil: new Date(held.previous_signing_secret_expires_at).toISOString() } : undefined;
  }
  return { previousSecretExpiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null };
}
