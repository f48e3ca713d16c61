/**
 * What telemetry costs (issue 8): routing throughput and CPU per lead with telemetry off, with tracing on, and
 * with tracing and metrics on, in one run, each on a fresh production-shaped stack (scripts/load/stack.ts:
 * Postgres, the Temporal dev server, the worker and the API as their own processes, buyers answering 200).
 *
 *   npx tsx scripts/bench/tracing.ts [--leads 2400] [--rate 120] [--rounds 1]
 *
 * Each configuration: a warm-up (100 leads at 25/s), then `--leads` leads offered open-loop at `--rate`/s,
 * above what the co-located Temporal dev server sustains, so the system runs saturated and its throughput
 * (leads routed per second, first created -> last routed, from Postgres) is its capacity. Also measured: the
 * CPU time of the API and worker processes per routed lead (/proc/<pid>/stat), the gateway's latency and
 * created -> routed latency. With `--rounds 2` the configurations run twice, interleaved, to show the noise.
 *
 * "Tracing on" sends every span for real: dd-trace encodes and POSTs them to a trace sink in this process
 * that answers like an agent and discards them (a real Datadog Agent's own CPU is not counted, as it would
 * not be on a host where it runs beside other services). Metrics go to a UDP port nothing listens on: the
 * datagrams are built and sent, then dropped by the kernel.
 * Results are printed and written to .data/bench/tracing-<time>.json.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../local/waitFor';
import { offerAtRate } from '../load/openLoop';
import { makeScratchDir, seedMarketplace, startLoadStack, type LoadStack } from '../load/stack';

const root = path.resolve(__dirname, '../..');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

/** A trace agent that accepts and discards: dd-trace's sending cost without an agent's. */
async function startTraceSink() {
  let requests = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (/^\/v0\.[45]\/traces/.test(req.url ?? '')) {
        requests += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"rate_by_service":{}}');
      } else if (req.url === '/info') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"endpoints":["/v0.4/traces"]}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => ({ requests, bytes }),
    reset: () => ((requests = 0), (bytes = 0)),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A UDP port with nothing behind it, for the DogStatsD datagrams. */
async function unusedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  socket.close();
  return port;
}

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the line)
  return ticks / 100; // USER_HZ
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

interface Configuration {
  name: string;
  env: (sink: string, statsdPort: number) => Record<string, string>;
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'off', env: () => ({ DD_TRACE_ENABLED: 'false', METRICS_ENABLED: 'false' }) },
  { name: 'tracing', env: (sink) => ({ DD_TRACE_ENABLED: 'true', DD_TRACE_AGENT_URL: sink, METRICS_ENABLED: 'false' }) },
  {
    name: 'tracing+metrics',
    env: (sink, statsdPort) => ({ DD_TRACE_ENABLED: 'true', DD_TRACE_AGENT_URL: sink, METRICS_ENABLED: 'true', DD_AGENT_HOST: '127.0.0.1', DD_DOGSTATSD_PORT: String(statsdPort) }),
  },
];

