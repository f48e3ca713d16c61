import type { Knex } from 'knex';
import { migrations } from '../../migrations';
import type { Db } from './createDb';

/** Serves the static migration list to knex (see migrations/index.ts for why it is static). */
const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};

// Arbitrary constant: the key of the advisory lock that serialises migrators across processes.
const MIGRATION_LOCK_KEY = 472_118_305;

/** How often a migrator waiting for another one asks for the lock again (ms). */
const LOCK_POLL_MS = 100;

/**
 * Brings the schema up to date. Safe to run from several processes at once (api, worker and a deploy
 * job starting together): a session advisory lock makes the others wait instead of failing on knex's
 * own lock table, and they then find nothing left to do. They wait by asking again every LOCK_POLL_MS
 * (pg_try_advisory_lock), not in a blocking pg_advisory_lock(): a statement blocked there holds a snapshot,
 * and CREATE INDEX CONCURRENTLY (migration 0020) waits for every such snapshot to end, so the migrator
 * holding the lock would wait forever for the ones waiting on it.
 */
export async function migrateLatest(db: Db): Promise<string[]> {
  const lockConnection = await db.client.acquireConnection();
  try {
    for (;;) {
      const { rows } = await lockConnection.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]);
      if ((rows as Array<{ locked: boolean }>)[0]?.locked) break;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
    try {
      const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
      return applied;
    } finally {
      await lockConnection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await db.client.releaseConnection(lockConnection);
  }
}
