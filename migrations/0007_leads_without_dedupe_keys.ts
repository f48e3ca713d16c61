import type { Knex } from 'knex';

/**
 * A lead may have no dedupe key at all (issue 7, item 6): a placeholder email (test@test.com) or a phone
 * that libphonenumber does not consider valid (000-000-0000) is stored with the lead but never hashed
 * into a key, so it can never make two different people duplicates. The lead still has an email or a
 * phone (the API requires one); it is just not deduplicated through it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE leads DROP CONSTRAINT leads_have_an_identity');
}

export async function down(knex: Knex): Promise<void> {
  // Leads stored without a key since cannot satisfy the old rule; they keep their rows, unchecked.
  await knex.raw('ALTER TABLE leads ADD CONSTRAINT leads_have_an_identity CHECK (email_hash IS NOT NULL OR phone_hash IS NOT NULL) NOT VALID');
}
