// Session 10's newcomer walk: when `make dev`'s Postgres lost its port between the free-port check and its bind, it
// exited at once and the start waited 60 s anyway (the exit was retried like a server not up yet). Real servers here
// (the machine's Postgres binaries, the Temporal CLI), on a port a test socket holds.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../scripts/local/freePort';
import { PortInUseError, startLocalPostgres } from '../../scripts/local/postgres';
import { findTemporalCli, startTemporalDevServer, TemporalPortInUseError } from '../../scripts/local/temporal';

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

describe('Postgres on a port already taken', () => {
  const options = () => ({ dataDir: path.join(dir, 'pg'), port: heldPort, durable: false, logFile: path.join(dir, 'pg.log') });

  test('fails at once, with its own log lines saying why (not after the 60 s wait)', async () => {
    const { ms, error } = await timed(() => startLocalPostgres(options()));
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toMatch(/postgres exited at once .*\n[\s\S]*Address already in use/);
    expect(ms).toBeLessThan(30_000); // initdb included; the wait used to end only at 60 s
  }, 90_000);

  test('with portInUseRetries, starts on another free port and answers there', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { value: pg, error } = await timed(() => startLocalPostgres({ ...options(), portInUseRetries: 2 }));
    try {
      expect(error).toBeUndefined();
      expect(pg!.port).not.toBe(heldPort);
      expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(new RegExp(`port ${heldPort} was taken .*starting on port ${pg!.port}`)));
      const client = new Client({ connectionString: pg!.url() });
      await client.connect();
      try {
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      warn.mockRestore();
      await pg?.stop();
    }
  }, 90_000);
});

const cli = findTemporalCli();
(cli ? describe : describe.skip)('the Temporal dev server on a port already taken', () => {
  test('fails at once, with its own output saying why', async () => {
    const { ms, error } = await timed(() => startTemporalDevServer({ port: heldPort, logFile: path.join(dir, 'temporal.log') }));
    expect(error).toBeInstanceOf(TemporalPortInUseError);
    expect((error as Error).message).toMatch(/temporal exited at once[\s\S]*address already in use/);
    expect(ms).toBeLessThan(30_000); // the wait used to end only at 90 s
  }, 120_000);

  test('with portInUseRetries, starts on another free port', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { value: server, error } = await timed(() => startTemporalDevServer({ port: heldPort, logFile: path.join(dir, 'temporal.log'), portInUseRetries: 2 }));
    try {
      expect(error).toBeUndefined();
      expect(server!.address).not.toBe(`127.0.0.1:${heldPort}`);
    } finally {
      warn.mockRestore();
      await server?.stop();
    }
  }, 120_000);
});
