import type { Knex } from 'knex';

/**
 * What a signing-secret rotation leaves readable, and a retry of one made safe.
 *
 * - workspaces.signing_secret_rotated_at: when the partner's secret was last rotated (null: never), shown with
 *   previous_signing_secret_expires_at in the admin workspace views so an operator sees whether an overlap runs.
 * - signing_secret_rotation_keys: the `Idempotency-Key` of each rotation for 24 h (lib/store/signingSecrets.ts):
 *   the same key again answers the same rotation instead of rotating twice (a retried `overlapMinutes: 0` request
 *   retired the secret its lost answer had). No secret is kept here: only the SHA-256 of the secret the rotation
 *   made, to tell whether it is still the current one (then the retry is shown it again, read from workspaces).
 *   The sweep (clearExpiredSigningSecrets) deletes keys older than 24 h.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE workspaces ADD COLUMN signing_secret_rotated_at timestamptz;
    CREATE TABLE signing_secret_rotation_keys (
      workspace_id                 uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      idempotency_key              text NOT NULL,
      overlap_minutes              integer NOT NULL,
      forced                       boolean NOT NULL,
      secret_sha256                text NOT NULL,
      previous_secret_expires_at   timestamptz,
      created_at                   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, idempotency_key)
    );
    CREATE INDEX signing_secret_rotation_keys_created ON signing_secret_rotation_keys (created_at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE signing_secret_rotation_keys;
    ALTER TABLE workspaces DROP COLUMN signing_secret_rotated_at`);
}
