import type { Db } from '../../lib/db/createDb';

/** Rows per table: taken before and after a rejected request, they prove it wrote nothing (invariant 7). */
export async function rowCounts(db: Db, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await db(table).count<{ count: string }[]>({ count: '*' });
    counts[table] = Number(row?.count);
  }
  return counts;
}
