import os from 'node:os';
import { loadWindows, windowLengthSeconds } from './loadWindows';
import { offerAtRate } from './openLoop';
import { sampleProcesses } from './processStats';
import { LOAD_GENERATOR, postgresSection, type LoadReport } from './report';
import type { Scenario } from './scenarios';
import { seedMarketplace, type LoadStack } from './stack';
import { verdicts } from './verdicts';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

interface Sample {
  atSeconds: number;
  undecided: number;
  retryQueueDepth: number;
}

async function sample(stack: LoadStack, sourceId: string, startedAt: number): Promise<Sample> {
  const { rows } = await stack.db.raw<{ rows: Array<{ undecided: string; depth: string }> }>(
    `SELECT (SELECT count(*) FROM leads WHERE source_workspace_id = ? AND routing_status IN ('pending', 'routing')) AS undecided,
            (SELECT count(*) FROM lead_routing_queue WHERE workspace_id = ? AND processed_at IS NULL) AS depth`,
    [sourceId, sourceId],
  );
  return { atSeconds: (Date.now() - startedAt) / 1000, undecided: Number(rows[0]!.undecided), retryQueueDepth: Number(rows[0]!.depth) };
}

async function outcomes(stack: LoadStack, sourceId: string) {
  const { rows: byOutcome } = await stack.db.raw<{ rows: Array<{ status: string; result: string | null; n: string }> }>(
    'SELECT routing_status AS status, routing_result AS result, count(*) AS n FROM leads WHERE source_workspace_id = ? GROUP BY 1, 2 ORDER BY 3 DESC',
    [sourceId],
  );
  const { rows: [latency] } = await stack.db.raw<{ rows: Array<Record<string, unknown>> }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max,
            extract(epoch FROM max(routed_at) - min(created_at)) AS span_seconds
       FROM (SELECT routed_at, created_at, extract(epoch FROM routed_at - created_at) * 1000 AS ms
               FROM leads WHERE source_workspace_id = ? AND routed_at IS NOT NULL) t`,
    [sourceId],
  );
  const { rows: [attempt] } = await stack.db.raw<{ rows: Array<Record<string, unknown>> }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
       FROM lead_routing_logs WHERE workspace_id = ?`,
    [sourceId],
  );
  const attempts = await stack.db('leads').where({ source_workspace_id: sourceId }).max('routing_attempts as max').first();
  return {
    byOutcome: byOutcome.map((r) => ({ status: r.status, result: r.result, count: Number(r.n) })),
    latency: latency ?? {},
    attempt: attempt ?? {},
    maxAttemptsPerLead: Number(attempts?.max ?? 0),
  };
}

/**
 * This run's leads routed during the offer, counted per window: bucket k holds those with routed_at in
 * [offer start + k * windowSeconds, offer start + (k + 1) * windowSeconds), for routed_at before the offer's end
 * (the leads routed during the drain are in no window: the windows measure the offered load, and the drain's
 * CPU is that of catching up, not of a steady rate). One query after the drain; Postgres's now() and Date.now()
 * read the same clock (everything runs on this machine).
 */
async function routedByWindow(stack: LoadStack, sourceId: string, offerStartedAt: number, offerEndedAt: number, windowSeconds: number): Promise<Map<number, number>> {
  const { rows } = await stack.db.raw<{ rows: Array<{ bucket: number; n: string }> }>(
    `SELECT floor(extract(epoch FROM routed_at - to_timestamp(?::double precision)) / ?::double precision)::int AS bucket, count(*) AS n
       FROM leads
      WHERE source_workspace_id = ? AND routed_at >= to_timestamp(?::double precision) AND routed_at < to_timestamp(?::double precision)
      GROUP BY 1`,
    [offerStartedAt / 1000, windowSeconds, sourceId, offerStartedAt / 1000, offerEndedAt / 1000],
  );
  return new Map(rows.map((r) => [Number(r.bucket), Number(r.n)]));
}

export interface RunOptions {
  /** Give up waiting for the backlog to drain after this long, s. */
  drainTimeoutSeconds: number;
  /** How long one request may take before it counts as not answered, ms. */
  requestTimeoutMs?: number;
  /** Progress lines (the CLI prints them; the CI test keeps quiet). */
  log?: (line: string) => void;
}

/**
 * Offers one scenario's leads to a running stack and measures it: seeds a source and three weighted buyers,
 * offers `rate` leads/s for `durationSeconds` open loop (every lead a new person), samples the backlog and
 * the retry-ledger depth every second and the product's processes' CPU and memory, waits until every stored
 * lead is decided (or the drain timeout), then reads each lead's outcome and latency from Postgres and
 * checks the scenario's expectations and targets (scripts/load/verdicts.ts). When the stack counts statements
 * (`stack.statements`), they are reset as the offer starts and read after the drain (`report.postgres`).
 * `report.windows` cuts the offer into windows (scripts/load/loadWindows.ts) with the leads routed and each
 * process's CPU per routed lead in each, to show a cost per lead that moves during the run.
 */
