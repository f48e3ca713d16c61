import { loadWindows, windowEdges, windowLengthSeconds } from '../../scripts/load/loadWindows';
import type { CpuSample } from '../../scripts/load/processStats';
import { formatWindows } from '../../scripts/load/report';

/** The load report's windows (scripts/load/loadWindows.ts): CPU history + routed counts -> CPU ms per routed lead. */

/** One reading a second from `from` to `to` s, each process's cumulative CPU given by `cpu(t)`. */
function history(from: number, to: number, cpu: (t: number) => Record<string, number | undefined>): CpuSample[] {
  const out: CpuSample[] = [];
  for (let t = from; t <= to; t++) out.push({ atSeconds: t, cpuSeconds: cpu(t) });
  return out;
}

test('window length: 300 s for runs of 15 min or more, else a quarter of the run, at least 10 s, in whole seconds', () => {
  expect(windowLengthSeconds(1_800)).toBe(300);
  expect(windowLengthSeconds(900)).toBe(300);
  expect(windowLengthSeconds(899)).toBe(225);
  expect(windowLengthSeconds(50)).toBe(13); // 12.5 rounded
  expect(windowLengthSeconds(40)).toBe(10);
  expect(windowLengthSeconds(30)).toBe(10);
  expect(windowLengthSeconds(5)).toBe(10);
  expect(() => windowLengthSeconds(0)).toThrow(/durationSeconds/);
  expect(() => windowLengthSeconds(Number.NaN)).toThrow(/durationSeconds/);
});

test('edges: whole windows from the offer start, the last one ending at the offer end (no sliver window)', () => {
  expect(windowEdges(1_800.3, 300)).toEqual([[0, 300], [300, 600], [600, 900], [900, 1_200], [1_200, 1_500], [1_500, 1_800.3]]);
  // The last request of a 40 s offer at 10/s is due at 39.9 s: the offer can end a little before its nominal end.
  expect(windowEdges(39.95, 10)).toEqual([[0, 10], [10, 20], [20, 30], [30, 39.95]]);
  expect(windowEdges(50.2, 13)).toEqual([[0, 13], [13, 26], [26, 39], [39, 50.2]]);
  expect(windowEdges(3, 10)).toEqual([[0, 3]]);
  expect(windowEdges(0, 10)).toEqual([[0, 0]]);
  expect(() => windowEdges(-1, 10)).toThrow(/offerSeconds/);
  expect(() => windowEdges(10, 0)).toThrow(/windowSeconds/);
});

test('CPU spent in each window over the leads routed in it, per process; a growing cost shows window by window', () => {
  // temporal's cost per second grows (0.1 s CPU/s in the first window, 0.2 in the second), combined's is flat.
  const cpu = (t: number) => ({ temporal: 100 + (t <= 10 ? 0.1 * t : 1 + 0.2 * (t - 10)), combined: 50 + 0.3 * t });
  const windows = loadWindows({
    offerSeconds: 20.4,
    windowSeconds: 10,
    routedByBucket: new Map([[0, 100], [1, 100]]),
    history: history(-2, 25, cpu), // the sampler starts before the offer and stops after the drain
    processes: ['temporal', 'combined'],
  });
  expect(windows).toHaveLength(2);
  expect(windows[0]).toEqual({ fromSeconds: 0, toSeconds: 10, routed: 100, routedPerSecond: 10, cpuMsPerRoutedLead: { temporal: expect.closeTo(10, 9), combined: expect.closeTo(30, 9) } });
  // The last window ends at 20.4 s: its CPU is interpolated between the readings at 20 and 21 s.
  expect(windows[1]!.fromSeconds).toBe(10);
  expect(windows[1]!.toSeconds).toBe(20.4);
  expect(windows[1]!.routedPerSecond).toBeCloseTo(100 / 10.4, 9);
  expect(windows[1]!.cpuMsPerRoutedLead.temporal).toBeCloseTo((0.2 * 10.4 * 1000) / 100, 9);
  expect(windows[1]!.cpuMsPerRoutedLead.combined).toBeCloseTo((0.3 * 10.4 * 1000) / 100, 9);
});

