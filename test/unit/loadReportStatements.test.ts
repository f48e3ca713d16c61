import { formatTopStatements, postgresSection } from '../../scripts/load/report';
import { statementText, type StatementReport, type TopStatement } from '../../scripts/load/statementStats';

/** The load report's "postgres top statements" section (scripts/load/report.ts) from a pg_stat_statements fixture. */

const statement = (calls: number, totalMs: number, query: string, toplevel = true): TopStatement => ({ calls, totalMs, meanMs: totalMs / calls, rows: calls, toplevel, query });

const FIXTURE: StatementReport = {
  topStatements: [
    statement(3000, 51_234.56, 'SELECT lock_and_decide($1::uuid, $2, $3)'),
    statement(3000, 20_100.4, 'UPDATE capacity_counters c SET used = c.used + $1 WHERE c.workspace_id = p_workspace_id', false),
    statement(3000, 9_000, 'SELECT * FROM complete_routing($1::uuid, $2)'),
    ...Array.from({ length: 7 }, (_, i) => statement(10, 9 - i, `SELECT ${i}`)),
  ],
  topLevelCalls: 24_000,
  nestedCalls: 90_000,
  topLevelMs: 75_000,
};

test('postgresSection divides the totals by the routed leads, and says n/a rather than dividing by zero', () => {
  expect(postgresSection(FIXTURE, 3000)).toEqual({ ...FIXTURE, statementsPerRoutedLead: 8, nestedStatementsPerRoutedLead: 30, statementMsPerRoutedLead: 25 });
  expect(postgresSection(FIXTURE, 0)).toMatchObject({ statementsPerRoutedLead: null, nestedStatementsPerRoutedLead: null, statementMsPerRoutedLead: null });
});

test('the section lists the top 8 by total time, nested statements marked, then the numbers per routed lead', () => {
  const lines = formatTopStatements(postgresSection(FIXTURE, 3000)).split('\n');
  expect(lines).toEqual([
    '  postgres top statements (by total time; from the start of the offer to the end of the drain)',
    '       calls   total ms   mean ms  query',
    '        3000      51235     17.08  SELECT lock_and_decide($1::uuid, $2, $3)',
    '        3000      20100      6.70  [nested] UPDATE capacity_counters c SET used = c.used + $1 WHERE c.workspace_id = p_workspace_id',
    '        3000       9000      3.00  SELECT * FROM complete_routing($1::uuid, $2)',
    '          10          9      0.90  SELECT 0',
    '          10          8      0.80  SELECT 1',
    '          10          7      0.70  SELECT 2',
    '          10          6      0.60  SELECT 3',
    '          10          5      0.50  SELECT 4',
    '  per routed lead  8.0 statements sent (+ 30.0 run inside SQL functions), 25.00 ms of statement time',
  ]);
});

test('a run that counted nothing says so, and nothing routed gives n/a', () => {
  const empty = postgresSection({ topStatements: [], topLevelCalls: 0, nestedCalls: 0, topLevelMs: 0 }, 0);
  expect(formatTopStatements(empty).split('\n').slice(2)).toEqual([
    '    (none counted)',
    '  per routed lead  n/a statements sent (+ n/a run inside SQL functions), n/a ms of statement time',
  ]);
});

test('statement texts are one line, cut to 140 characters, with no quoted value left', () => {
  expect(statementText('SELECT *\n  FROM   leads\n\tWHERE id = $1')).toBe('SELECT * FROM leads WHERE id = $1');
  const long = statementText(`SELECT ${'x, '.repeat(100)}y`);
  expect(long).toHaveLength(140);
  expect(long.endsWith('…')).toBe(true);
  // PostgreSQL 15 keeps a utility statement's constants: blanked, escaped quotes included.
  expect(statementText("SET application_name = 'jane.doe@example.com'")).toBe("SET application_name = '…'");
  expect(statementText("SELECT 'it''s'")).not.toMatch(/it|s'/);
});
