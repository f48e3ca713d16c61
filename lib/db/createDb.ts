import knex, { type Knex } from 'knex';
import type { Logger } from '../logger';

export type Db = Knex;

export interface DbOptions {
  poolMax?: number;
  /** Shows up in pg_stat_activity, so on-call can tell the api's connections from the worker's. */
  applicationName?: string;
  /**
   * Where knex's own warnings go ("Connection Error: Connection ended unexpectedly" when Postgres restarts,
   * "Acquire connection error" while it is down). Without one, knex prints them to the console, outside the
   * structured logs on-call searches.
   */
  log?: Logger;
}

export function createDb(connectionString: string, options: DbOptions = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString, application_name: options.applicationName ?? 'lead-router' },
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Fail fast rather than queue forever when the pool is exhausted: the caller retries (Temporal) or 503s.
    acquireConnectionTimeout: 10_000,
    ...(options.log ? { log: knexLog(options.log) } : {}),
  });
}

function knexLog(log: Logger): Knex.Config['log'] {
  const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
  return {
    // knex reports connection failures ("Acquire connection error", "Connection Error: ...") as warnings;
    // for on-call they are errors: the service cannot reach its database.
    warn: (message) => (/error/i.test(text(message)) ? log.error({ event: 'db.error' }, text(message)) : log.warn({ event: 'db.warning' }, text(message))),
    error: (message) => log.error({ event: 'db.error' }, text(message)),
    // knex passes one finished sentence ("X is deprecated, please use Y").
    deprecate: (message) => log.warn({ event: 'db.deprecated' }, text(message)),
    debug: (message) => log.debug({ event: 'db.debug' }, text(message)),
  };
}