test('readings between samples are interpolated: an edge between two readings a second apart', () => {
  const windows = loadWindows({
    offerSeconds: 20,
    windowSeconds: 10,
    routedByBucket: new Map([[0, 10], [1, 10]]),
    // Readings at x.5 s only; 1 s of CPU per second.
    history: [-0.5, 9.5, 10.5, 20.5].map((t) => ({ atSeconds: t, cpuSeconds: { postgres: t + 1 } })),
    processes: ['postgres'],
  });
  expect(windows.map((w) => w.cpuMsPerRoutedLead.postgres)).toEqual([1_000, 1_000]);
});

test('routed leads are counted in their bucket; a bucket past the last window (its extra length) counts in the last', () => {
  const windows = loadWindows({
    offerSeconds: 34, // three windows of 10 s, the last 14 s long
    windowSeconds: 10,
    routedByBucket: new Map([[0, 5], [2, 10], [3, 4]]),
    history: history(0, 40, (t) => ({ api: t })),
    processes: ['api'],
  });
  expect(windows.map((w) => [w.fromSeconds, w.toSeconds, w.routed])).toEqual([[0, 10, 5], [10, 20, 0], [20, 34, 14]]);
  expect(() => loadWindows({ offerSeconds: 10, windowSeconds: 10, routedByBucket: new Map([[-1, 1]]), history: [], processes: [] })).toThrow(/bucket/);
});

test('a window with no routed lead gives null per process (not Infinity or NaN) and 0 routed/s', () => {
  const windows = loadWindows({
    offerSeconds: 30,
    windowSeconds: 10,
    routedByBucket: new Map([[0, 20], [2, 20]]),
    history: history(0, 31, (t) => ({ worker: 0.5 * t, postgres: 0.1 * t })),
    processes: ['worker', 'postgres'],
  });
  expect(windows[1]).toEqual({ fromSeconds: 10, toSeconds: 20, routed: 0, routedPerSecond: 0, cpuMsPerRoutedLead: { worker: null, postgres: null } });
  expect(windows[0]!.cpuMsPerRoutedLead.worker).toBeCloseTo(250, 9);
  expect(windows[2]!.cpuMsPerRoutedLead.postgres).toBeCloseTo(50, 9);
  expect(JSON.parse(JSON.stringify(windows))).toEqual(windows);
});

test('missing process readings: null where there is none on one side of an edge, gaps bridged, unknown names null', () => {
  const windows = loadWindows({
    offerSeconds: 30,
    windowSeconds: 10,
    routedByBucket: new Map([[0, 10], [1, 10], [2, 10]]),
    history: history(0, 31, (t) => ({
      // The API's pid is gone from 15 s on (it exited): nothing read after it.
      api: t < 15 ? t : undefined,
      // One worker reading lost at 10 s: interpolated from 9 and 11 s.
      worker: t === 10 ? undefined : 2 * t,
      // Temporal's pid was only known from 5 s on.
      ...(t >= 5 ? { temporal: 3 * t } : {}),
    })),
    processes: ['api', 'worker', 'temporal', 'postgres'],
  });
  expect(windows.map((w) => w.cpuMsPerRoutedLead)).toEqual([
    { api: 1_000, worker: 2_000, temporal: null, postgres: null },
    { api: null, worker: 2_000, temporal: 3_000, postgres: null },
    { api: null, worker: 2_000, temporal: 3_000, postgres: null },
  ]);
});

test('printed: one line per window, edges in whole seconds, processes in one order (most CPU first), n/a for null', () => {
  const lines = formatWindows([
    { fromSeconds: 0, toSeconds: 300, routed: 15_000, routedPerSecond: 50, cpuMsPerRoutedLead: { postgres: 3.8, temporal: 13.14, combined: 11.9 } },
    { fromSeconds: 300, toSeconds: 600.4, routed: 0, routedPerSecond: 0, cpuMsPerRoutedLead: { postgres: null, temporal: null, combined: null } },
  ]);
  expect(lines).toEqual([
    '  window 0-300 s  50.0 routed/s; CPU ms per routed lead: temporal 13.1, combined 11.9, postgres 3.8',
    '  window 300-600 s  0.0 routed/s; CPU ms per routed lead: temporal n/a, combined n/a, postgres n/a',
  ]);
  expect(formatWindows([])).toEqual([]);
});