export async function runScenario(stack: LoadStack, scenario: Scenario, opts: RunOptions): Promise<LoadReport> {
  const log = opts.log ?? (() => undefined);
  const { sourceId, apiKey } = await seedMarketplace(stack);
  const runId = Date.now().toString(36);
  const states = ['CA', 'TX', 'NY', 'FL', 'WA'];
  const body = (n: number) => JSON.stringify({ externalId: `load-${runId}-${n}`, email: `load.${runId}.${n}@outlook.com`, state: states[n % states.length], product: 'mortgage' });
  const loadAverageAtStart = os.loadavg()[0]!;

  const samples: Sample[] = [];
  const startedAt = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await sample(stack, sourceId, startedAt));
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  // The load test's own process too (its open loop, the buyers' server, this sampler): it shares the two cores with
  // the product, so its cost is part of the box's budget; it is not the product's, so not in the per-lead total.
  const processes = sampleProcesses({ ...stack.pids, [LOAD_GENERATOR]: process.pid }, 1_000, { alone: [LOAD_GENERATOR] });

  // The statements counted are the offered load's: setup, migrations and seeding are forgotten here.
  await stack.statements?.reset();
  log(`offering ${scenario.rate} leads/s for ${scenario.durationSeconds} s ...`);
  const offerStartedAt = Date.now();
  const http = await offerAtRate({
    rate: scenario.rate,
    durationSeconds: scenario.durationSeconds,
    timeoutMs: opts.requestTimeoutMs ?? 30_000,
    send: (i, signal) => fetch(`${stack.apiUrl}/api/leads/route`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body(i),
      signal,
    }),
  });
  const loadEndedAt = Date.now();
  log(`offered ${http.sent}; waiting for every stored lead to be decided (at most ${opts.drainTimeoutSeconds} s) ...`);

  // Drain: every stored lead decided (routed / failed / expired), seen in a sample taken after the offer.
  let drained = false;
  while (Date.now() - loadEndedAt < opts.drainTimeoutSeconds * 1000) {
    const last = samples[samples.length - 1];
    if (last && last.undecided === 0 && last.atSeconds * 1000 > loadEndedAt - startedAt) {
      drained = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainSeconds = drained ? (startedAt + samples[samples.length - 1]!.atSeconds * 1000 - loadEndedAt) / 1000 : (Date.now() - loadEndedAt) / 1000;
  sampling = false;
  await sampler;
  const usage = processes.stop();
  // A diagnostic: if it cannot be read, the run's measurements still make a report (without the section).
  const statements = await stack.statements?.read().catch((err: unknown) => {
    log(`no Postgres statement statistics: ${(err as Error).message}`);
    return undefined;
  });

  const measured = await outcomes(stack, sourceId);
  const windowSeconds = windowLengthSeconds(scenario.durationSeconds);
  // The sampler counts from its own start, a moment before the offer's.
  const cpuHistory = usage.history.map((h) => ({ ...h, atSeconds: h.atSeconds + (usage.startedAtEpochMs - offerStartedAt) / 1000 }));
  const windows = loadWindows({
    offerSeconds: (loadEndedAt - offerStartedAt) / 1000,
    windowSeconds,
    routedByBucket: await routedByWindow(stack, sourceId, offerStartedAt, loadEndedAt, windowSeconds),
    history: cpuHistory,
    processes: Object.keys(usage.usage),
  });
  const count = (pred: (o: { status: string }) => boolean) => measured.byOutcome.filter(pred).reduce((a, o) => a + o.count, 0);
  const answers = Object.fromEntries([...http.statuses.entries()].map(([k, v]) => [String(k), v]));
  const known = ['202', '200', '429', '503'] as const;
  const mix = { '202': answers['202'] ?? 0, '200': answers['200'] ?? 0, '429': answers['429'] ?? 0, '503': answers['503'] ?? 0, other: 0 };
  mix.other = Object.entries(answers).filter(([k]) => !(known as readonly string[]).includes(k)).reduce((a, [, v]) => a + v, 0);
  const stored = count(() => true);
  const routed = count((o) => o.status === 'routed');
  const sortedHttp = [...http.latenciesMs].sort((a, b) => a - b);
  const spanSeconds = num(measured.latency.span_seconds);
  const cpuSeconds = Object.entries(usage.usage).reduce((a, [name, u]) => a + (name === LOAD_GENERATOR ? 0 : u?.cpuSeconds ?? 0), 0);

  const report: LoadReport = {
    scenario,
    mode: stack.mode,
    built: stack.built,
    machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart },
    startedAt: new Date(startedAt).toISOString(),
    http: { sent: http.sent, answers, mix, noAnswer: http.errors },
    gatewayMs: { answered: sortedHttp.length, p50: percentile(sortedHttp, 50), p95: percentile(sortedHttp, 95), p99: percentile(sortedHttp, 99), max: sortedHttp[sortedHttp.length - 1] ?? 0 },
    leads: {
      accepted: mix['202'] + mix['200'],
      stored,
      routed,
      failed: count((o) => o.status === 'failed'),
      expired: count((o) => o.status === 'expired'),
      undecided: count((o) => o.status === 'pending' || o.status === 'routing'),
      successRate: stored ? routed / stored : 0,
      outcomes: measured.byOutcome,
      maxAttemptsPerLead: measured.maxAttemptsPerLead,
    },
    createdToRoutedMs: { p50: num(measured.latency.p50), p95: num(measured.latency.p95), p99: num(measured.latency.p99), max: num(measured.latency.max) },
    attemptDurationMs: { p50: num(measured.attempt.p50), p95: num(measured.attempt.p95) },
    throughput: { routedPerSecond: spanSeconds ? routed / spanSeconds : 0 },
    backlog: {
      maxUndecided: Math.max(0, ...samples.map((s) => s.undecided)),
      maxRetryQueueDepth: Math.max(0, ...samples.map((s) => s.retryQueueDepth)),
      drained,
      drainSeconds,
    },
    processes: usage.usage,
    cpuMsPerRoutedLead: routed ? (cpuSeconds * 1000) / routed : 0,
    windows,
    deliveries: stack.deliveries(),
    ...(statements ? { postgres: postgresSection(statements, routed) } : {}),
    samples,
    cpuHistory: cpuHistory.map((h) => ({ atSeconds: Math.round(h.atSeconds * 100) / 100, cpuSeconds: h.cpuSeconds })),
    verdicts: [],
  };
  report.verdicts = verdicts(scenario, report);
  return report;
}
