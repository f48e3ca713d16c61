import type { Db } from '../../lib/db/createDb';

/**
 * Postgres's own account of the statements the product ran during a load run, from pg_stat_statements (the
 * load stack's Postgres loads it: scripts/local/postgres.ts, `statementStats`). Query texts are pg_stat_statements'
 * normalised ones (constants replaced by $1, $2, ...), so no lead data is in them; we never read parameters.
 */

/** One normalised statement, summed over every execution (pg_stat_statements' row for it). */
export interface TopStatement {
  calls: number;
  /** total_exec_time, ms (for a function call: including the statements it ran and any lock waits). */
  totalMs: number;
  /** mean_exec_time, ms. */
  meanMs: number;
  /** Rows returned or affected, summed. */
  rows: number;
  /** false: run inside a SQL function (track=all), not sent by a client. */
  toplevel: boolean;
  /** The normalised text, whitespace collapsed, cut to QUERY_CHARS. */
  query: string;
}

/** What the load report keeps (report.ts, `postgres`): the top statements and the totals per routed lead. */
export interface StatementReport {
  /** The TOP_STATEMENTS statements with the most total_exec_time, most first. */
  topStatements: TopStatement[];
  /** Statements the product's connections sent (top-level calls, summed over all statements). */
  topLevelCalls: number;
  /** Statements run inside SQL functions (nested calls, summed); their time is inside their caller's. */
  nestedCalls: number;
  /** Execution time of the top-level statements, ms (nested time is part of it, so not added again). */
  topLevelMs: number;
}

export const TOP_STATEMENTS = 15;
export const QUERY_CHARS = 140;

/** Resets and reads pg_stat_statements for the database `db` is connected to. */
export interface StatementStats {
  /** Forgets everything counted so far in this database (call when the offered load starts). */
  reset(): Promise<void>;
  /** The top statements and the totals since the last reset. */
  read(): Promise<StatementReport>;
}

/** The connection option that keeps a connection's own statements out of pg_stat_statements (superuser only). */
export const UNTRACKED_CONNECTION_OPTIONS = '-c pg_stat_statements.track=none';

/**
 * Creates the extension in `db`'s database (`CREATE EXTENSION IF NOT EXISTS`: the view lives there) and
 * returns its reader, or undefined with the reason when the server did not load the library (it must be in
 * shared_preload_libraries) or the extension cannot be created. `db` should connect with
 * UNTRACKED_CONNECTION_OPTIONS so the load runner's own sampling is not counted as the product's.
 */
export async function openStatementStats(db: Db): Promise<{ stats?: StatementStats; unavailable?: string }> {
  const { rows } = await db.raw<{ rows: Array<{ libs: string }> }>("SELECT current_setting('shared_preload_libraries') AS libs");
  if (!rows[0]!.libs.split(',').map((l) => l.trim()).includes('pg_stat_statements')) {
    return { unavailable: 'the server was started without pg_stat_statements in shared_preload_libraries' };
  }
  try {
    await db.raw('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  } catch (err) {
    return { unavailable: `CREATE EXTENSION pg_stat_statements failed: ${(err as Error).message}` };
  }
  const thisDatabase = '(SELECT oid FROM pg_database WHERE datname = current_database())';
  return {
    stats: {
      reset: async () => {
        // (userid 0, this database, queryid 0): every statement of this database, whoever ran it.
        await db.raw(`SELECT pg_stat_statements_reset(0, ${thisDatabase}, 0)`);
      },
      read: async () => {
        const top = await db.raw<{ rows: Array<{ calls: string; total: number; mean: number; rows: string; toplevel: boolean; query: string | null }> }>(
          `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, rows, toplevel, query
             FROM pg_stat_statements WHERE dbid = ${thisDatabase}
            ORDER BY total_exec_time DESC LIMIT ${TOP_STATEMENTS}`,
        );
        const totals = await db.raw<{ rows: Array<{ top_calls: string | null; nested_calls: string | null; top_ms: number | null }> }>(
          `SELECT sum(calls) FILTER (WHERE toplevel) AS top_calls, sum(calls) FILTER (WHERE NOT toplevel) AS nested_calls,
                  sum(total_exec_time) FILTER (WHERE toplevel) AS top_ms
             FROM pg_stat_statements WHERE dbid = ${thisDatabase}`,
        );
        const t = totals.rows[0]!;
        return {
          topStatements: top.rows.map((r) => ({
            calls: Number(r.calls),
            totalMs: Number(r.total),
            meanMs: Number(r.mean),
            rows: Number(r.rows),
            toplevel: r.toplevel,
            query: statementText(r.query ?? '<query text not available>'),
          })),
          topLevelCalls: Number(t.top_calls ?? 0),
          nestedCalls: Number(t.nested_calls ?? 0),
          topLevelMs: Number(t.top_ms ?? 0),
        };
      },
    },
  };
}

/**
 * A statement's text for the report: whitespace collapsed, quoted literals blanked, cut to `max` characters.
 * pg_stat_statements already replaces a plannable statement's constants with $n; in PostgreSQL 15 utility
 * statements (SET, CREATE ...) keep theirs, so any '...' left is blanked to be sure no value reaches a report.
 */
export function statementText(raw: string, max = QUERY_CHARS): string {
  const text = raw.replace(/\s+/g, ' ').trim().replace(/'(?:[^']|'')*'/g, "'…'");
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
