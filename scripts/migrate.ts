import { loadDatabaseConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';
import { migrateLatest } from '../lib/db/migrate';

/** `npm run migrate`: applies pending migrations to DATABASE_URL; exits non-zero on any failure. */
async function main() {
  const config = loadDatabaseConfig();
  const db = createDb(config.DATABASE_URL, { poolMax: 2, applicationName: 'lead-router-migrate' });
  try {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error('migration failed:', err);
  process.exit(1);
});
