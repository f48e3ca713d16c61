import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { envSetting } from '../../lib/config/parsers';
import { freePort } from './freePort';
import { logSince } from './logSince';
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
  /**
   * How many times to start again on a new free port when `port` is taken by the time the postmaster binds it
   * (a free-port check, then another process took it). 0 (the default): fail at once, for callers that must keep
   * their port (a restart on the same data and port). The port used is the result's `port`.
   */
  portInUseRetries?: number;
}

/** The postmaster could not bind its port ("could not bind IPv4 address ... Address already in use"). */
export class PortInUseError extends Error {
  constructor(readonly port: number, message: string) {
    super(message);
    this.name = 'PortInUseError';
  }
}

export function findPgBinDir(): string {
  const fromEnv = envSetting(process.env, 'PG_BIN_DIR');
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

/**
 * Creates the cluster in `dataDir` if it has none, starts the server and waits until it answers: 60 s at most per
 * start, so up to (portInUseRetries + 1) × 60 s in all (a start that loses its port ends as soon as its server exits).
 * A server that exits while starting fails at once with the lines it logged; a port taken before it could bind (by
 * anything: another Postgres too, which the wait never mistakes for ours) is retried on a new free port
 * `portInUseRetries` times (the result's `port` says which it got).
 */
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
  const logFile = opts.logFile ?? path.join(opts.dataDir, 'server.log');
  const start = (port: number) => startPostmaster({ bin, dataDir: opts.dataDir, port, settings, logFile, user, cwd: opts.dataDir, statementStats });

  for (let port = opts.port, retriesLeft = opts.portInUseRetries ?? 0; ; retriesLeft--) {
    try {
      return await start(port);
    } catch (err) {
      if (!(err instanceof PortInUseError) || retriesLeft <= 0) throw err;
      const next = await freePort();
      console.warn(`postgres: port ${port} was taken before the server could bind it; starting on port ${next}`);
      port = next;
    }
  }
}

/**
 * Runs the postmaster on `port` and waits (60 s at most) until it answers a query and is ours: another server that
 * already held the port answers before ours has even failed to bind it (review, session 11: `make dev` then migrated
 * another stack's database). A postmaster that exits (a bad setting, the port taken) ends the wait at once with the
 * lines it logged since it was started; the port taken is a PortInUseError.
 */
async function startPostmaster(o: {
  bin: string; dataDir: string; port: number; settings: Record<string, string>; logFile: string;
  user: { uid: number; gid: number } | undefined; cwd: string; statementStats: boolean;
}): Promise<LocalPostgres> {
  const args = ['-D', o.dataDir, '-p', String(o.port)];
  for (const [k, v] of Object.entries(o.settings)) args.push('-c', `${k}=${v}`);
  const log = fs.openSync(o.logFile, 'a');
  if (o.user) fs.fchownSync(log, o.user.uid, o.user.gid);
  const logStart = fs.fstatSync(log).size; // this start's lines only: the dev stack's log grows across runs
  const child: ChildProcess = spawn(path.join(o.bin, 'postgres'), args, { ...(o.user ?? {}), cwd: o.cwd, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exitCode: number | null | undefined;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code) => { exitCode = code; resolve(); }));
  const exited = () => exitCode !== undefined;

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${o.port}/${database}`;
  const ourDataDir = realPath(o.dataDir);
  const stop = async () => {
    if (exited()) return;
    child.kill('SIGINT'); // "fast" shutdown: abort transactions, checkpoint, exit
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const exitError = (): Error | undefined => {
    if (!exited()) return undefined;
    const lines = logSince(o.logFile, logStart);
    const message = `postgres exited at once (code ${exitCode}) on port ${o.port}; its log (${o.logFile}):\n${lines}`;
    return /Address already in use/i.test(lines) ? new PortInUseError(o.port, message) : new Error(message);
  };

  try {
    await waitFor(`postgres on port ${o.port}`, async () => {
      // Bounded: whatever else holds the port may accept and never answer, and the exit check runs between tries.
      const client = new Client({ connectionString: url(), connectionTimeoutMillis: 2_000, query_timeout: 5_000 });
      try {
        await client.connect();
        // Ours only when it serves our data dir; another server is waited past until ours exits (port in use).
        const shown = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]?.data_directory;
        if (shown === undefined || realPath(shown) !== ourDataDir) throw new Error(`the server answering is not ours: its data dir is ${shown}, ours ${ourDataDir}`);
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, { timeoutMs: 60_000, stop: exitError });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: o.port, pid: child.pid, url, statementStats: o.statementStats, stop };
}

/** `dir` with symlinks resolved (Postgres shows its data dir as it was given), or as given when it cannot be read. */
function realPath(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir); // another user's server, whose directory we may not enter: compared as written
  }
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
