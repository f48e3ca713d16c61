import { StatsD } from 'hot-shots';
import { METRICS, type MetricName, type MetricsOfType, type TagsOf } from './catalog';

/**
 * The one way code sends metrics: names and tags are checked against the catalog (lib/telemetry/catalog.ts)
 * by the type system, and tag values against a PII-free shape at run time.
 *
 * Client: hot-shots, DogStatsD over UDP to DD_AGENT_HOST:DD_DOGSTATSD_PORT (the Agent's defaults:
 * localhost:8125). Why not dd-trace's `tracer.dogstatsd`: it POSTs to the agent's /dogstatsd/v2/proxy
 * and flushes every 10 s, and its histograms become gauges; hot-shots sends real DogStatsD lines
 * (`|d` distributions, so Datadog computes global percentiles) within `bufferFlushInterval`. Lines are
 * buffered into datagrams of at most 1,432 bytes (one Ethernet MTU of UDP payload), flushed every 200 ms.
 * With no agent listening, UDP sends are dropped and errors go to `onError` (never thrown into routing).
 */
export interface Metrics {
  increment<K extends MetricsOfType<'count'>>(name: K, tags?: TagsOf<K>, value?: number): void;
  gauge<K extends MetricsOfType<'gauge'>>(name: K, value: number, tags?: TagsOf<K>): void;
  /** `value` in the catalog's unit (milliseconds for latencies). */
  distribution<K extends MetricsOfType<'distribution'>>(name: K, value: number, tags?: TagsOf<K>): void;
  /** Sends what is buffered and closes the socket. */
  close(): Promise<void>;
}

export interface MetricsOptions {
  host?: string;
  port?: number;
  /** env / service / version, added to every metric (DD_ENV, DD_SERVICE, DD_VERSION). */
  globalTags?: Record<string, string>;
  enabled?: boolean;
  onError?: (err: Error) => void;
}

/** Ids, results, classes: letters, digits and `_.:-`, at most 100 characters. Anything else is not a tag value. */
const TAG_VALUE = /^[A-Za-z0-9_.:-]{1,100}$/;

export function tagList(name: MetricName, tags: Record<string, string | undefined> = {}): string[] {
  const allowed = METRICS[name].tags as readonly string[];
  return Object.entries(tags)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && allowed.includes(entry[0]))
    .map(([key, value]) => `${key}:${TAG_VALUE.test(value) ? value : 'invalid'}`);
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const client = new StatsD({
    host: opts.host ?? 'localhost',
    port: opts.port ?? 8125,
    globalTags: opts.globalTags ?? {},
    includeDataDogTags: false, // explicit globalTags instead: tests and processes say exactly what they send
    datadog: false, // no origin detection / client telemetry lines: only the catalog's metrics on the wire
    includeDatadogTelemetry: false,
    maxBufferSize: 1432,
    // Resolve the Agent's host once a minute, not for every packet: without it each UDP send is a dns.lookup()
    // (getaddrinfo on libuv's thread pool; seen in a load run's CPU profile).
    cacheDns: true,
    bufferFlushInterval: 200,
    mock: opts.enabled === false,
    errorHandler: (err) => opts.onError?.(err),
  });
  return {
    increment: (name, tags, value = 1) => client.increment(name, value, tagList(name, tags)),
    gauge: (name, value, tags) => client.gauge(name, value, tagList(name, tags)),
    distribution: (name, value, tags) => client.distribution(name, value, tagList(name, tags)),
    close: () => new Promise<void>((resolve) => client.close(() => resolve())),
  };
}

/** Milliseconds since `startedAt` (a performance.now() reading), for latency distributions. */
export const elapsedMs = (startedAt: number): number => Math.round((performance.now() - startedAt) * 100) / 100;

/** The process's metrics client from its configuration (lib/config.ts: DD_AGENT_HOST, DD_DOGSTATSD_PORT, DD_ENV, DD_VERSION). */
export function metricsFromConfig(
  config: { DD_AGENT_HOST: string; DD_DOGSTATSD_PORT: number; DD_ENV?: string; DD_VERSION?: string; METRICS_ENABLED: boolean },
  service: string,
  onError?: (err: Error) => void,
): Metrics {
  const globalTags: Record<string, string> = { service };
  if (config.DD_ENV) globalTags.env = config.DD_ENV;
  if (config.DD_VERSION) globalTags.version = config.DD_VERSION;
  return createMetrics({ host: config.DD_AGENT_HOST, port: config.DD_DOGSTATSD_PORT, globalTags, enabled: config.METRICS_ENABLED, onError });
}
