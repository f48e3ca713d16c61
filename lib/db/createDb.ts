import knex, { type Knex } from 'knex';

export type Db = Knex;

export interface DbOptions {
  poolMax?: number;
  /** Shows up in pg_stat_activity, so on-call can tell the api's connections from the worker's. */
  applicationName?: string;
}

export function createDb(connectionString: string, options: DbOptions = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString, application_name: options.applicationName ?? 'lead-router' },
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Fail fast rather than queue forever when the pool is exhausted: the caller retries (Temporal) or 503s.
    acquireConnectionTimeout: 10_000,
  });
}
