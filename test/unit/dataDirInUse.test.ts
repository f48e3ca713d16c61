// `make smoke` while `make dev` ran on the same data dir failed with Postgres's raw "lock file postmaster.pid already
// exists": scripts/dev.ts now says in one line that another stack uses the data dir. Session 11's review: after a
// container restart the stale lock file's id may belong to `make dev` itself, its parent, or any other program; only a
// live process named postgres is a server (Postgres's own rules, plus its name).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { refuseDataDirInUse, runningPostgresPid } from '../../scripts/local/dataDirInUse';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-datadir-'));
  fs.mkdirSync(path.join(dataDir, 'postgres'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** A postmaster.pid as Postgres writes it: the PID first, then the data dir, start time, port … */
const writeLock = (pid: number) => fs.writeFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), `${pid}\n${dataDir}/postgres\n1764500000\n55432\n`);
const lockedPid = () => runningPostgresPid(path.join(dataDir, 'postgres'));

/** The id of a process that has exited (so no process has it now, barring reuse within the test). */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** The machine's `sleep` (coreutils): a program that keeps the name it is started under (node renames its thread). */
const sleepBinary = ['/bin/sleep', '/usr/bin/sleep'].find((p) => fs.existsSync(p));

/**
 * A live process that runs until killed, its executable named `name` (a symlink to sleep: Linux names the process
 * after the path it was started from, as /proc/<pid>/comm shows). Resolves once it runs (the exec succeeded).
 */
async function liveProcessNamed(name: string, dir: string): Promise<ChildProcess> {
  const link = path.join(dir, name);
  fs.symlinkSync(sleepBinary!, link);
  const child = spawn(link, ['600'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return child;
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
};

const onLinux = fs.existsSync('/proc/self/comm') && sleepBinary !== undefined;

(onLinux ? test : test.skip)('a live process named postgres holding the lock: one line naming the data dir, its PID, and what to do', async () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-fake-postgres-'));
  const server = await liveProcessNamed('postgres', bin);
  try {
    writeLock(server.pid!);
    expect(fs.readFileSync(`/proc/${server.pid}/comm`, 'utf8').trim()).toBe('postgres'); // the premise
    expect(lockedPid()).toBe(server.pid);
    expect(() => refuseDataDirInUse(dataDir)).toThrow(
      `another stack uses the data dir ${dataDir} (its Postgres runs as PID ${server.pid}): stop it (Ctrl-C in its make dev), or set DEV_DATA_DIR to another directory`,
    );
  } finally {
    await stop(server);
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

(onLinux ? test : test.skip)('a live process with the lock\'s id that is not named postgres: stale (its id was reused)', async () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-not-postgres-'));
  const other = await liveProcessNamed('not-a-server', bin);
  try {
    writeLock(other.pid!);
    expect(lockedPid()).toBeUndefined();
    expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
  } finally {
    await stop(other);
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test('the lock naming our own id or our parent\'s (make dev, or the shell that started it, after a restart): stale', () => {
  writeLock(process.pid);
  expect(lockedPid()).toBeUndefined();
  writeLock(process.ppid);
  expect(lockedPid()).toBeUndefined();
});

test('a process we may not signal (EPERM: another user\'s): stale, as Postgres treats it', () => {
  const kill = jest.spyOn(process, 'kill').mockImplementation(() => {
    throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
  });
  try {
    writeLock(1); // init: running, but "not ours to signal"
    expect(lockedPid()).toBeUndefined();
    expect(kill).toHaveBeenCalledWith(1, 0);
  } finally {
    kill.mockRestore();
  }
});

test('no lock file, a stale one (its server died) or an unreadable one: nothing to refuse (Postgres replaces a stale one)', async () => {
  expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
  writeLock(await exitedPid());
  expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
  fs.writeFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'garbage\n');
  expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
});
