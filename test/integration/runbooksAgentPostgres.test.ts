import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase } from '../support/stack';

/**
 * The *Database Health* dashboard the runbooks send on-call to is fed by the Datadog Agent's Postgres check,
 * which logs in as the `datadog` user of scripts/local/datadog-monitoring-user.sql (the compose postgres
 * service's init hook). That SQL runs here on a real migrated database, twice (it must be re-runnable on an
 * existing volume), and the user then runs the kind of queries the check does (connections, max_connections,
 * pg_stat_activity with other sessions' query texts, locks by relation, per-table and per-index stats, sizes,
 * DBM's explain function), and cannot read the tables' rows (the leads' PII).
 */
const sqlFile = path.resolve(__dirname, '../../scripts/local/datadog-monitoring-user.sql');
const RELATIONS = ['leads', 'lead_routing_queue', 'lead_routing_logs'];
const password = 'monitoring-password-for-the-test';

let db: { url: string; name: string };
let owner: Client;
let datadog: Client;

beforeAll(async () => {
  db = await createTestDatabase();
  for (let run = 0; run < 2; run += 1) {
    await promisify(execFile)('psql', ['-X', '-q', '-v', `dd_password=${password}`, '-d', db.url, '-f', sqlFile]);
  }
  owner = new Client({ connectionString: db.url });
  await owner.connect();
  const url = new URL(db.url);
  url.username = 'datadog';
  url.password = password;
  datadog = new Client({ connectionString: url.toString(), application_name: 'datadog-agent' });
  await datadog.connect();
});

afterAll(async () => {
  await datadog?.end();
  await owner?.end();
});

test('the user exists with pg_monitor, and pg_stat_statements and the explain function are installed', async () => {
  const { rows } = await owner.query(`SELECT pg_has_role('datadog', 'pg_monitor', 'MEMBER') AS monitor, (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'datadog') AS login,
    EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements') AS statements`);
  expect(rows[0]).toEqual({ monitor: true, login: true, statements: true });
});

test('it reads connections and their limit, per database', async () => {
  const { rows } = await datadog.query(`SELECT numbackends, xact_commit, deadlocks, (SELECT setting::int FROM pg_settings WHERE name = 'max_connections') AS max_connections
    FROM pg_stat_database WHERE datname = $1`, [db.name]);
  expect(rows).toHaveLength(1);
  expect(rows[0].numbackends).toBeGreaterThanOrEqual(2);
  expect(rows[0].max_connections).toBeGreaterThan(0);
});

test("it sees other sessions' query texts and the locks they hold on the routing tables", async () => {
  await owner.query('BEGIN');
  try {
    await owner.query('LOCK TABLE lead_routing_queue IN ROW EXCLUSIVE MODE');
    const activity = await datadog.query(`SELECT query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND query LIKE 'LOCK TABLE%'`, [db.name]);
    expect(activity.rows.map((r) => r.query)).toEqual(['LOCK TABLE lead_routing_queue IN ROW EXCLUSIVE MODE']);
    const locks = await datadog.query(`SELECT mode, c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = ANY($1) AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [RELATIONS]);
    expect(locks.rows).toContainEqual({ mode: 'RowExclusiveLock', relname: 'lead_routing_queue' });
  } finally {
    await owner.query('ROLLBACK');
  }
});

test('it reads per-table and per-index statistics and sizes of the configured relations', async () => {
  const tables = await datadog.query(`SELECT relname, n_live_tup, n_dead_tup, seq_scan, idx_scan, pg_total_relation_size(relid) AS size
    FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname`, [RELATIONS]);
  expect(tables.rows.map((r) => r.relname)).toEqual([...RELATIONS].sort());
  for (const row of tables.rows) expect(Number(row.size)).toBeGreaterThan(0);
  const indexes = await datadog.query(`SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'leads'`);
  expect(indexes.rows.map((r) => r.indexrelname)).toContain('leads_pkey');
});

test("DBM's explain function returns a plan for a sampled query without running it", async () => {
  const { rows } = await datadog.query(`SELECT explain FROM datadog.explain_statement($1)`, ["SELECT id FROM leads WHERE routing_status = 'routing'"]);
  expect(rows[0].explain[0].Plan).toEqual(expect.objectContaining({ 'Node Type': expect.any(String) }));
});

test("it cannot read the leads' rows", async () => {
  await expect(datadog.query('SELECT payload FROM leads LIMIT 1')).rejects.toThrow(/permission denied/);
});
