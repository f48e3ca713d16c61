import net from 'node:net';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { resolvePlaceholderEmails, resolvePlaceholderPhones } from './identity';
import { bool, datadogTraceSettings, httpUrl, int, oneOf, port, secret } from './config/parsers';
import { zoneNameProblem } from './timeZone';
import { slotSizes, WORKFLOW_TASK_POLLERS } from './workerSizing';
import { DEFAULT_RUNBOOK_BASE_URL } from '../monitors/runbooks';

/**
 * All runtime configuration comes from the environment, validated once at start-up.
 * A bad value stops the process with a message naming the variable, never a late surprise.
 */
/** 1..max with a default. Every whole-number setting has a maximum that fits where it is used (lib/config/parsers.ts int). */
const positiveInt = (def: number, max: number) => int(1, max).default(def);

const WEEK_SECONDS = 7 * 86_400;
/** Seconds in decimal digits, fractions allowed (tests retry after 0.2 s): more than 0, at most a week. */
const seconds = () =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds in decimal digits, such as 30 or 0.5')
    .transform(Number)
    .pipe(z.number().positive('must be more than 0').max(WEEK_SECONDS, `must be at most ${WEEK_SECONDS} (a week)`));

const HOST_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`);

/** An IP address or a DNS name; dotted digits must be a real IPv4 address (`999.1.1.1` is neither). */
function isHost(host: string): boolean {
  if (net.isIP(host)) return true;
  return !/^[\d.]+$/.test(host) && HOSTNAME.test(host);
}

/** `host:port`, `[ipv6]:port`, or (portOptional) the host alone; the port 1-65535 in decimal digits. */
function parseHostPort(value: string, portOptional: boolean): { host: string; port?: number } | undefined {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return undefined;
  const host = m[1]!;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (value.startsWith('[') ? !net.isIPv6(host) : !isHost(host)) return undefined;
  if (port === undefined ? !portOptional : port < 1 || port > 65_535) return undefined;
  return { host, ...(port === undefined ? {} : { port }) };
}

/** A TRUST_PROXY entry: an IP address, a CIDR, or one of proxy-addr's names (loopback, linklocal, uniquelocal). */
function isProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry) || net.isIP(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = net.isIP(address ?? '');
  return extra === undefined && family !== 0 && /^\d{1,3}$/.test(prefix ?? '') && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * postgres:// or postgresql://, parsable, with a host (in the authority or `?host=` for a socket directory):
 * without one, pg silently connects to 127.0.0.1:5432. The message never repeats the value (a password).
 */
function databaseUrlProblem(value: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(value)) return 'must be a postgres:// URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a valid postgres:// URL (check the port and the percent-encoding of the password)';
  }
  if (!url.hostname && !url.searchParams.get('host')) return 'must name a host (postgres://user:pass@host:port/db)';
  return undefined;
}

/** A placeholder list setting: the effective entries, or one issue naming every bad entry. */
const placeholders = (resolve: (setting: string | undefined) => { entries: string[] } | { problem: string }) =>
  z
    .string()
    .optional()
    .transform((setting, ctx) => {
      const resolved = resolve(setting);
      if ('problem' in resolved) {
        ctx.addIssue({ code: 'custom', message: resolved.problem });
        return z.NEVER;
      }
      return resolved.entries;
    });

/** TRUST_PROXY as a hop count: at most this many proxies in front of the API. */
const MAX_PROXY_HOPS = 32;

/**
 * A Datadog tag value (DD_ENV, DD_VERSION): 1-100 of the characters a tag keeps as written, letters, digits and
 * `_ - : . /` (Datadog's tagging rules, docs.datadoghq.com/getting_started/tagging: anything else becomes `_`, so a
 * value sent with it would not be the one searched for). `release/2026-11` is one; semver build metadata
 * (`1.2.3+build.5`) is refused with the form to write.
 */
function datadogTagValue() {
  return z.string().superRefine((value, ctx) => {
    if (/^[A-Za-z0-9_.:/-]{1,100}$/.test(value)) return;
    const suggestion = value.replace(/[^A-Za-z0-9_.:/-]/g, '_').slice(0, 100);
    const hint = suggestion && suggestion !== value ? `: Datadog would store it as ${JSON.stringify(suggestion)}, write that` : '';
    ctx.addIssue({ code: 'custom', message: `must be a Datadog tag value (1-100 letters, digits, _ - : . /)${hint}` });
  });
}

const configObject = z.object({
  DATABASE_URL: z
    .string({ message: 'is required (postgres://user:pass@host:port/db)' })
    .superRefine((value, ctx) => {
      const problem = databaseUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** Connections per pool. 1,000: far above Postgres's default max_connections (100); more only fails at connect. */
  DATABASE_POOL_MAX: positiveInt(10, 1_000),
  /** host:port of the Temporal frontend (the port defaults to 7233); IPv6 in brackets. */
  TEMPORAL_ADDRESS: z
    .string()
    .refine((v) => parseHostPort(v, true) !== undefined, 'must be host:port (e.g. localhost:7233; IPv6 as [::1]:7233)')
    .default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('lead-routing'),
  TEMPORAL_API_KEY: secret(1).optional(),
  TEMPORAL_TLS: bool.optional(),
  /** Admin lead views build links from it: an http(s) URL with a host (`javascript:` or `ftp://` links were accepted). */
  TEMPORAL_UI_URL: httpUrl('the Temporal UI, e.g. http://localhost:8233').default('http://localhost:8233'),
  PORT: int(0, 65_535).default(3000),
  HOST: z.string().refine(isHost, 'must be an IP address or a host name, e.g. 0.0.0.0 or ::').default('0.0.0.0'),
  /**
   * The longest an HTTP request may take to arrive, headers and body, ms (Node's `requestTimeout`): a client
   * whose body stops arriving (a stalled partner, a slow-body attack) is answered 408 and disconnected
   * instead of holding a connection for good. 30 s: a 64 KB lead body over the slowest link takes a second.
   */
  HTTP_REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(30_000),
  ADMIN_TOKEN: secret(16).optional(),
  IDENTITY_HMAC_KEY: z.string({ message: 'is required' }).pipe(secret(16)),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * A `::integer` SQL parameter (make_interval) in the routing lock and the SLO report. A day: a lock that old
   * belongs to a dead worker, and the lead would wait that long before another worker takes it over.
   */
  ROUTING_LOCK_STALE_SECONDS: positiveInt(300, 86_400),
  /**
   * `now() + make_interval(days => n)` at every POST /api/leads/route (above ~1.07e8 days Postgres overflows, 22003).
   * 3,650 (ten years): a lead is worth routing for weeks, not decades.
   */
  LEAD_TTL_DAYS: positiveInt(90, 3_650),
  DEFAULT_PHONE_COUNTRY: z
    .string()
    .superRefine((code, ctx) => {
      // Any two capitals pass the shape; the phone parser only knows the regions it has a numbering plan for.
      if (!/^[A-Z]{2}$/.test(code)) ctx.addIssue({ code: 'custom', message: 'must be an ISO 3166 alpha-2 country code such as US' });
      else if (!isSupportedCountry(code)) ctx.addIssue({ code: 'custom', message: 'must be a country libphonenumber has a numbering plan for, such as US or GB' });
    })
    .default('US'),
  /**
   * Requests per minute per caller (a source, unless an operator set the source's own limit, or the admin
   * token). 6,000/min admits the monitoring spec's 100 leads/s spike from a single partner.
   */
  RATE_LIMIT_PER_MINUTE: positiveInt(6000, 1_000_000), // the same maximum as a source's own limit (admin API)
  /** Failed authentications per minute per client address (and per presented credential) before 429. */
  // Counted in memory; 1,000,000 (as RATE_LIMIT_PER_MINUTE): effectively off, which load tests set.
  AUTH_FAILURES_PER_MINUTE: positiveInt(30, 1_000_000),
  /**
   * How long the gateway keeps a source API key's workspace in memory (api/plugins/sourceKeyCache.ts), ms;
   * 0: off, every request looks its key up in Postgres. A change made through the admin API applies at once in
   * the process that made it; other gateway processes (and direct SQL changes) see it within this long.
   * At most a minute: a disabled source or a rotated key must not keep working for long.
   */
  AUTH_CACHE_TTL_MS: int(0, 60_000, {
    type: 'must be a whole number of milliseconds',
    min: 'must be 0 (off) or more',
    max: 'must be at most 60000 (a minute): a disabled source keeps working this long on other gateway processes',
  }).default(5_000),
  /**
   * Which proxies to believe for the client address (Fastify `trustProxy`): `true` (any), a hop count, or
   * comma-separated addresses / CIDRs. Unset behind a load balancer, every client has the balancer's
   * address, and the failed-authentication throttle would block everyone together.
   */
  TRUST_PROXY: z
    .string()
    .transform((v, ctx): boolean | number | string[] => {
      if (v === 'true' || v === 'false') return v === 'true';
      if (/^\d+$/.test(v)) {
        // A hop count: a request passes a handful of proxies; a huge count just means "trust any" (use true).
        if (Number(v) > MAX_PROXY_HOPS) {
          ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_PROXY_HOPS} (hops; true trusts any proxy)` });
          return z.NEVER;
        }
        return Number(v);
      }
      const entries = v.split(',').map((x) => x.trim());
      const bad = entries.filter((e) => !isProxyEntry(e));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `must be true, false, a hop count, or comma-separated IP addresses / CIDRs (not: ${bad.map((e) => JSON.stringify(e)).join(', ')})` });
        return z.NEVER;
      }
      return entries;
    })
    .optional(),
  /** A `::integer` SQL parameter (interval) of every routing decision. 365: a person is "the same lead" within a year at most. */
  DEDUPE_WINDOW_DAYS: positiveInt(30, 365),
  /**
   * Emails and phones that never dedupe two people (lib/identity.ts: shapes, built-in defaults, sources).
   * Comma-separated entries EXTEND the built-in defaults; `-entry` removes one default. Email entries:
   * `@domain` (and subdomains), `local@` (any domain), `local@domain`. Phone entries: E.164 patterns
   * (`?` one digit, final `*` any rest: `+1???55501??`), `repeated`, `sequential`.
   */
  DEDUPE_PLACEHOLDER_EMAILS: placeholders(resolvePlaceholderEmails),
  DEDUPE_PLACEHOLDER_PHONES: placeholders(resolvePlaceholderPhones),
  /** Compared with the retry ledger's integer count. 1,000: with the backoff's longest wait (a week) already decades. */
  ROUTING_MAX_ATTEMPTS: positiveInt(10, 1_000),
  ROUTING_RETRY_BASE_SECONDS: seconds().default(30),
  ROUTING_RETRY_MAX_SECONDS: seconds().default(3600),
  /** A SQL LIMIT per maintenance pass, re-driven in one activity: 10,000 rows keep a pass well inside its timeout. */
  RETRY_QUEUE_BATCH_SIZE: positiveInt(500, 10_000),
  /** Whether this worker creates/updates the maintenance schedules at start (tests switch it off). */
  MAINTENANCE_SCHEDULES: bool.default(true),
  MAINTENANCE_TIMEZONE: z
    .string()
    .superRefine((zone, ctx) => {
      const problem = zoneNameProblem(zone);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('UTC'),
  /** DogStatsD (lib/telemetry/metrics.ts): where the Datadog Agent listens; the Agent's own defaults. */
  DD_AGENT_HOST: z.string().refine(isHost, 'must be an IP address or a host name').default('localhost'),
  DD_DOGSTATSD_PORT: port().default(8125),
  /** dd-trace's own settings (it reads them itself, and ignored bad ones silently): checked here by name. */
  ...datadogTraceSettings,
  /** Unified service tagging, added to every metric (and read by dd-trace for spans). */
  DD_ENV: datadogTagValue().optional(),
  DD_VERSION: datadogTagValue().optional(),
  METRICS_ENABLED: bool.default(true),
  /**
   * Alert notifiers (lib/alerting, issue 9 §2). Each is optional: without it that channel is skipped and
   * alerts are still evaluated, stored and shown in GET /api/admin/slo. Secrets: never logged nor echoed in
   * errors (the messages below do not repeat the value).
   */
  ALERT_SLACK_WEBHOOK_URL: httpUrl('a Slack incoming webhook').optional(),
  ALERT_PAGERDUTY_ROUTING_KEY: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be a PagerDuty Events API v2 integration (routing) key: 8-128 letters, digits, _ or -').optional(),
  /** The Events API v2 endpoint; tests point it at a local capture server. */
  ALERT_PAGERDUTY_EVENTS_URL: httpUrl().default('https://events.pagerduty.com/v2/enqueue'),
  /** While an alert keeps firing, no second notification on a channel until this long after the last delivered one. */
  ALERT_RENOTIFY_MINUTES: positiveInt(60, 10_080), // a week: a firing alert is repeated at least weekly
  /** Where alert messages link runbooks (monitors/runbooks.ts): `<base>/<name>.md`. */
  RUNBOOK_BASE_URL: httpUrl().default(DEFAULT_RUNBOOK_BASE_URL),
  /** host:port for the Temporal SDK's Prometheus metrics endpoint on the worker (lib/telemetry/temporalRuntime.ts); unset: off. */
  TEMPORAL_PROMETHEUS_BIND_ADDRESS: z
    .string()
    // The SDK's core binds a socket address: an IP, not a host name.
    .refine((v) => { const a = parseHostPort(v, false); return a !== undefined && net.isIP(a.host) !== 0; }, 'must be ip:port with a port 1-65535, e.g. 0.0.0.0:9464')
    .optional(),
  DELIVERY_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /**
   * Admission control (lib/admission): at most this many lead workflows in flight (started, not yet through
   * their first routing attempt) across the deployment; the surplus waits in Postgres and is started in order
   * as room frees. 32: the dev server on 2 cores peaks at 20-40 workflows in flight (issue 10: 103/s with 20
   * in flight, 63/s with 200).
   */
  ADMISSION_MAX_IN_FLIGHT: int(1, 10_000).default(48),
  /** An admitted lead stops counting as in flight after this long (a stuck or lost workflow never closes admission). */
  ADMISSION_IN_FLIGHT_SECONDS: int(1, 86_400).default(60),
  /** How often the starter loop looks at an empty backlog (ms); five times as often while leads wait for room. */
  ADMISSION_POLL_MS: int(10, 60_000).default(250),
  /** The longest a workflow start may take before the lead goes back to the backlog (ms). */
  ADMISSION_START_TIMEOUT_MS: int(100, 60_000).default(3_000),
  /** Whether this process runs the starter loop (api/server.ts and workers/combined.ts; off: fast path only). */
  ADMISSION_STARTER: bool.default(true),
  /**
   * Worker slots (workers/createWorker.ts). Unset: 2 × ADMISSION_MAX_IN_FLIGHT + 10 (the pollers' own) workflow tasks and
   * max(100, 4 × ADMISSION_MAX_IN_FLIGHT) local activities, so every admitted lead finds a free slot and an
   * eager start is accepted (with fewer slots than leads in flight only 20-30 % of starts were eager).
   */
  // Maxima: what the derived defaults reach at ADMISSION_MAX_IN_FLIGHT's maximum (10,000); more only costs memory.
  WORKER_WORKFLOW_TASK_SLOTS: int(2, 20_010).optional(),
  WORKER_LOCAL_ACTIVITY_SLOTS: int(1, 40_000).optional(),
  /**
   * Workflows the worker keeps in memory between tasks (workers/createWorker.ts). Unset: max(2 × workflow-task
   * slots, 100). The SDK's own default derives from the V8 heap limit ((limit - 200 MB) × 600 / GB): under the
   * heap limits the processes run with (lib/heapLimits.ts) it would be 10, fewer than the slots, and the SDK
   * then cuts the slots to match and eager starts fall back to the task queue.
   */
  WORKER_MAX_CACHED_WORKFLOWS: int(2, 100_000).optional(), // a cached workflow holds a V8 context: 100,000 is GBs
  /**
   * The workflow sandbox's deadlock guard (workers/workflowSandbox.ts), ms: how long one activation of workflow
   * code may run before the SDK fails its task. 0 (default): no guard. The SDK's guard (5 s) is Node's vm
   * `timeout`, which starts a watchdog thread on every call into the sandbox, ~10 calls per lead: it cost the
   * workflow thread ~9 ms per lead under load (issue 10 profile). Our workflow code is short, deterministic and
   * replay-tested; the server's workflow-task timeout (10 s) still retries a stuck task on another worker.
   * At most 2,147,483,647 (about 24.8 days), Node's largest timer delay: a longer guard is no guard.
   */
  WORKFLOW_DEADLOCK_TIMEOUT_MS: int(0, 2_147_483_647).default(0),
  /**
   * Whether the SDK records a stack trace at every promise created in workflow code, for the `__stack_trace`
   * query (Temporal UI's "Stack Trace" tab). Off by default: it took ~35 % of the workflow thread's time
   * (issue 10 profile; temporalio/sdk-typescript#1587). Turn it on to debug a stuck workflow.
   */
  WORKFLOW_STACK_TRACES: bool.default(false),
});

/** The delivery's local-activity timeout is DELIVERY_TIMEOUT_MS plus this margin (workflows/routeLead.ts). */
const DELIVERY_MARGIN_MS = 5_000;

const configSchema = configObject.superRefine((c, ctx) => {
  // A lead still delivering must still count as in flight, or more than ADMISSION_MAX_IN_FLIGHT run at once.
  if (c.ADMISSION_IN_FLIGHT_SECONDS * 1000 <= c.DELIVERY_TIMEOUT_MS + DELIVERY_MARGIN_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['ADMISSION_IN_FLIGHT_SECONDS'],
      message: `must be longer than a delivery can take (DELIVERY_TIMEOUT_MS ${c.DELIVERY_TIMEOUT_MS} ms + ${DELIVERY_MARGIN_MS} ms), so a lead still at its buyer counts as in flight`,
    });
  }
  // The same for the routing lock: the stale-lock sweeper would release a lead still at its buyer, and a
  // second worker could deliver it again.
  if (c.ROUTING_LOCK_STALE_SECONDS * 1000 <= c.DELIVERY_TIMEOUT_MS + DELIVERY_MARGIN_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['ROUTING_LOCK_STALE_SECONDS'],
      message: `must be longer than a delivery can take (DELIVERY_TIMEOUT_MS ${c.DELIVERY_TIMEOUT_MS} ms + ${DELIVERY_MARGIN_MS} ms), or a lead still at its buyer looks abandoned`,
    });
  }
  if (c.ROUTING_RETRY_BASE_SECONDS > c.ROUTING_RETRY_MAX_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['ROUTING_RETRY_BASE_SECONDS'],
      message: `must be at most ROUTING_RETRY_MAX_SECONDS (${c.ROUTING_RETRY_MAX_SECONDS}): the first wait cannot exceed the longest one`,
    });
  }
  // The SDK would silently cut the slots to the cache size (and eager starts would fall back to the queue).
  const { workflowTasks, cached } = slotSizes(c);
  if (cached < workflowTasks) {
    ctx.addIssue({
      code: 'custom',
      path: ['WORKER_MAX_CACHED_WORKFLOWS'],
      message: `must be at least the workflow-task slots (${workflowTasks}: WORKER_WORKFLOW_TASK_SLOTS, or 2 × ADMISSION_MAX_IN_FLIGHT + ${WORKFLOW_TASK_POLLERS}); the SDK would cut the slots to the cache size`,
    });
  }
  // Only once every variable is valid on its own: otherwise these would compare unparsed strings ("0x50 ms").
}, { when: (payload) => (payload.issues ?? []).length === 0 });

export type Config = z.infer<typeof configSchema>;

/** Every variable loadConfig reads (tests loop over them to prove a rule holds for each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(configObject.shape);

/**
 * Settings that cannot work, each problem naming its variable (`NAME: why`). The message is one line per problem,
 * `invalid configuration: NAME: why`, as the processes print it: a line names what to fix, as the tools' lines do
 * (it was a header line, then the problems indented below it).
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.map((p) => `invalid configuration: ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `NAME: problem`, or `NAME is required` (plus the schema's hint) for a variable that is not set at all. */
function describeIssue(issue: z.core.$ZodIssue, env: Record<string, unknown>): string {
  const name = issue.path.join('.');
  if (issue.path.length === 1 && issue.code === 'invalid_type' && env[name] === undefined) {
    return `${name} ${issue.message.startsWith('is required') ? issue.message : 'is required'}`;
  }
  return `${name}: ${issue.message}`;
}

function parse<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Empty (or blank) strings mean "unset": shells and compose files often export VAR= for optional values.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => describeIssue(i, cleaned)));
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parse(configSchema, env);
}

/** Just the database settings, for tools such as the migrator that need nothing else. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env) {
  return parse(configObject.pick({ DATABASE_URL: true, DATABASE_POOL_MAX: true }), env);
}

/**
 * Just the Temporal connection and the maintenance schedules' settings, for `npm run schedules` (the rollback
 * runbook runs it with only TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE set: the full config wanted IDENTITY_HMAC_KEY).
 */
export function loadScheduleConfig(env: NodeJS.ProcessEnv = process.env) {
  return parse(configObject.pick({ TEMPORAL_ADDRESS: true, TEMPORAL_NAMESPACE: true, TEMPORAL_TASK_QUEUE: true, TEMPORAL_API_KEY: true, TEMPORAL_TLS: true, MAINTENANCE_TIMEZONE: true }), env);
}
