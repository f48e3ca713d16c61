/**
 * Load test (a measurement, not a test): one of the monitoring spec's scenarios against the whole system.
 *
 *   npx tsx scripts/load/run.ts --scenario normal|spike|sustained [--rate N] [--duration S] [--drain-timeout S]
 *
 * Starts its own production-shaped stack (scripts/load/stack.ts: Postgres, Temporal dev server, worker and API
 * as separate processes, buyers answering 200), seeds a source and three weighted buyers, then offers leads to
 * `POST /api/leads/route` at a fixed rate, open loop (scripts/load/openLoop.ts; each one a new person, so none
 * is a duplicate).
 * While the load runs and until every lead is decided it samples the backlog (leads pending / routing) and the
 * retry-ledger depth. Reports the gateway's answers and latency, each lead's outcome and its created -> routed
 * latency (from Postgres: `routed_at - created_at`), throughput, and the time to drain after the load, against
 * what the spec expects of the scenario. The result is also written to .data/load/<scenario>-<time>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { offerAtRate } from './openLoop';
import { SCENARIOS, type Scenario } from './scenarios';
import { makeScratchDir, seedMarketplace, startLoadStack, type LoadStack } from './stack';

const root = path.resolve(__dirname, '../..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

function pickScenario(): Scenario {
  const name = arg('scenario') ?? 'normal';
  const base = SCENARIOS[name];
  if (!base) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}; got ${name}`);
  return {
    ...base,
    rate: positiveNumber('rate', arg('rate'), base.rate),
    durationSeconds: positiveNumber('duration', arg('duration'), base.durationSeconds),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

interface Sample {
  atSeconds: number;
  undecided: number;
  retryQueueDepth: number;
}

async function sample(stack: LoadStack, sourceId: string, startedAt: number): Promise<Sample> {
  const { rows } = await stack.db.raw<{ rows: Array<{ undecided: string; depth: string }> }>(
    `SELECT (SELECT count(*) FROM leads WHERE source_workspace_id = ? AND routing_status IN ('pending', 'routing')) AS undecided,
            (SELECT count(*) FROM lead_routing_queue WHERE processed_at IS NULL) AS depth`,
    [sourceId],
  );
  return { atSeconds: (Date.now() - startedAt) / 1000, undecided: Number(rows[0]!.undecided), retryQueueDepth: Number(rows[0]!.depth) };
}

async function outcomes(stack: LoadStack, sourceId: string) {
  const { rows: byOutcome } = await stack.db.raw<{ rows: Array<{ status: string; result: string | null; n: string }> }>(
    'SELECT routing_status AS status, routing_result AS result, count(*) AS n FROM leads WHERE source_workspace_id = ? GROUP BY 1, 2 ORDER BY 3 DESC',
    [sourceId],
  );
  const { rows: [latency] } = await stack.db.raw<{ rows: Array<Record<string, number | null>> }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max,
            extract(epoch FROM max(routed_at) - min(created_at)) AS span_seconds
       FROM (SELECT routed_at, created_at, extract(epoch FROM routed_at - created_at) * 1000 AS ms
               FROM leads WHERE source_workspace_id = ? AND routed_at IS NOT NULL) t`,
    [sourceId],
  );
  // Per routing attempt, as complete_routing() records it (lock -> decide -> deliver -> complete).
  const { rows: [attempt] } = await stack.db.raw<{ rows: Array<Record<string, number | null>> }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
       FROM lead_routing_logs WHERE workspace_id = ?`,
    [sourceId],
  );
  const attempts = await stack.db('leads').where({ source_workspace_id: sourceId }).max('routing_attempts as max').first();
  return {
    byOutcome: byOutcome.map((r) => ({ status: r.status, result: r.result, count: Number(r.n) })),
    createdToRoutedMs: latency,
    attemptDurationMs: attempt,
    maxAttemptsPerLead: Number(attempts?.max ?? 0),
  };
}

async function main() {
  const scenario = pickScenario();
  const drainTimeoutSeconds = positiveNumber('drain-timeout', arg('drain-timeout'), 600);
  const scratch = makeScratchDir(path.join(os.tmpdir(), 'lead-router-load'));
  console.log(`load: scenario ${scenario.name}, ${scenario.rate} leads/s for ${scenario.durationSeconds} s; stack in ${scratch}`);
  const stack = await startLoadStack(scratch);
  let ok = false;
  try {
    const { sourceId, apiKey } = await seedMarketplace(stack);
    const runId = Date.now().toString(36);
    let n = 0;
    const states = ['CA', 'TX', 'NY', 'FL', 'WA'];
    const nextLead = () => {
      n += 1;
      return JSON.stringify({ externalId: `load-${runId}-${n}`, email: `load.${runId}.${n}@outlook.com`, state: states[n % states.length], product: 'mortgage' });
    };

    const samples: Sample[] = [];
    const startedAt = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await sample(stack, sourceId, startedAt));
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    const http = await offerAtRate({
      rate: scenario.rate,
      durationSeconds: scenario.durationSeconds,
      timeoutMs: 30_000,
      send: (_i, signal) => fetch(`${stack.apiUrl}/api/leads/route`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: nextLead(),
        signal,
      }),
    });
    const loadEndedAt = Date.now();

    // Drain: every accepted lead decided (routed / failed / expired), or the deadline.
    let drained = false;
    while (Date.now() - loadEndedAt < drainTimeoutSeconds * 1000) {
      const last = samples[samples.length - 1];
      if (last && last.undecided === 0 && last.atSeconds * 1000 > loadEndedAt - startedAt) {
        drained = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const drainSeconds = (Date.now() - loadEndedAt) / 1000;
    sampling = false;
    await sampler;

    const measured = await outcomes(stack, sourceId);
    // Accepted: answered 2xx. Stored leads can be more (a 503 routing_unavailable stores the lead, and a
    // request that timed out on our side may have been stored): every stored lead must be decided too.
    const accepted = (http.statuses.get(202) ?? 0) + (http.statuses.get(200) ?? 0);
    const stored = measured.byOutcome.reduce((a, o) => a + o.count, 0);
    const routed = measured.byOutcome.filter((o) => o.status === 'routed').reduce((a, o) => a + o.count, 0);
    const sortedHttp = [...http.latenciesMs].sort((a, b) => a - b);
    const report = {
      scenario,
      machine: { cpus: os.cpus().length, node: process.version },
      offered: { requests: http.sent, errors: http.errors, statuses: Object.fromEntries(http.statuses) },
      gatewayMs: { p50: percentile(sortedHttp, 50), p95: percentile(sortedHttp, 95), p99: percentile(sortedHttp, 99), max: sortedHttp[sortedHttp.length - 1] ?? 0 },
      leads: { accepted, stored, routed, successRate: stored ? routed / stored : 0, outcomes: measured.byOutcome, maxAttemptsPerLead: measured.maxAttemptsPerLead },
      createdToRoutedMs: measured.createdToRoutedMs,
      attemptDurationMs: measured.attemptDurationMs,
      throughput: {
        routedPerSecond: measured.createdToRoutedMs?.span_seconds ? routed / Number(measured.createdToRoutedMs.span_seconds) : 0,
      },
      backlog: {
        maxUndecided: Math.max(0, ...samples.map((s) => s.undecided)),
        maxRetryQueueDepth: Math.max(0, ...samples.map((s) => s.retryQueueDepth)),
        drained,
        drainSeconds,
      },
      deliveries: stack.deliveries(),
    };
    const verdicts = {
      successRate: report.leads.successRate >= scenario.expect.minSuccessRate,
      p95: Number(report.createdToRoutedMs?.p95 ?? Infinity) < scenario.expect.p95LatencyMs,
      ...(scenario.expect.maxRetryQueueDepth !== undefined ? { retryQueueDepth: report.backlog.maxRetryQueueDepth < scenario.expect.maxRetryQueueDepth } : {}),
      ...(scenario.expect.drainSeconds !== undefined ? { drain: drained && drainSeconds <= scenario.expect.drainSeconds } : {}),
    };

    const outDir = path.join(root, '.data', 'load');
    fs.mkdirSync(outDir, { recursive: true });
    const outFile = path.join(outDir, `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(outFile, JSON.stringify({ ...report, verdicts, samples }, null, 2));

    const ms = (v: unknown) => `${Math.round(Number(v ?? 0))} ms`;
    console.log(`
scenario ${scenario.name}: ${scenario.rate} leads/s offered for ${scenario.durationSeconds} s (${report.machine.cpus} cores, everything on this machine)
  gateway      ${report.offered.requests} requests sent on schedule, answers ${JSON.stringify(report.offered.statuses)}, no answer ${report.offered.errors}
               latency from due time: p50 ${ms(report.gatewayMs.p50)}, p95 ${ms(report.gatewayMs.p95)}, p99 ${ms(report.gatewayMs.p99)}, max ${ms(report.gatewayMs.max)}
  leads        ${accepted} accepted (2xx), ${stored} stored, ${routed} routed (${(report.leads.successRate * 100).toFixed(2)} % of stored), outcomes ${JSON.stringify(report.leads.outcomes)}
  created->routed p50 ${ms(report.createdToRoutedMs?.p50)}, p95 ${ms(report.createdToRoutedMs?.p95)}, p99 ${ms(report.createdToRoutedMs?.p99)}, max ${ms(report.createdToRoutedMs?.max)}
  attempt      p50 ${ms(report.attemptDurationMs?.p50)}, p95 ${ms(report.attemptDurationMs?.p95)} (lock -> decide -> deliver -> complete)
  throughput   ${report.throughput.routedPerSecond.toFixed(1)} leads routed/s (first created -> last routed)
  backlog      max ${report.backlog.maxUndecided} undecided, max retry-queue depth ${report.backlog.maxRetryQueueDepth}; ${drained ? `drained ${drainSeconds.toFixed(1)} s after the load` : `NOT drained after ${drainTimeoutSeconds} s`}
  deliveries   ${report.deliveries} received by the buyers
  spec         ${Object.entries(verdicts).map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`).join(', ')}
  written to   ${path.relative(root, outFile)}`);
    ok = true;
  } finally {
    await stack.stop();
    if (ok) fs.rmSync(scratch, { recursive: true, force: true });
    else console.error(`load: logs kept in ${scratch}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
