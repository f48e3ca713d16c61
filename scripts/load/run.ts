/**
 * Load test (a measurement, not a test): the monitoring spec's scenarios against the whole system.
 *
 *   npm run loadtest -- [--scenario all|normal|spike|sustained] [--rate N] [--duration S] [--drain-timeout S]
 *                       [--mode separate|combined] [--built] [--strict]
 *
 * Default `--scenario all`: normal (10/s, 5 min), spike (100/s, 60 s) and sustained (50/s, 30 min), one after
 * the other, each on a fresh production-shaped stack (scripts/load/stack.ts: durable Postgres, the Temporal
 * dev server with its SQLite file, the product's processes (`--mode separate`: API and worker, the default;
 * `combined`: one process, when the product has workers/combined.ts; through tsx, or with `--built` from dist/
 * as the Docker image runs them: `npm run build` first), buyers answering 200). `--rate` and
 * `--duration` override every scenario run. Each run (scripts/load/runScenario.ts) offers leads open loop,
 * measures the HTTP answer mix, gateway latency, created -> routed latency, throughput, drain time, CPU and
 * peak RSS of the API, worker, Postgres and Temporal, and prints one PASS/FAIL line per expectation of the
 * spec and per target of issue 10 (scripts/load/verdicts.ts), and Postgres's top statements by total time with
 * the statements and statement time per routed lead (pg_stat_statements, counted from the start of the offer:
 * scripts/load/statementStats.ts). Results: .data/load/<scenario>-<time>.json.
 * The exit code is 0 when every run completed (1 with `--strict` if any verdict failed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatReport, type LoadReport } from './report';
import { runScenario } from './runScenario';
import { ALL_SCENARIOS, SCENARIOS, type Scenario } from './scenarios';
import { checkMode, makeScratchDir, startLoadStack } from './stack';
import { verdictLine } from './verdicts';

const root = path.resolve(__dirname, '../..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}
function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

function pickScenarios(): Scenario[] {
  const name = arg('scenario') ?? 'all';
  const names = name === 'all' ? [...ALL_SCENARIOS] : [name];
  return names.map((n) => {
    const base = SCENARIOS[n];
    if (!base) throw new Error(`--scenario must be all or one of ${Object.keys(SCENARIOS).join(', ')}; got ${n}`);
    return { ...base, rate: positiveNumber('rate', arg('rate'), base.rate), durationSeconds: positiveNumber('duration', arg('duration'), base.durationSeconds) };
  });
}

/** One scenario on a fresh stack; the report is written to .data/load and printed. */
async function runOne(scenario: Scenario, mode: ReturnType<typeof checkMode>, built: boolean, drainTimeoutSeconds: number): Promise<LoadReport> {
  const scratch = makeScratchDir(path.join(os.tmpdir(), 'lead-router-load'));
  console.log(`load: scenario ${scenario.name}, ${scenario.rate} leads/s for ${scenario.durationSeconds} s, ${mode} deployment${built ? ' (built)' : ''}; stack in ${scratch}`);
  const stack = await startLoadStack(scratch, {}, { mode, built, statementStats: true });
  let ok = false;
  try {
    const report = await runScenario(stack, scenario, { drainTimeoutSeconds, log: (line) => console.log(`load: ${line}`) });
    const outDir = path.join(root, '.data', 'load');
    fs.mkdirSync(outDir, { recursive: true });
    const outFile = path.join(outDir, `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(outFile, JSON.stringify(report, null, 2));
    console.log(formatReport(report, path.relative(root, outFile)));
    ok = true;
    return report;
  } finally {
    await stack.stop();
    if (ok) fs.rmSync(scratch, { recursive: true, force: true });
    else console.error(`load: logs kept in ${scratch}`);
  }
}

async function main() {
  const scenarios = pickScenarios();
  const mode = checkMode(arg('mode') ?? 'separate');
  const drainTimeoutSeconds = positiveNumber('drain-timeout', arg('drain-timeout'), 600);
  const reports: LoadReport[] = [];
  const built = process.argv.includes('--built');
  for (const scenario of scenarios) reports.push(await runOne(scenario, mode, built, drainTimeoutSeconds));
  if (reports.length > 1) {
    console.log('\nsummary');
    for (const r of reports) for (const v of r.verdicts) console.log(`  ${r.scenario.name.padEnd(10)} ${verdictLine(v)}`);
  }
  const failed = reports.flatMap((r) => r.verdicts).filter((v) => !v.pass).length;
  console.log(`\n${failed === 0 ? 'every expectation met' : `${failed} expectation(s) not met`}`);
  if (failed > 0 && process.argv.includes('--strict')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
