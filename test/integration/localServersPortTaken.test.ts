// Session 10's newcomer walk: when `make dev`'s Postgres lost its port between the free-port check and its bind, it
// exited at once and the start waited 60 s anyway (the exit was retried like a server not up yet). Session 11's
// review: when the port's holder was another Postgres or Temporal (the test stack's, here), its answer was taken for
// ours, and the caller (make dev, the test, load and bench stacks) used another stack's server. Real servers here (the
// machine's Postgres binaries, the Temporal CLI) on a port held by a silent socket, or by the shared test stack's
// servers; in the integration project, as they start real servers.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { Client } from 'pg';
import { freePort } from '../../scripts/local/freePort';
import { PortInUseError, startLocalPostgres } from '../../scripts/local/postgres';
import { findTemporalCli, startTemporalDevServer, TemporalPortInUseError } from '../../scripts/local/temporal';
import { sharedEnv } from '../support/env';

let dir: string;
let held: net.Server;
let heldPort: number;
const heldSockets = new Set<net.Socket>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lead-router-port-taken-'));
  fs.chmodSync(dir, 0o711); // when run as root, Postgres runs as `postgres` and must pass through
  heldPort = await freePort();
  // Accepts and never answers, as an unrelated process on the port may: a start must not wait on it.
  held = net.createServer((socket) => { heldSockets.add(socket); socket.on('error', () => undefined); });
  await new Promise<void>((resolve) => held.listen(heldPort, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of heldSockets) socket.destroy();
  await new Promise((resolve) => held.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** How long `start` took to settle, and how (the error, when it failed). */
async function timed<T>(start: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const began = Date.now();
  try {
    const value = await start();
    return { ms: Date.now() - began, value };
  } catch (error) {
    return { ms: Date.now() - began, error };
  }
}

/** Runs `fn` with console.warn captured (the retries' "port … was taken" lines); the lines it wrote. */
async function withWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const result = await fn();
    return { result, warnings: warn.mock.calls.map((c) => String(c[0])) };
  } finally {
    warn.mockRestore();
  }
}

/** The data directory of the Postgres server at `url` (SHOW data_directory), symlinks resolved. */
async function dataDirectoryAt(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return fs.realpathSync((await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory);
  } finally {
    await client.end();
  }
}

describe('Postgres on a port already taken', () => {
  const dataDir = () => path.join(dir, 'pg');
  const options = (port: number) => ({ dataDir: dataDir(), port, durable: false, logFile: path.join(dir, 'pg.log') });

  test('by a silent socket: fails at once, with its own log lines saying why (not after the 60 s wait)', async () => {
    const { ms, error } = await timed(() => startLocalPostgres(options(heldPort)));
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toMatch(/postgres exited at once .*\n[\s\S]*Address already in use/);
    expect(ms).toBeLessThan(30_000); // initdb included; the wait used to end only at 60 s
  }, 90_000);

  test('by a silent socket, with portInUseRetries: starts on another free port and answers there', async () => {
    const { result: { value: pg, error }, warnings } = await withWarnings(() => timed(() => startLocalPostgres({ ...options(heldPort), portInUseRetries: 2 })));
    try {
      expect(error).toBeUndefined();
      expect(pg!.port).not.toBe(heldPort);
      expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`port ${heldPort} was taken .*starting on port ${pg!.port}`)));
      expect(await dataDirectoryAt(pg!.url())).toBe(fs.realpathSync(dataDir()));
    } finally {
      await pg?.stop();
    }
  }, 90_000);

  test('by another Postgres (the test stack\'s): never taken for ours; fails naming the port in use', async () => {
    const otherPort = sharedEnv().pgPort;
    const { value: pg, error } = await timed(() => startLocalPostgres(options(otherPort)));
    await pg?.stop(); // only if the start wrongly resolved: then it is ours to stop, not the stack's (whose child it is not)
    expect(pg).toBeUndefined(); // it used to resolve at once, on the other server
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).port).toBe(otherPort);
    expect((error as Error).message).toMatch(/Address already in use/);
  }, 90_000);

  test('by another Postgres, with portInUseRetries: ours starts on another port, and serves our data dir', async () => {
    const otherPort = sharedEnv().pgPort;
    const { result: { value: pg, error }, warnings } = await withWarnings(() => timed(() => startLocalPostgres({ ...options(otherPort), portInUseRetries: 2 })));
    try {
      expect(error).toBeUndefined();
      expect(pg!.port).not.toBe(otherPort);
      expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`port ${otherPort} was taken .*starting on port ${pg!.port}`)));
      expect(await dataDirectoryAt(pg!.url())).toBe(fs.realpathSync(dataDir()));
      // The stack's server is untouched: still its own data dir, on its port.
      expect(await dataDirectoryAt(`postgres://postgres@127.0.0.1:${otherPort}/postgres`)).not.toBe(fs.realpathSync(dataDir()));
    } finally {
      await pg?.stop();
    }
  }, 120_000);
});

