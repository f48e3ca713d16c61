import crypto from 'node:crypto';
import type { Db } from './createDb';

/** The pg connection as knex's pool hands it out: only what this module needs. */
interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/**
 * SQLSTATEs that say the server does not keep this connection's named statements: 26000 (prepared statement does not
 * exist) and 42P05 (already exists), what a pooler in transaction mode answers (PgBouncer before 1.21, or with
 * max_prepared_statements = 0: the next transaction may run on another server connection).
 */
const STATEMENTS_NOT_KEPT = new Set(['26000', '42P05']);

/** Statement names by text (the statement's text is one of a few constants: hashed once each, not per call). */
const names = new Map<string, string>();
const nameOf = (text: string): string => {
  let name = names.get(text);
  if (!name) names.set(text, (name = `lr_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return name;
};

/** Pools whose server does not keep named statements (STATEMENTS_NOT_KEPT seen once): unnamed from then on. */
const unnamedOnly = new WeakSet<Db>();

/**
 * Runs `text` (pg's `$1` placeholders) with `values` as a NAMED prepared statement on a connection of `db`'s pool,
 * for the statement every routing attempt sends (lock_and_decide(), issue 10: decide p95 < 2 ms): Postgres parses
 * and plans it once per connection instead of once per call, and the call skips knex's query builder and runner.
 * Measured one lead at a time with the caches as a routing attempt leaves them (an A/B, leads alternating): p50 ~0.1 ms
 * and p95 ~0.15-0.2 ms less per statement than `knex.raw` (README, Benchmark, session 11). Postgres re-plans a
 * prepared statement by itself when an object it uses changes (a migration replacing the function).
 *
 * The statement's name is derived from its text, so another text never meets a connection's older statement of the
 * same name. Behind a pooler that does not keep named statements (STATEMENTS_NOT_KEPT), the call is sent again
 * unnamed and the pool is never sent a named one again. Inside a transaction (`db.isTransaction`) it runs through
 * knex on the transaction's connection. knex's `query` event is emitted as for its own statements (tests count
 * statements with it). Errors: pg's, as knex.raw throws them (a 55P03 lock timeout keeps its `code`).
 */
export async function preparedQuery(db: Db, text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
  if (db.isTransaction) {
    // knex.raw binds `?` in order: only a text whose placeholders are $1..$k in order, with no `?` of its own (the
    // jsonb operator), reads the same that way.
    const numbers = [...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    if (text.includes('?') || numbers.some((n, i) => n !== i + 1) || numbers.length !== values.length) {
      throw new Error('preparedQuery in a transaction needs placeholders $1..$k in order, one per value, and no "?" in the text');
    }
    const { rows } = await db.raw(text.replace(/\$\d+/g, '?'), values as never);
    return rows;
  }
  const name = unnamedOnly.has(db) ? undefined : nameOf(text);
  db.emit('query', { sql: text, bindings: values, method: 'raw', ...(name ? { prepared: name } : {}) });
  const client = db.client as unknown as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const connection = await client.acquireConnection();
  try {
    try {
      return (await connection.query(name ? { name, text, values } : { text, values })).rows;
    } catch (err) {
      if (!name || !STATEMENTS_NOT_KEPT.has((err as { code?: string }).code ?? '')) throw err;
      unnamedOnly.add(db);
      return (await connection.query({ text, values })).rows;
    }
  } finally {
    await client.releaseConnection(connection);
  }
}