async function measure(config: Configuration, opts: { leads: number; rate: number; sink: Awaited<ReturnType<typeof startTraceSink>>; statsdPort: number }) {
  const scratch = makeScratchDir(path.join(os.tmpdir(), 'lead-router-bench'));
  // Production's log level: the lines a lead writes (and the trace ids injected into them) are part of the cost.
  const stack: LoadStack = await startLoadStack(scratch, { LOG_LEVEL: 'info', MAINTENANCE_SCHEDULES: 'false', ...config.env(opts.sink.url, opts.statsdPort) });
  try {
    const { sourceId, apiKey } = await seedMarketplace(stack);
    const runId = `${config.name}-${Date.now().toString(36)}`;
    const send = (prefix: string) => (i: number, signal: AbortSignal) => fetch(`${stack.apiUrl}/api/leads/route`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ externalId: `${prefix}-${runId}-${i}`, email: `${prefix}.${runId}.${i}@outlook.com`, state: 'CA', product: 'mortgage' }),
      signal,
    });
    const undecided = async () => Number((await stack.db('leads').where({ source_workspace_id: sourceId }).whereIn('routing_status', ['pending', 'routing']).count({ n: '*' }).first())?.n ?? 0);
    const drained = () => waitFor('every lead to be decided', async () => ((await undecided()) === 0 ? true : undefined), { timeoutMs: 600_000, intervalMs: 250 });

    await offerAtRate({ rate: 25, durationSeconds: 4, timeoutMs: 30_000, send: send('warmup') });
    await drained();
    opts.sink.reset();

    const cpuBefore = cpuSeconds(stack.pids.api) + cpuSeconds(stack.pids.worker);
    const startedAt = new Date();
    const offered = await offerAtRate({ rate: opts.rate, durationSeconds: opts.leads / opts.rate, timeoutMs: 30_000, send: send('bench') });
    await drained();
    const cpu = cpuSeconds(stack.pids.api) + cpuSeconds(stack.pids.worker) - cpuBefore;

    const { rows: [row] } = await stack.db.raw<{ rows: Array<Record<string, string | number | null>> }>(
      `SELECT count(*) FILTER (WHERE routing_status = 'routed') AS routed, count(*) AS stored,
              extract(epoch FROM max(routed_at) - min(created_at)) AS span_seconds,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM routed_at - created_at) * 1000) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM routed_at - created_at) * 1000) AS p95
         FROM leads WHERE source_workspace_id = ? AND created_at >= ? AND external_id LIKE 'bench-%'`,
      [sourceId, startedAt],
    );
    const routed = Number(row!.routed);
    const sorted = [...offered.latenciesMs].sort((a, b) => a - b);
    return {
      configuration: config.name,
      offered: { sent: offered.sent, errors: offered.errors, statuses: Object.fromEntries(offered.statuses) },
      stored: Number(row!.stored),
      routed,
      throughputPerSecond: routed / Number(row!.span_seconds),
      cpuMsPerLead: (cpu * 1000) / Math.max(1, routed),
      gatewayMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95) },
      createdToRoutedMs: { p50: Number(row!.p50), p95: Number(row!.p95) },
      traceSink: opts.sink.received(),
    };
  } finally {
    await stack.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const leads = arg('leads', 2400);
  const rate = arg('rate', 120);
  const rounds = arg('rounds', 1);
  const sink = await startTraceSink();
  const statsdPort = await unusedUdpPort();
  console.log(`bench: telemetry off / tracing / tracing+metrics, ${leads} leads offered at ${rate}/s each, ${rounds} round(s), ${os.cpus().length} cores`);
  const results: Array<{ round: number } & Awaited<ReturnType<typeof measure>>> = [];
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const config of CONFIGURATIONS) {
        const r = await measure(config, { leads, rate, sink, statsdPort });
        results.push({ round, ...r });
        console.log(
          `  round ${round} ${r.configuration.padEnd(16)} ${r.throughputPerSecond.toFixed(1)} leads/s routed (${r.routed}/${r.stored}), ` +
            `${r.cpuMsPerLead.toFixed(2)} ms CPU/lead (api+worker), gateway p50/p95 ${Math.round(r.gatewayMs.p50)}/${Math.round(r.gatewayMs.p95)} ms, ` +
            `created->routed p50/p95 ${Math.round(r.createdToRoutedMs.p50)}/${Math.round(r.createdToRoutedMs.p95)} ms, trace payloads ${r.traceSink.requests} (${(r.traceSink.bytes / 1e6).toFixed(1)} MB)`,
        );
      }
    }
  } finally {
    await sink.stop();
  }
  const mean = (name: string, pick: (r: (typeof results)[number]) => number) => {
    const rs = results.filter((r) => r.configuration === name);
    return rs.reduce((a, r) => a + pick(r), 0) / rs.length;
  };
  const summary = Object.fromEntries(CONFIGURATIONS.map((c) => [c.name, { throughputPerSecond: mean(c.name, (r) => r.throughputPerSecond), cpuMsPerLead: mean(c.name, (r) => r.cpuMsPerLead) }]));
  const off = summary.off!;
  console.log('\nrelative to telemetry off (mean over rounds):');
  for (const c of CONFIGURATIONS.slice(1)) {
    const s = summary[c.name]!;
    console.log(`  ${c.name.padEnd(16)} throughput x${(s.throughputPerSecond / off.throughputPerSecond).toFixed(3)}, CPU per lead x${(s.cpuMsPerLead / off.cpuMsPerLead).toFixed(3)}`);
  }
  const outDir = path.join(root, '.data', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `tracing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(outFile, JSON.stringify({ leads, rate, rounds, machine: { cpus: os.cpus().length, node: process.version }, results, summary }, null, 2));
  console.log(`written to ${path.relative(root, outFile)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
