import { ConfigError } from '../../lib/config';
import { checkDatabaseAtStart } from '../../lib/startChecks';

// What the checks refuse before any connection (the integration test startErrors.test.ts covers what a real
// Postgres and Temporal answer).
describe('checkDatabaseAtStart refuses a DATABASE_URL pg cannot use, before connecting', () => {
  test('an unknown sslmode (pg would silently read it as "use TLS")', async () => {
    await expect(checkDatabaseAtStart('postgres://app:pw@db.invalid/leads?sslmode=bogus')).rejects.toThrow(/DATABASE_URL: sslmode=bogus is not one of/);
  });
  test('an sslrootcert file that does not exist, named as DATABASE_URL without the password', async () => {
    const err = await checkDatabaseAtStart('postgres://app:pw-secret@db.invalid/leads?sslrootcert=/nonexistent/ca.pem').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^DATABASE_URL: cannot be used as written \(ENOENT.*\/nonexistent\/ca\.pem/)]);
    expect((err as Error).message).not.toContain('pw-secret');
  });
});
