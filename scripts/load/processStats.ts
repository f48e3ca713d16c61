import fs from 'node:fs';

/**
 * CPU time and memory of the processes under load, read from Linux's /proc (no dependency; pidusage reads
 * the same files). A process is taken with its descendants: Postgres is a postmaster and one backend per
 * connection, so its cost is the whole tree.
 *
 *  - CPU: user + system seconds of the live processes of the tree, plus what the root has reaped from
 *    children that exited (cutime + cstime of /proc/<pid>/stat), so short-lived backends are counted too.
 *  - Memory: the tree's resident set now, in MB. Each process's private pages (RssAnon) are summed; shared
 *    pages (RssFile + RssShmem: Postgres' shared_buffers, mapped binaries) are counted once, as the largest
 *    of any process in the tree, so a 20-backend Postgres is not counted as 20 copies of its buffers.
 *    The kernel's own peak (VmHWM) is read for the root process: for the API and the worker (one process
 *    each) that is their peak RSS over the whole run.
 */
export interface ProcessReading {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Resident memory of the tree now, MB (see above). */
  rssMb: number;
  /** The root process's peak resident set (VmHWM), MB. */
  peakRootRssMb: number;
  /** Processes in the tree now. */
  processes: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function readStat(pid: number): { ppid: number; ticks: number; childTicks: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based on the line.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

function readStatusKb(pid: number): Record<string, number> {
  try {
    const out: Record<string, number> = {};
    for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(\w+):\s+(\d+) kB$/.exec(line);
      if (m) out[m[1]!] = Number(m[2]);
    }
    return out;
  } catch {
    return {};
  }
}

/** Every live pid with its parent, read once per sample. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) table.set(Number(name), s.ppid);
  }
  return table;
}

function descendants(root: number, table: Map<number, number>): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of table) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/**
 * Reads each named process tree; a pid that is gone (or undefined) reads as undefined. A name in `alone` is read
 * as that one process, without its descendants or what it reaped from them: the load test's own process (its load
 * generator and buyers), whose children are the very processes measured under the other names.
 */
export function readProcesses(pids: Record<string, number | undefined>, alone: ReadonlySet<string> = new Set()): Record<string, ProcessReading | undefined> {
  const table = processTable();
  const out: Record<string, ProcessReading | undefined> = {};
  for (const [name, root] of Object.entries(pids)) {
    const rootStat = root === undefined ? undefined : readStat(root);
    if (root === undefined || !rootStat) {
      out[name] = undefined;
      continue;
    }
    let ticks = alone.has(name) ? 0 : rootStat.childTicks;
    let privateKb = 0;
    let sharedKb = 0;
    const tree = alone.has(name) ? [root] : descendants(root, table);
    for (const pid of tree) {
      const s = pid === root ? rootStat : readStat(pid);
      if (!s) continue;
      ticks += s.ticks;
      const status = readStatusKb(pid);
      privateKb += status.RssAnon ?? 0;
      sharedKb = Math.max(sharedKb, (status.RssFile ?? 0) + (status.RssShmem ?? 0));
    }
    out[name] = {
      cpuSeconds: ticks / CLOCK_TICKS,
      rssMb: (privateKb + sharedKb) / 1024,
      peakRootRssMb: (readStatusKb(root).VmHWM ?? 0) / 1024,
      processes: tree.length,
    };
  }
  return out;
}

/** Per process over a window: CPU seconds spent, CPU share of one core, and the largest RSS seen. */
export interface ProcessUsage {
  cpuSeconds: number;
  /** cpuSeconds / wall seconds: 1.0 = one core busy all the time. */
  cores: number;
  peakRssMb: number;
  /** The root process's kernel-tracked peak (VmHWM) at the end of the window. */
  peakRootRssMb: number;
}

/** Each named process tree's cumulative CPU at one sample (to see how the cost per lead moves through a run). */
export interface CpuSample {
  /** Seconds since an origin: the sampler's start in what stop() returns (scripts/load/loadWindows.ts shifts it to the offer's start). */
  atSeconds: number;
  /** User + system CPU seconds since each process tree started; undefined when it could not be read (pid gone or unknown). */
  cpuSeconds: Record<string, number | undefined>;
}

/**
 * Samples the named process trees every `intervalMs` until stop(), which returns each one's usage between
 * start and stop: CPU spent, and the largest resident set seen in any sample (not VmHWM, which would include
 * start-up, e.g. the worker bundling its workflow code); and `history`, every sample's cumulative CPU seconds
 * per process (one entry a second: 1,800 entries for a 30-minute run), with `startedAtEpochMs`, the wall-clock
 * time (Date.now()) its `atSeconds` count from.
 */
export function sampleProcesses(pids: Record<string, number | undefined>, intervalMs = 1_000, { alone = [] }: { alone?: readonly string[] } = {}) {
  const aloneSet = new Set(alone);
  const startedAtEpochMs = Date.now();
  const startedAt = performance.now();
  const history: CpuSample[] = [];
  const peaks: Record<string, number> = {};
  const take = () => {
    const atSeconds = (performance.now() - startedAt) / 1000;
    const now = readProcesses(pids, aloneSet);
    const cpuSeconds: Record<string, number | undefined> = {};
    for (const [name, r] of Object.entries(now)) {
      cpuSeconds[name] = r?.cpuSeconds;
      if (r) peaks[name] = Math.max(peaks[name] ?? 0, r.rssMb);
    }
    history.push({ atSeconds, cpuSeconds });
    return now;
  };
  const first = take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    stop(): { wallSeconds: number; usage: Record<string, ProcessUsage | undefined>; history: CpuSample[]; startedAtEpochMs: number } {
      clearInterval(timer);
      const last = take();
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const usage: Record<string, ProcessUsage | undefined> = {};
      for (const name of Object.keys(pids)) {
        const a = first[name];
        const b = last[name];
        usage[name] = a && b
          ? { cpuSeconds: b.cpuSeconds - a.cpuSeconds, cores: (b.cpuSeconds - a.cpuSeconds) / wallSeconds, peakRssMb: peaks[name] ?? b.rssMb, peakRootRssMb: b.peakRootRssMb }
          : undefined;
      }
      return { wallSeconds, usage, history, startedAtEpochMs };
    },
  };
}
