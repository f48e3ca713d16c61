import fs from 'node:fs';
import path from 'node:path';

/** Whether a process with this id is running (EPERM: it is, under another user, e.g. `postgres` when run as root). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The id of the Postgres server running on `pgDataDir` (the first line of its postmaster.pid), or undefined when
 * none is: no lock file, or a stale one left by a server that died (Postgres itself replaces a stale one).
 */
export function runningPostgresPid(pgDataDir: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(pgDataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? pid : undefined;
}

/**
 * Throws one line when another stack (`make dev`, `make smoke`) already runs Postgres on this data dir: Postgres
 * would refuse to start with its raw "lock file postmaster.pid already exists … another postmaster (PID n)".
 * `dataDir` is DEV_DATA_DIR (.data by default); its Postgres data is in `<dataDir>/postgres`.
 */
export function refuseDataDirInUse(dataDir: string): void {
  const pid = runningPostgresPid(path.join(dataDir, 'postgres'));
  if (pid !== undefined) {
    throw new Error(`another stack uses the data dir ${dataDir} (its Postgres runs as PID ${pid}): stop it (Ctrl-C in its make dev), or set DEV_DATA_DIR to another directory`);
  }
}
