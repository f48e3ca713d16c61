// `make smoke` while `make dev` ran on the same data dir failed with Postgres's raw "lock file postmaster.pid already
// exists": scripts/dev.ts now says in one line that another stack uses the data dir.
import { spawn } from 'node:child_process';
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

/** The id of a process that has exited (so no process has it now, barring reuse within the test). */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

test('a running server on the data dir: one line naming the data dir, its PID, and what to do', () => {
  writeLock(process.pid); // a process that is certainly running
  expect(runningPostgresPid(path.join(dataDir, 'postgres'))).toBe(process.pid);
  expect(() => refuseDataDirInUse(dataDir)).toThrow(
    `another stack uses the data dir ${dataDir} (its Postgres runs as PID ${process.pid}): stop it (Ctrl-C in its make dev), or set DEV_DATA_DIR to another directory`,
  );
});

test('no lock file, a stale one (its server died) or an unreadable one: nothing to refuse (Postgres replaces a stale one)', async () => {
  expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
  writeLock(await exitedPid());
  expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
  fs.writeFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'garbage\n');
  expect(() => refuseDataDirInUse(dataDir)).not.toThrow();
});
