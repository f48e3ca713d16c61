import { ConfigError, loadDatabaseConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';
import { migrateLatest } from '../lib/db/migrate';
import { databaseStartError, databaseUrlOptionProblem } from '../lib/startErrors';

/** `npm run migrate`: applies pending migrations to DATABASE_URL; exits non-zero on any failure. */
async function main() {
  const config = loadDatabaseConfig();
  const optionProblem = databaseUrlOptionProblem(config.DATABASE_URL);
  if (optionProblem) throw new ConfigError([optionProblem]);
  const db = createDb(config.DATABASE_URL, { poolMax: 2, applicationName: 'lead-router-migrate' });
  try {
    // A database that does not exist, a wrong user or password: named as DATABASE_URL, without the password.
    const applied = await migrateLatest(db).catch((err: unknown) => { throw databaseStartError(err, config.DATABASE_URL); });
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error('migration failed:', err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
