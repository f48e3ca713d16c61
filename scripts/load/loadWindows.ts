/**
 * The load report's `windows`: the offer cut into consecutive time windows, and in each the leads routed and
 * every measured process's CPU per routed lead. Totals over a run hide a cost that grows with time (the
 * Temporal dev server's SQLite store grows through a 30-minute run); one line per window shows it, and shows
 * whether a change removes it.
 */
import type { CpuSample } from './processStats';

/** One window of the offer. */
export interface LoadWindow {
  /** Seconds since the offer started. */
  fromSeconds: number;
  toSeconds: number;
  /** Leads routed (routed_at) inside the window. */
  routed: number;
  /** routed / window length. */
  routedPerSecond: number;
  /** Per process (names as in the report's `processes`): CPU ms spent in the window / routed; null when nothing
   *  was routed in the window or the process had no reading before or after one of its edges. */
  cpuMsPerRoutedLead: Record<string, number | null>;
}

/** Runs of at least this long get 5-minute windows. */
const LONG_RUN_SECONDS = 15 * 60;

/**
 * The window length for a run offering `durationSeconds`: 300 s for runs of 15 min or more (six windows in the
 * 30-minute sustained scenario), otherwise a quarter of the run but at least 10 s (a window of a few seconds
 * would show sampling noise: CPU is read once a second, in 10 ms ticks), in whole seconds.
 */
export function windowLengthSeconds(durationSeconds: number): number {
  if (!(durationSeconds > 0)) throw new Error(`durationSeconds must be a positive number of seconds, got ${durationSeconds}`);
  return durationSeconds >= LONG_RUN_SECONDS ? 300 : Math.round(Math.max(10, durationSeconds / 4));
}

/**
 * The windows' edges over an offer that lasted `offerSeconds` (from its first request to its last answer):
 * round(offerSeconds / windowSeconds) windows (at least one), each `windowSeconds` long except the last, which
 * ends where the offer ended (so a 1,800.3 s offer in 300 s windows gives six, the last 300.3 s long, not a
 * seventh of 0.3 s).
 */
export function windowEdges(offerSeconds: number, windowSeconds: number): Array<[number, number]> {
  if (!(windowSeconds > 0)) throw new Error(`windowSeconds must be positive, got ${windowSeconds}`);
  if (!(offerSeconds >= 0)) throw new Error(`offerSeconds must be a number of seconds >= 0, got ${offerSeconds}`);
  const count = Math.max(1, Math.round(offerSeconds / windowSeconds));
  return Array.from({ length: count }, (_, k) => [k * windowSeconds, k === count - 1 ? Math.max(offerSeconds, k * windowSeconds) : (k + 1) * windowSeconds]);
}

/**
 * A process's cumulative CPU seconds at `t`, interpolated linearly between the last reading at or before `t`
 * and the first at or after it (readings are a second apart, windows minutes long: the error is a tick or two).
 * Undefined when there is no reading on one side (the process was not running, or its pid was unknown).
 */
function cpuAt(history: readonly CpuSample[], name: string, t: number): number | undefined {
  let before: { at: number; cpu: number } | undefined;
  let after: { at: number; cpu: number } | undefined;
  for (const s of history) {
    const cpu = s.cpuSeconds[name];
    if (cpu === undefined) continue;
    if (s.atSeconds <= t && (!before || s.atSeconds >= before.at)) before = { at: s.atSeconds, cpu };
    if (s.atSeconds >= t && (!after || s.atSeconds < after.at)) after = { at: s.atSeconds, cpu };
  }
  if (!before || !after) return undefined;
  if (after.at === before.at) return before.cpu;
  return before.cpu + ((after.cpu - before.cpu) * (t - before.at)) / (after.at - before.at);
}

/**
 * Cuts the offer into windows (windowEdges) and, in each, divides every process's CPU by the leads routed.
 *
 * @param input.offerSeconds How long the offer lasted, s (its first request to its last answer).
 * @param input.windowSeconds The window length (windowLengthSeconds).
 * @param input.routedByBucket Routed leads per `floor((routed_at - offer start) / windowSeconds)`, as the
 *   report's one query at the end counts them, for leads routed during the offer only; a bucket past the last
 *   window (the last window is up to half a window longer) is counted in the last window.
 * @param input.history The sampler's cumulative CPU readings, times relative to the offer's start.
 * @param input.processes The process names to report (the report's `processes` keys).
 * @returns One LoadWindow per window, in time order. CPU ms per routed lead is null, never Infinity or NaN,
 *   when the window routed nothing or a process lacks a reading around either edge.
 */
export function loadWindows(input: {
  offerSeconds: number;
  windowSeconds: number;
  routedByBucket: ReadonlyMap<number, number>;
  history: readonly CpuSample[];
  processes: readonly string[];
}): LoadWindow[] {
  const edges = windowEdges(input.offerSeconds, input.windowSeconds);
  const routed = edges.map(() => 0);
  for (const [bucket, n] of input.routedByBucket) {
    if (!Number.isInteger(bucket) || bucket < 0) throw new Error(`routedByBucket: bucket must be an integer >= 0, got ${bucket}`);
    routed[Math.min(bucket, edges.length - 1)]! += n;
  }
  return edges.map(([from, to], k) => {
    const n = routed[k]!;
    const cpuMsPerRoutedLead: Record<string, number | null> = {};
    for (const name of input.processes) {
      const a = cpuAt(input.history, name, from);
      const b = cpuAt(input.history, name, to);
      cpuMsPerRoutedLead[name] = n > 0 && a !== undefined && b !== undefined ? ((b - a) * 1000) / n : null;
    }
    return { fromSeconds: from, toSeconds: to, routed: n, routedPerSecond: to > from ? n / (to - from) : 0, cpuMsPerRoutedLead };
  });
}
