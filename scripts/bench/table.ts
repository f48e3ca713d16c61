import type { ProcessUsage } from '../load/processStats';
import type { ClosedLoopResult, LatencySummary } from './closedLoop';
import type { RetryQueueResult } from './retryQueue';
import type { StepLatencies } from './routingSteps';

/** What `npm run bench` measured (also the shape of .data/bench/<time>.json). Times in ms, rates per second. */
export interface BenchReport {
  startedAt: string;
  settings: { quick: boolean; mode: string; built: boolean; concurrency: number; durationSeconds: number; stepLeads: number; rules: number; retryRows: number };
  machine: { cpus: number; cpuModel: string; node: string; loadAverageAtStart: number; loadAverageAtEnd: number };
  steps: StepLatencies;
  /** (b): lock -> decide -> complete without Temporal. */
  databaseCeiling: ClosedLoopResult;
  /** (a): the product's workflow with no-op activities. */
  bareTemporal: ClosedLoopResult & { processes: Record<string, ProcessUsage | undefined>; eagerStarts?: number };
  endToEnd: ClosedLoopResult & { createdToRoutedMs: LatencySummary; routed: number; processes: Record<string, ProcessUsage | undefined> };
  /** The product's leads/s as a share of (a) and of (b). */
  ratios: { ofBareTemporal: number; ofDatabase: number };
  retry: RetryQueueResult;
}

/** Issue 10's targets for the bench's rows. */
export const BENCH_TARGETS = { lockP95Ms: 5, decideP95Ms: 2, completeP95Ms: 10, shareOfBareTemporal: 0.7, retryPerMinute: 6_000 };

const f = (x: number, digits = 1) => x.toFixed(digits);
const lat = (l: LatencySummary, digits = 2) => `p50 ${f(l.p50, digits)} / p95 ${f(l.p95, digits)} / p99 ${f(l.p99, digits)} ms`;
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
const cpu = (processes: Record<string, ProcessUsage | undefined>) =>
  Object.entries(processes).map(([name, u]) => (u ? `${name} ${f(u.cores, 2)}` : `${name} n/a`)).join(', ');
const loop = (r: ClosedLoopResult) => `${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`;

/** The table `npm run bench` prints: one row per measurement, its target and PASS/FAIL where the issue sets one. */
export function formatBench(r: BenchReport): string {
  const t = BENCH_TARGETS;
  const rows: Array<[string, string, string]> = [
    [`lock (acquire_routing_lock), ${r.steps.leads} leads`, lat(r.steps.lock), `p95 < ${t.lockP95Ms} ms: ${verdict(r.steps.lock.p95 < t.lockP95Ms)}`],
    [`decide (${r.settings.rules} rules, dedupe, capacity; the activity of runs from before the one-task shape)`, lat(r.steps.decide), `p95 < ${t.decideP95Ms} ms: ${verdict(r.steps.decide.p95 < t.decideP95Ms)}`],
    ...(r.steps.lockAndDecide ? [['lock + decide (lockAndDecide: read + one statement)', lat(r.steps.lockAndDecide), `p95 < ${t.lockP95Ms + t.decideP95Ms} ms (the two targets): ${verdict(r.steps.lockAndDecide.p95 < t.lockP95Ms + t.decideP95Ms)}`] as [string, string, string]] : []),
    ...(r.steps.lockAndDecideDecide ? [['  its decide (routing.rules.latency), separate mode', lat(r.steps.lockAndDecideDecide), `p95 < ${t.decideP95Ms} ms: ${verdict(r.steps.lockAndDecideDecide.p95 < t.decideP95Ms)}`] as [string, string, string]] : []),
    ...(r.steps.handedOff ? [
      ['lock + decide, lead handed over (combined mode: one statement)', lat(r.steps.handedOff.lockAndDecide), `p95 < ${t.lockP95Ms + t.decideP95Ms} ms: ${verdict(r.steps.handedOff.lockAndDecide.p95 < t.lockP95Ms + t.decideP95Ms)}`],
      ['  its decide (routing.rules.latency), combined mode', lat(r.steps.handedOff.decide), `p95 < ${t.decideP95Ms} ms: ${verdict(r.steps.handedOff.decide.p95 < t.decideP95Ms)}`],
    ] as Array<[string, string, string]> : []),
    ['complete (complete_routing)', lat(r.steps.complete), `p95 < ${t.completeP95Ms} ms: ${verdict(r.steps.complete.p95 < t.completeP95Ms)}`],
    [`(b) database ceiling: ${r.steps.lockAndDecide ? 'lockAndDecide + complete' : 'lock, decide, complete'}, no Temporal`, `${f(r.databaseCeiling.perSecond)} leads/s; per lead ${lat(r.databaseCeiling.latency, 1)}${loop(r.databaseCeiling)}`, ''],
    [`(a) bare workflow, no-op activities${r.bareTemporal.eagerStarts !== undefined ? `, ${f((100 * r.bareTemporal.eagerStarts) / Math.max(1, r.bareTemporal.completed + r.bareTemporal.errors), 0)} % eager` : ''}`, `${f(r.bareTemporal.perSecond)} workflows/s; start -> result ${lat(r.bareTemporal.latency, 0)}${loop(r.bareTemporal)}`, `cores: ${cpu(r.bareTemporal.processes)}`],
    [`product end to end (${r.settings.mode})`, `${f(r.endToEnd.perSecond)} leads/s; created -> routed ${lat(r.endToEnd.createdToRoutedMs, 0)}${loop(r.endToEnd)}`, `cores: ${cpu(r.endToEnd.processes)}`],
    ['  as a share of (a) / of (b)', `${f(r.ratios.ofBareTemporal * 100)} % / ${f(r.ratios.ofDatabase * 100)} %`, `>= ${t.shareOfBareTemporal * 100} % of (a): ${verdict(r.ratios.ofBareTemporal >= t.shareOfBareTemporal)}`],
    [`retry processing, ${r.retry.rows} due rows`, `${r.retry.perMinute.toLocaleString('en-US')} leads/min (${r.retry.errors} errors, ${r.retry.left} left)`, `> ${t.retryPerMinute.toLocaleString('en-US')}/min: ${verdict(r.retry.perMinute > t.retryPerMinute)}`],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const m = r.machine;
  return [
    '',
    `bench ${r.startedAt}, ${r.settings.mode} deployment${r.settings.built ? ' built (dist/)' : ' through tsx'}: ${m.cpus} cores (${m.cpuModel}), Node ${m.node}, load average ${f(m.loadAverageAtStart, 2)} at start, ${f(m.loadAverageAtEnd, 2)} at end;`,
    `  Postgres (durable), Temporal dev server (SQLite file, WAL), everything on this machine; closed loops of ${r.settings.concurrency} in flight, ${r.settings.durationSeconds} s per throughput row`,
    '',
    ...rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`),
  ].join('\n');
}
