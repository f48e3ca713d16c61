import { createDb, type Db } from '../../lib/db/createDb';
import { preparedQuery } from '../../lib/db/preparedStatement';
import { createTestDatabase } from '../support/stack';

/**
 * preparedQuery (lib/db/preparedStatement.ts): the routing attempt's statement as a named prepared statement, and
 * what happens where the server does not keep it (a pooler in transaction mode: PgBouncer before 1.21). Real Postgres.
 */
let url: string;
beforeAll(async () => {
  url = (await createTestDatabase()).url;
});

const withDb = async (fn: (db: Db) => Promise<void>) => {
  const db = createDb(url, { poolMax: 1 }); // one connection: every call meets the statements of the one before
  try {
    await fn(db);
  } finally {
    await db.destroy();
  }
};

test('prepared once per connection, then reused; errors keep their SQLSTATE', async () => {
  await withDb(async (db) => {
    for (let i = 0; i < 3; i++) expect(await preparedQuery(db, 'SELECT $1::int + 1 AS n', [i])).toEqual([{ n: i + 1 }]);
    const prepared = await db.raw("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1 AS n'");
    expect(prepared.rows).toEqual([{ n: 1 }]);
    await expect(preparedQuery(db, 'SELECT 1 / $1::int AS n', [0])).rejects.toMatchObject({ code: '22012' });
  });
});

test('a server that lost the statement (a pooler moved the session: 26000) gets it unnamed, then never named again', async () => {
  await withDb(async (db) => {
    expect(await preparedQuery(db, 'SELECT $1::text AS t', ['a'])).toEqual([{ t: 'a' }]);
    await db.raw('DEALLOCATE ALL'); // what another server connection behind a pooler looks like: no such statement
    expect(await preparedQuery(db, 'SELECT $1::text AS t', ['b'])).toEqual([{ t: 'b' }]);
    await db.raw('DEALLOCATE ALL');
    expect(await preparedQuery(db, 'SELECT $1::text AS t', ['c'])).toEqual([{ t: 'c' }]); // unnamed: nothing to lose
    const prepared = await db.raw("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = 'SELECT $1::text AS t'");
    expect(prepared.rows).toEqual([{ n: 0 }]);
  });
});

test('inside a transaction it runs on the transaction\'s connection: it sees the transaction\'s uncommitted rows', async () => {
  const db = createDb(url, { poolMax: 2 });
  try {
    await db.raw('CREATE TABLE IF NOT EXISTS prepared_t (n int)');
    const rollback = new Error('roll back');
    await expect(db.transaction(async (trx) => {
      await trx.raw('INSERT INTO prepared_t VALUES (7)');
      expect(await preparedQuery(trx, 'SELECT count(*)::int AS n FROM prepared_t WHERE n = $1', [7])).toEqual([{ n: 1 }]);
      throw rollback;
    })).rejects.toBe(rollback);
    expect(await preparedQuery(db, 'SELECT count(*)::int AS n FROM prepared_t WHERE n = $1', [7])).toEqual([{ n: 0 }]);
  } finally {
    await db.destroy();
  }
});
