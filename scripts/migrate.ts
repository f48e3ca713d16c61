import { ConfigError, loadDatabaseConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';
import { migrateLatest } from '../lib/db/migrate';
import { createLogger } from '../lib/logger';
import { databaseToolError, databaseUrlOptionProblem, toolFailureText } from '../lib/startErrors';

/** `npm run migrate`: applies pending migrations to DATABASE_URL; exits non-zero on any failure. */
async function main() {
  const config = loadDatabaseConfig();
  const optionProblem = databaseUrlOptionProblem(config.DATABASE_URL);
  if (optionProblem) throw new ConfigError([optionProblem]);
  // knex's own warnings ("Acquire connection error" with pg's stack) stay quiet: the failure itself is printed below.
  const db = createDb(config.DATABASE_URL, { poolMax: 2, applicationName: 'lead-router-migrate', log: createLogger('silent') });
  try {
    // No server there, a database that does not exist, a wrong user or password: named as DATABASE_URL, without the password.
    const applied = await migrateLatest(db).catch((err: unknown) => { throw databaseToolError(err, config.DATABASE_URL); });
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(toolFailureText('migration failed', err));
  process.exit(1);
});