/** Whether a Temporal frontend answers at `address` (getSystemInfo within a few seconds). */
async function temporalAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 3_000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

const cli = findTemporalCli();
(cli ? describe : describe.skip)('the Temporal dev server on a port already taken', () => {
  const logFile = () => path.join(dir, 'temporal.log');

  test('by a silent socket: fails at once, with its own output saying why', async () => {
    const { ms, error } = await timed(() => startTemporalDevServer({ port: heldPort, logFile: logFile() }));
    expect(error).toBeInstanceOf(TemporalPortInUseError);
    expect((error as Error).message).toMatch(/temporal exited at once[\s\S]*address already in use/);
    expect(ms).toBeLessThan(30_000); // the wait used to end only at 90 s
  }, 120_000);

  test('by a silent socket, with portInUseRetries: starts on another free port', async () => {
    const { result: { value: server, error } } = await withWarnings(() => timed(() => startTemporalDevServer({ port: heldPort, logFile: logFile(), portInUseRetries: 2 })));
    try {
      expect(error).toBeUndefined();
      expect(server!.address).not.toBe(`127.0.0.1:${heldPort}`);
      expect(await temporalAnswers(server!.address)).toBe(true);
    } finally {
      await server?.stop();
    }
  }, 120_000);

  test('by another Temporal (the test stack\'s): never taken for ours; fails naming the port in use', async () => {
    const other = sharedEnv().temporalAddress;
    const otherPort = Number(other.split(':').pop());
    const { value: server, error } = await timed(() => startTemporalDevServer({ port: otherPort, logFile: logFile() }));
    await server?.stop(); // only if the start wrongly resolved
    expect(server).toBeUndefined(); // it used to resolve on the other server while ours logged "bind: address already in use"
    expect(error).toBeInstanceOf(TemporalPortInUseError);
    expect((error as TemporalPortInUseError).port).toBe(otherPort);
    expect(await temporalAnswers(other)).toBe(true); // the stack's server is untouched
  }, 120_000);

  test('by another Temporal, with portInUseRetries: ours starts on another port, and it is ours (it stops with us)', async () => {
    const other = sharedEnv().temporalAddress;
    const otherPort = Number(other.split(':').pop());
    const { result: { value: server, error }, warnings } = await withWarnings(() => timed(() => startTemporalDevServer({ port: otherPort, logFile: logFile(), portInUseRetries: 2 })));
    try {
      expect(error).toBeUndefined();
      expect(server!.address).not.toBe(other);
      expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`port ${otherPort} was taken .*starting on port ${server!.address.split(':').pop()}`)));
      expect(await temporalAnswers(server!.address)).toBe(true);
    } finally {
      await server?.stop();
    }
    // What we were handed was our child's server: once it is stopped nothing answers there, and the stack's still does.
    expect(await temporalAnswers(server!.address)).toBe(false);
    expect(await temporalAnswers(other)).toBe(true);
  }, 180_000);
});
