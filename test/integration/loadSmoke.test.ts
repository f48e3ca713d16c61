import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runScenario } from '../../scripts/load/runScenario';
import { LOAD_GENERATOR, type LoadReport } from '../../scripts/load/report';
import type { Scenario } from '../../scripts/load/scenarios';
import { makeScratchDir, startLoadStack, type LoadStack } from '../../scripts/load/stack';
import { verdictLine, verdicts } from '../../scripts/load/verdicts';
import { sharedEnv } from '../support/env';

/**
 * The load runner (`npm run loadtest`) in CI: 30 s at a modest rate through the real product (the API and the
 * worker as their own processes, started from their entry points) on the suite's Temporal dev server and a
 * Postgres of the load stack's own (as `npm run loadtest` runs it: with pg_stat_statements, which the suite's
 * shared Postgres does not load). It checks that the runner works, that every offered lead is answered,
 * stored and routed, and that the report names Postgres's top statements; speed targets are the benchmarks'
 * business (`npm run bench`, `npm run loadtest`), not a test's.
 */
const SMOKE: Scenario = {
  name: 'smoke',
  rate: 4,
  durationSeconds: 30,
  expect: { minSuccessRate: 1, p95LatencyMs: 60_000, maxRetryQueueDepth: 1_000, drainSeconds: 60 },
  targets: { nothingLost: true },
};

let stack: LoadStack | undefined;
let scratch: string;

beforeAll(async () => {
  const { temporalAddress } = sharedEnv();
  scratch = makeScratchDir(path.join(os.tmpdir(), 'lead-router-load-smoke'));
  stack = await startLoadStack(
    scratch,
    // Its own task queue on the shared server, and no maintenance schedules (their ids are server-wide).
    { TEMPORAL_TASK_QUEUE: `load-smoke-${crypto.randomBytes(4).toString('hex')}`, MAINTENANCE_SCHEDULES: 'false', LOG_LEVEL: 'warn' },
    { external: { temporalAddress }, statementStats: true },
  );
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}, 60_000);

