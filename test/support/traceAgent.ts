import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../scripts/local/freePort';
import { waitFor } from '../../scripts/local/waitFor';

const root = path.resolve(__dirname, '../..');

/** A span as the test agent returns it (dd-trace's v0.4 format, decoded). */
export interface AgentSpan {
  name: string;
  service: string;
  resource: string;
  type?: string;
  trace_id: number | bigint | string;
  span_id: number | bigint | string;
  parent_id: number | bigint | string;
  start: number;
  duration: number;
  error: number;
  meta: Record<string, string>;
  metrics: Record<string, number>;
}

export interface TraceAgent {
  /** `http://127.0.0.1:<port>`: what DD_TRACE_AGENT_URL points at. */
  url: string;
  /** Its trace port (DD_AGENT_HOST=127.0.0.1, DD_TRACE_AGENT_PORT=port). */
  port: number;
  /** Every trace received so far, each a list of spans (ids as strings: 64-bit ids do not fit a JS number). */
  traces(): Promise<AgentSpan[][]>;
  stop(): Promise<void>;
}

/**
 * Datadog's own APM test agent (`ddapm-test-agent`, PyPI, installed into .tools/venv by
 * scripts/ensure-deps.sh) on free ports: it speaks the trace agent's HTTP API (/info, /v0.4/traces,
 * telemetry, remote config), keeps what it receives, and returns it from /test/traces. It checks payloads,
 * not parent/child links: the tests assert those.
 */
export async function startTraceAgent(logFile: string): Promise<TraceAgent> {
  const local = path.join(root, '.tools/venv/bin/ddapm-test-agent');
  const bin = fs.existsSync(local) ? local : 'ddapm-test-agent';
  const [port, otlpHttp, otlpGrpc] = [await freePort(), await freePort(), await freePort()];
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(bin, ['--host', '127.0.0.1', '--port', String(port), '--otlp-http-port', String(otlpHttp), '--otlp-grpc-port', String(otlpGrpc)], {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) => console.error(`ddapm-test-agent: ${err.message} (install it: bash scripts/ensure-deps.sh)`));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the trace test agent', async () => ((await fetch(`${url}/info`)).ok ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; its log: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`, { cause: err });
  }
  return {
    url,
    port,
    async traces() {
      const res = await fetch(`${url}/test/traces`);
      if (!res.ok) throw new Error(`GET /test/traces: ${res.status} ${await res.text()}`);
      // Span ids are unsigned 64-bit integers in the JSON: read them as strings, not rounded numbers.
      const text = (await res.text()).replace(/"(trace_id|span_id|parent_id)":\s*(\d+)/g, '"$1":"$2"');
      return JSON.parse(text) as AgentSpan[][];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
