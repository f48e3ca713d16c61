import fs from 'node:fs';
import path from 'node:path';

/** Names a postmaster's executable has (`/proc/<pid>/comm`): `postgres`, and `postmaster` of old installs. */
const POSTMASTER_NAMES = new Set(['postgres', 'postmaster']);

/**
 * Whether `pid` may be a live postmaster, by Postgres's own rules for a lock file it finds (CreateLockFile in
 * miscinit.c): our own id and our parent's are stale (ids are reused after a container restart, and `make dev` or
 * its shell may get the one the old server had), so is a process we may not signal (EPERM: another user's, which
 * cannot be a server started on our data dir). Where /proc exists (Linux), the process must also be named postgres:
 * any other program that got the id is not a server.
 */
function isLivePostmaster(pid: number): boolean {
  if (pid === process.pid || pid === process.ppid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: no such process; EPERM: another user's (stale for Postgres too)
  }
  if (!fs.existsSync('/proc/self/comm')) return true; // no /proc (macOS): the signal check is all there is
  try {
    return POSTMASTER_NAMES.has(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return false; // it exited between the two checks
  }
}

/**
 * The id of the Postgres server running on `pgDataDir` (the first line of its postmaster.pid), or undefined when
 * none is: no lock file, or a stale one left by a server that died (Postgres itself replaces a stale one). Which
 * ids count as a live server: isLivePostmaster.
 */
export function runningPostgresPid(pgDataDir: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(pgDataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 && isLivePostmaster(pid) ? pid : undefined;
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