test('30 s of load: the report is complete, every offered lead is answered, stored and routed', async () => {
  const report: LoadReport = await runScenario(stack!, SMOKE, { drainTimeoutSeconds: 60 });
  const offered = SMOKE.rate * SMOKE.durationSeconds;

  // Every request answered 202 (a new lead, routed in the background), none without an answer.
  expect(report.http).toEqual({ sent: offered, answers: { '202': offered }, mix: { '202': offered, '200': 0, '429': 0, '503': 0, other: 0 }, noAnswer: 0 });
  expect(report.gatewayMs.answered).toBe(offered);
  // Every one stored once and routed (the buyers answer 200: success), none left over.
  expect(report.leads).toMatchObject({ accepted: offered, stored: offered, routed: offered, failed: 0, expired: 0, undecided: 0, successRate: 1 });
  expect(report.leads.outcomes).toEqual([{ status: 'routed', result: 'success', count: offered }]);
  expect(report.deliveries).toBe(offered);
  expect(report.backlog.drained).toBe(true);

  // Latencies are numbers in order, measured from Postgres and from the gateway.
  const { p50, p95, p99, max } = report.createdToRoutedMs;
  expect([p50, p95, p99, max].every((v) => typeof v === 'number' && v >= 0)).toBe(true);
  expect(p50! <= p95! && p95! <= p99! && p99! <= max!).toBe(true);
  expect(report.gatewayMs.p50).toBeLessThanOrEqual(report.gatewayMs.p95);
  expect(report.throughput.routedPerSecond).toBeGreaterThan(0);

  // The API's, the worker's and the stack's Postgres's CPU and memory were read (Temporal is the suite's: not ours to measure).
  for (const name of ['api', 'worker', 'postgres']) {
    const usage = report.processes[name];
    expect(usage).toBeDefined();
    expect(usage!.cpuSeconds).toBeGreaterThan(0);
    expect(usage!.peakRssMb).toBeGreaterThan(20);
  }
  // The load test's own process is measured alone and kept out of the product's CPU per lead.
  const generator = report.processes[LOAD_GENERATOR];
  expect(generator?.cpuSeconds).toBeGreaterThan(0);
  const product = ['api', 'worker', 'postgres', 'temporal'].reduce((a, n) => a + (report.processes[n]?.cpuSeconds ?? 0), 0);
  expect(report.cpuMsPerRoutedLead).toBeCloseTo((product * 1000) / report.leads.routed, 6);
  expect(report.samples.length).toBeGreaterThanOrEqual(SMOKE.durationSeconds - 2);
  // Cumulative CPU every second from the offer's start: never decreasing, for every process measured.
  expect(report.cpuHistory.length).toBeGreaterThanOrEqual(SMOKE.durationSeconds - 2);
  for (const name of Object.keys(report.processes)) {
    const series = report.cpuHistory.map((h) => h.cpuSeconds[name]).filter((v): v is number => v !== undefined);
    expect({ name, monotone: series.every((v, i) => i === 0 || v >= series[i - 1]!) }).toEqual({ name, monotone: true });
  }

  // Postgres's own account of the run: the routing functions were called, the totals divide by the routed leads,
  // and the texts are normalised (the run's emails and external ids never appear).
  const pg = report.postgres!;
  expect(pg).toBeDefined();
  expect(pg.topStatements.length).toBeGreaterThan(0);
  const routing = pg.topStatements.filter((st) => /\b(decide_routing|lock_and_decide|complete_routing)\(/.test(st.query) && st.toplevel);
  expect(routing.length).toBeGreaterThan(0);
  for (const st of routing) expect(st.calls).toBeGreaterThan(0);
  const totalByTime = pg.topStatements.map((st) => st.totalMs);
  expect(totalByTime).toEqual([...totalByTime].sort((a, b) => b - a));
  expect(pg.topLevelCalls).toBeGreaterThanOrEqual(routing.reduce((a, st) => a + st.calls, 0));
  expect(pg.statementsPerRoutedLead).toBeCloseTo(pg.topLevelCalls / offered, 6);
  expect(pg.statementMsPerRoutedLead).toBeGreaterThan(0);
  expect(JSON.stringify(pg)).not.toMatch(/load-\w+-\d+|@outlook\.com/);

  // One verdict per expectation and target, each a PASS here.
  expect(report.verdicts.map((v) => `${v.source}: ${v.what}`)).toEqual([
    'spec: leads routed',
    'spec: created -> routed p95',
    'spec: retry-ledger depth',
    'spec: recovery (every lead decided after the load)',
    'issue 10: nothing lost',
  ]);
  expect(report.verdicts.filter((v) => !v.pass)).toEqual([]);
  // The report is what the runner writes to .data/load: plain JSON.
  expect(JSON.parse(JSON.stringify(report))).toEqual(report);

  // The same run judged against targets nothing meets: every verdict FAILs, each line saying what was measured.
  const impossible: Scenario = {
    ...SMOKE,
    expect: { minSuccessRate: 1.1, p95LatencyMs: 0, maxRetryQueueDepth: 0, drainSeconds: -1 },
    targets: { minRoutedShare: 1.1, p95LatencyMs: 0, all202: true, gatewayP95Ms: 0, nothingLost: true, allRoutedWithinSeconds: -1, maxRssMb: { worker: 1, api: 1 } },
  };
  const failed = verdicts(impossible, report);
  expect(failed.map((v) => [v.source, v.what, v.pass])).toEqual([
    ['spec', 'leads routed', false],
    ['spec', 'created -> routed p95', false],
    ['spec', 'retry-ledger depth', false],
    ['spec', 'recovery (every lead decided after the load)', false],
    ['issue 10', 'leads routed', false],
    ['issue 10', 'created -> routed p95', false],
    ['issue 10', 'every request answered 202', true], // all202 holds: this run answered every request 202
    ['issue 10', 'gateway latency p95', false],
    ['issue 10', 'nothing lost', true], // and lost nothing
    ['issue 10', '100 % routed after the load ends', false],
    ['issue 10', 'worker peak RSS', false],
    ['issue 10', 'api peak RSS', false],
  ]);
  expect(verdictLine(failed[1]!)).toBe(`FAIL  spec      created -> routed p95: expected < 0 ms, measured ${Math.round(p95!)} ms`);
  expect(verdictLine(failed[10]!)).toBe(`FAIL  issue 10  worker peak RSS: expected < 1 MB, measured ${Math.round(report.processes.worker!.peakRssMb)} MB`);
}, 150_000);
