import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { waitFor } from './waitFor';

/**
 * Runs a private PostgreSQL server from the machine's PostgreSQL binaries, for the dev stack and the
 * tests. We own the process (no pg_ctl daemon), it listens on 127.0.0.1 only, and it stops with us.
 * Postgres refuses to run as root, so when we are root (CI is) it runs as the `postgres` OS user.
 */
export interface LocalPostgres {
  port: number;
  /** The postmaster's process id (its backends are its children): for CPU and memory readings. */
  pid?: number;
  /** URL of a database on this server (the maintenance db `postgres` unless one is given). */
  url(database?: string): string;
  /** pg_stat_statements is loaded (asked for with `statementStats` and installed on this machine). */
  statementStats: boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  port: number;
  /** Tests trade durability for speed; the dev stack keeps fsync on. */
  durable: boolean;
  logFile?: string;
  /**
   * Load pg_stat_statements (`shared_preload_libraries`, `pg_stat_statements.track=all`: statements run inside
   * SQL functions are counted too), for the load test's top-statements report. Off by default: the tests and
   * the dev stack run without it. When the library is not installed, the server starts without it and one
   * warning says so (the result's `statementStats` is then false).
   */
  statementStats?: boolean;
}

export function findPgBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv) {
    if (!fs.existsSync(path.join(fromEnv, 'postgres'))) throw new Error(`PG_BIN_DIR=${fromEnv} has no postgres binary`);
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(dir, 'postgres'))) return dir;
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL server binaries not found: install them (apt-get install postgresql) or set PG_BIN_DIR');
  }
}

/** uid/gid to run Postgres as: ourselves, or the `postgres` user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export async function startLocalPostgres(opts: StartOptions): Promise<LocalPostgres> {
  const bin = findPgBinDir();
  const user = serverUser();
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  if (user) {
    fs.chownSync(opts.dataDir, user.uid, user.gid);
    grantTraversal(path.dirname(opts.dataDir));
  }
  const spawnAs = { ...(user ?? {}), cwd: opts.dataDir };

  if (!fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    const args = ['-D', opts.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions'];
    if (!opts.durable) args.push('--no-sync');
    try {
      execFileSync(path.join(bin, 'initdb'), args, { ...spawnAs, stdio: 'pipe' });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`initdb failed in ${opts.dataDir}: ${stderr.trim()}`, { cause: err });
    }
  }

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '', // TCP only: socket paths have a length limit and need a writable dir
    max_connections: '300',
    shared_buffers: '128MB',
  };
  if (!opts.durable) Object.assign(settings, { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' });
  const statementStats = opts.statementStats === true && statementStatsInstalled(bin);
  if (statementStats) Object.assign(settings, { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' });
  const args = ['-D', opts.dataDir, '-p', String(opts.port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);

  const logFile = opts.logFile ?? path.join(opts.dataDir, 'server.log');
  const log = fs.openSync(logFile, 'a');
  if (user) fs.fchownSync(log, user.uid, user.gid);
  const child: ChildProcess = spawn(path.join(bin, 'postgres'), args, { ...spawnAs, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${opts.port}/${database}`;
  const stop = async () => {
    if (exited) return;
    child.kill('SIGINT'); // "fast" shutdown: abort transactions, checkpoint, exit
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exitedPromise;
    clearTimeout(timer);
  };

  try {
    await waitFor(`postgres on port ${opts.port}`, async () => {
      if (exited) throw new Error(`postgres exited; see ${logFile}:\n${tail(logFile)}`);
      const client = new Client({ connectionString: url() });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, { timeoutMs: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: opts.port, pid: child.pid, url, statementStats, stop };
}

let warnedNoStatementStats = false;

/**
 * Whether pg_stat_statements' library is in the server's library directory (`pg_config --pkglibdir` next to
 * the binaries, else the Debian layout's ../lib). A missing library must not stop the server from starting
 * (shared_preload_libraries would), so we look first and warn once per process.
 */
export function statementStatsInstalled(bin: string): boolean {
  let libDir = path.join(bin, '..', 'lib');
  try {
    libDir = execFileSync(path.join(bin, 'pg_config'), ['--pkglibdir'], { encoding: 'utf8' }).trim();
  } catch {
    // no pg_config next to the server binaries: keep the Debian layout's guess
  }
  const found = fs.existsSync(path.join(libDir, 'pg_stat_statements.so'));
  if (!found && !warnedNoStatementStats) {
    warnedNoStatementStats = true;
    console.warn(`postgres: pg_stat_statements is not installed (no pg_stat_statements.so in ${libDir}); starting without statement statistics`);
  }
  return found;
}

/**
 * The `postgres` user must be able to walk down to its data dir. Directories such as /root or a mkdtemp
 * dir are 0700: give them the search bit only (o+x: pass through, not list), and say so.
 */
function grantTraversal(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(d, mode | 0o001);
      console.warn(`postgres: granted o+x on ${d} so the postgres user can reach its data directory`);
    }
    if (d === path.dirname(d)) break;
  }
}

/** Creates `database` if it does not exist yet. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
