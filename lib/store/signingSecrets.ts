import crypto from 'node:crypto';
import type { Db } from '../db/createDb';

/** How long a rotated-out secret may keep signing: at most a week (minutes). */
export const MAX_OVERLAP_MINUTES = 10_080;
/** The overlap when the request names none: a day (minutes), time for a buyer to deploy the new secret. */
export const DEFAULT_OVERLAP_MINUTES = 1_440;
/** How long a rotation's Idempotency-Key answers the same rotation (hours), as Stripe keeps its keys. */
export const IDEMPOTENCY_KEY_HOURS = 24;

/** A rotation done now, or the one a repeated Idempotency-Key made (migrations/0026, 0028). */
export interface SigningSecretRotation {
  /** The secret that signs from now on (the one generated for this request, or, on a replay, the same one). */
  signingSecret: string;
  /**
   * When the secret replaced stops signing deliveries (ISO 8601); null when it stopped at once (an overlap of 0
   * minutes) or there was none.
   */
  previousSecretExpiresAt: string | null;
  /** True when this answer repeats an earlier rotation with the same Idempotency-Key (nothing was rotated). */
  replayed: boolean;
}

/** Why a rotation was not done: the partner is in an earlier rotation's overlap (send `force`), or the key was used differently. */
export type RotationRefusal =
  | { refused: 'rotation_in_progress'; inProgressUntil: string }
  /** The key was used within 24 h with another overlapMinutes / force. */
  | { refused: 'idempotency_key_reused' }
  /** The key's rotation happened, but the partner has been rotated again since: its secret is no longer the current one. */
  | { refused: 'idempotency_key_superseded' };

export interface RotationOptions {
  /** Rotate even during an overlap, dropping the older secret. */
  force?: boolean;
  /** The request's Idempotency-Key header: the same key within IDEMPOTENCY_KEY_HOURS repeats the same answer. */
  idempotencyKey?: string;
}

/** SHA-256 (hex) of a secret: enough to recognise it later, nothing to sign with. Secrets are 32 random bytes. */
const fingerprint = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/**
 * Gives partner `id` the signing secret `secret` in one transaction: its current secret becomes the previous one
 * and keeps signing for `overlapMinutes` (whole minutes 0..10080, from the database's now(); 0 retires it at once).
 *
 * - During an earlier rotation's overlap a rotation is refused unless `force` (it would drop the secret the buyer
 *   has): `{ refused: 'rotation_in_progress', inProgressUntil }`; with `force` that previous secret is dropped (at
 *   most two secrets sign at any time).
 * - With `idempotencyKey`: the first request with that key for this partner rotates and records the key for
 *   IDEMPOTENCY_KEY_HOURS with the SHA-256 of `secret` (never the secret itself). A request with the same key in
 *   that time rotates nothing: it answers the same rotation (`replayed: true`, the secret read back from the
 *   workspace) while that secret is still the current one, else `idempotency_key_superseded`; with other
 *   options (overlapMinutes, force) it is `idempotency_key_reused`. The workspace row is locked first, so two
 *   requests with one key at once rotate once.
 *
 * Deliveries read the secrets per delivery (lock_and_decide()'s target, deliveryContext()), so the change applies
 * from the next one. Returns undefined when `id` is not a partner (the caller has looked it up to say why).
 * Throws RangeError on an overlap out of range, Error on an empty secret.
 */
export async function rotatePartnerSigningSecret(
  db: Db, id: string, secret: string, overlapMinutes: number, opts: RotationOptions = {},
): Promise<SigningSecretRotation | RotationRefusal | undefined> {
  if (!Number.isInteger(overlapMinutes) || overlapMinutes < 0 || overlapMinutes > MAX_OVERLAP_MINUTES) {
    throw new RangeError(`rotatePartnerSigningSecret: overlapMinutes must be a whole number from 0 to ${MAX_OVERLAP_MINUTES}`);
  }
  if (!secret) throw new Error('rotatePartnerSigningSecret: the new secret is empty');
  const force = opts.force === true;
  const key = opts.idempotencyKey;
  return db.transaction(async (trx) => {
    const current = await trx('workspaces').where({ id, kind: 'partner' }).forUpdate().first('signing_secret', 'previous_signing_secret_expires_at');
    if (!current) return undefined;
    if (key !== undefined) {
      const earlier = await trx('signing_secret_rotation_keys')
        .where({ workspace_id: id, idempotency_key: key })
        .where('created_at', '>', trx.raw(`now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`))
        .first();
      if (earlier) {
        if (earlier.overlap_minutes !== overlapMinutes || earlier.forced !== force) return { refused: 'idempotency_key_reused' as const };
        if (!current.signing_secret || fingerprint(current.signing_secret) !== earlier.secret_sha256) return { refused: 'idempotency_key_superseded' as const };
        return { signingSecret: current.signing_secret as string, previousSecretExpiresAt: iso(earlier.previous_secret_expires_at), replayed: true };
      }
    }
    const { rows } = await trx.raw<{ rows: Array<{ expires_at: Date | null }> }>(
      `UPDATE workspaces w
          SET previous_signing_secret = CASE WHEN ?::integer > 0 THEN w.signing_secret END,
              previous_signing_secret_expires_at = CASE WHEN ?::integer > 0 AND w.signing_secret IS NOT NULL
                                                        THEN now() + make_interval(mins => ?::integer) END,
              signing_secret = ?,
              signing_secret_rotated_at = now(),
              updated_at = now()
        WHERE w.id = ?::uuid
          AND (?::boolean OR w.previous_signing_secret_expires_at IS NULL OR w.previous_signing_secret_expires_at <= now())
        RETURNING w.previous_signing_secret_expires_at AS expires_at`,
      [overlapMinutes, overlapMinutes, overlapMinutes, secret, id, force],
    );
    if (!rows[0]) return { refused: 'rotation_in_progress' as const, inProgressUntil: iso(current.previous_signing_secret_expires_at) as string };
    const previousSecretExpiresAt = iso(rows[0].expires_at);
    if (key !== undefined) {
      // An expired row with this key (older than 24 h) is replaced: the key starts a new rotation.
      await trx('signing_secret_rotation_keys')
        .insert({ workspace_id: id, idempotency_key: key, overlap_minutes: overlapMinutes, forced: force, secret_sha256: fingerprint(secret), previous_secret_expires_at: rows[0].expires_at })
        .onConflict(['workspace_id', 'idempotency_key'])
        .merge(['overlap_minutes', 'forced', 'secret_sha256', 'previous_secret_expires_at', 'created_at']);
    }
    return { signingSecret: secret, previousSecretExpiresAt, replayed: false };
  });
}

/**
 * The maintenance of rotations (run by the every-minute stale-lock sweep, activities/maintenance.ts): previous
 * secrets whose overlap has ended are deleted (both columns set to NULL; they no longer sign, and a secret kept
 * is a secret that can leak), and Idempotency-Keys older than IDEMPOTENCY_KEY_HOURS are forgotten.
 * Returns how many of each; both statements use `now()` of the database.
 */
export async function clearExpiredSigningSecrets(db: Db): Promise<{ secretsCleared: number; keysForgotten: number }> {
  const secretsCleared = await db('workspaces')
    .where('previous_signing_secret_expires_at', '<=', db.fn.now())
    .update({ previous_signing_secret: null, previous_signing_secret_expires_at: null });
  const keysForgotten = await db('signing_secret_rotation_keys')
    .where('created_at', '<=', db.raw(`now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`))
    .delete();
  return { secretsCleared, keysForgotten };
}
