import type { Knex } from 'knex';
import { lockAndDecideSql } from './0016_lock_and_decide';

/**
 * A partner's signing secret can be rotated with a changeover (POST /api/admin/workspaces/:id/signing-secret).
 *
 * Why: a buyer verifies every delivery with the secret it was given (lib/delivery/signing.ts); replacing the
 * secret at once fails every delivery until the buyer deploys the new one. As Stripe does, during an overlap
 * each delivery carries one `v1=` value per valid secret (the current one first), so a buyer verifying with
 * either the old or the new secret accepts it, and can switch at its own pace within the overlap.
 *
 * workspaces.previous_signing_secret / previous_signing_secret_expires_at: the secret before the last
 * rotation and when it stops signing (both set or both null). The expiry is checked in Postgres (now()) at the
 * one place each delivery path reads its target: lock_and_decide()'s `target` (replaced here in place, same
 * thirteen arguments, adding `previousSecret` while it is valid) and lib/store/delivery.ts deliveryContext().
 * Adding nullable columns without a default rewrites nothing; the CHECK scans workspaces, a small table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE workspaces
      ADD COLUMN previous_signing_secret text,
      ADD COLUMN previous_signing_secret_expires_at timestamptz,
      ADD CONSTRAINT previous_signing_secret_has_expiry
        CHECK ((previous_signing_secret IS NULL) = (previous_signing_secret_expires_at IS NULL))`);
  await knex.raw(lockAndDecideSql({ rulesRevision: true, previousSecret: true, orReplace: true }));
}

/** 0025's lock_and_decide() again (it reads no column dropped here after this), then the columns go. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(lockAndDecideSql({ rulesRevision: true, previousSecret: false, orReplace: true }));
  await knex.raw(`
    ALTER TABLE workspaces
      DROP CONSTRAINT previous_signing_secret_has_expiry,
      DROP COLUMN previous_signing_secret_expires_at,
      DROP COLUMN previous_signing_secret`);
}
