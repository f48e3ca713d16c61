// Static checks of the container wiring: docker-compose.yml and the Dockerfile cannot be run in CI
// (no Docker engine), so verify that the names, URLs, ports and start-up conditions line up.
import { existsSync, readdirSync, readFileSync } from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { loadConfig } from '../../lib/config';
import { EXTERNAL_METRICS } from '../../monitors/externalMetrics';
import { heapLimitFlags } from '../../lib/heapLimits';

const root = path.join(__dirname, '../..');
const composeFile = path.join(__dirname, '../../docker-compose.yml');

type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  labels?: Record<string, string>;
  volumes?: string[];
  ports?: (string | number)[];
  profiles?: string[];
  stop_grace_period?: string;
};

// merge: true resolves the `<<: *app-env` merge keys the way docker compose does.
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`service "${name}" is missing from docker-compose.yml`);
  return s;
}

function env(name: string): Record<string, string> {
  const e = service(name).environment ?? {};
  if (Array.isArray(e)) {
    return Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

function dependsOn(name: string): Record<string, string> {
  const d = service(name).depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v?.condition ?? 'service_started']));
}

const asText = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

// True if `from` cannot start before `target` is ready: a chain of depends_on edges that each wait
// for readiness (healthy / completed), ending on `target` with one of `conditions`.
function waitsFor(from: string, target: string, conditions: string[], seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  return Object.entries(dependsOn(from)).some(([dep, cond]) => {
    if (dep === target) return conditions.includes(cond);
    const readiness = cond === 'service_healthy' || cond === 'service_completed_successfully';
    return readiness && waitsFor(dep, target, conditions, seen);
  });
}

// Every process of the app image that serves or routes leads (combined is api + worker in one process).
const APP = ['api', 'worker', 'combined'];
/** The HTTP gateways: api, or the combined process in its place. */
const GATEWAYS = ['api', 'combined'];
/** Processes that run a Temporal worker. */
const WORKERS = ['worker', 'combined'];

/**
 * A service's environment as the process would see it, with compose's interpolation applied:
 * `${VAR:?message}` (required: compose refuses to start without it) gets a stand-in value of the right
 * shape, `${VAR:-default}` its default.
 */
function resolvedEnv(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env(name)).map(([k, v]) => [
      k,
      v.replace(/\$\{(\w+):\?[^}]*\}/g, (_m, key: string) => `stand-in-${key.toLowerCase()}-0123456789`).replace(/\$\{\w+:-([^}]*)\}/g, '$1'),
    ]),
  );
}

describe('docker-compose.yml', () => {
  it('defines the required services', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'datadog-agent', 'api', 'worker', 'combined']) {
      expect(Object.keys(services)).toContain(name);
    }
  });

  it('only depends on services that exist, with valid conditions', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const name of Object.keys(services)) {
      for (const [dep, cond] of Object.entries(dependsOn(name))) {
        expect({ service: name, dependsOn: dep, exists: dep in services }).toEqual({ service: name, dependsOn: dep, exists: true });
        expect(conditions).toContain(cond);
      }
    }
  });

  it('gives a healthcheck to every service that another one waits on with service_healthy', () => {
    for (const name of Object.keys(services)) {
      for (const [dep, cond] of Object.entries(dependsOn(name))) {
        if (cond === 'service_healthy') expect({ dep, test: service(dep).healthcheck?.test }).toEqual({ dep, test: expect.anything() });
      }
    }
  });

  it.each(APP)('%s reaches the postgres service with its credentials', (name) => {
    const url = new URL(env(name).DATABASE_URL ?? '');
    const pg = env('postgres');
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('postgres');
    expect(service(url.hostname).image).toMatch(/^postgres:/);
    expect(url.port || '5432').toBe('5432');
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname.slice(1)).toBe(pg.POSTGRES_DB);
  });

  it.each(APP)('%s points TEMPORAL_ADDRESS at the temporal service and DD_AGENT_HOST at the agent', (name) => {
    const e = env(name);
    const [host, port] = (e.TEMPORAL_ADDRESS ?? '').split(':');
    expect(host).toBe('temporal');
    expect(service('temporal').image).toMatch(/^temporalio\/(auto-setup|server)/);
    expect(port).toBe('7233');
    expect(e.TEMPORAL_NAMESPACE).toBe('default');
    expect(e.TEMPORAL_TASK_QUEUE).toBeTruthy();

    expect(e.DD_AGENT_HOST).toBe('datadog-agent');
    expect(service('datadog-agent').image).toMatch(/datadoghq\/agent/);
    const agentPorts = (service('datadog-agent').ports ?? []).map(String);
    expect(agentPorts.some((p) => p.endsWith(`:${e.DD_TRACE_AGENT_PORT ?? '8126'}/tcp`) || p.endsWith(`:${e.DD_TRACE_AGENT_PORT ?? '8126'}`))).toBe(true);
    expect(agentPorts.some((p) => p.endsWith(`:${e.DD_DOGSTATSD_PORT ?? '8125'}/udp`))).toBe(true);
    expect(e.DD_SERVICE).toBe(`lead-router-${name}`);
  });

  it('points temporal at the postgres service and the UI at temporal', () => {
    const t = env('temporal');
    expect(t.POSTGRES_SEEDS).toBe('postgres');
    expect(t.POSTGRES_USER).toBe(env('postgres').POSTGRES_USER);
    expect(t.POSTGRES_PWD).toBe(env('postgres').POSTGRES_PASSWORD);
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe(env('api').TEMPORAL_ADDRESS);
  });

  it.each(APP)('%s starts only after postgres is migrated and temporal is healthy and set up', (name) => {
    expect(waitsFor(name, 'postgres', ['service_healthy'])).toBe(true);
    expect(waitsFor(name, 'temporal', ['service_healthy'])).toBe(true);
    expect(waitsFor(name, 'migrate', ['service_completed_successfully'])).toBe(true);
    expect(waitsFor(name, 'temporal-setup', ['service_completed_successfully'])).toBe(true);
  });

  it('runs migrations with the same DATABASE_URL as the app', () => {
    expect(asText(service('migrate').command)).toMatch(/dist\/scripts\/migrate\.js/);
    for (const name of APP) expect(env(name).DATABASE_URL).toBe(env('migrate').DATABASE_URL);
  });

  it('registers the four custom search attributes on namespace default', () => {
    const setup = service('temporal-setup');
    expect(setup.image).toMatch(/^temporalio\/admin-tools/);
    const script = `${asText(setup.entrypoint)}\n${asText(setup.command)}`;
    expect(script).toContain('search-attribute create');
    expect(script).toMatch(/--address[ =]temporal:7233/);
    expect(script).toMatch(/--namespace[ =]default/);
    expect(script).toMatch(/already exists/); // idempotent re-runs
    const lines = script.split('\n');
    for (const [attr, type] of [
      ['RoutingStatus', 'Keyword'],
      ['SourceWorkspaceId', 'Keyword'],
      ['DestinationWorkspaceId', 'Keyword'],
      ['RoutingAttempts', 'Int'],
    ]) {
      expect({ attr, registered: lines.some((l) => new RegExp(`\\b${attr}\\b.*\\b${type}\\b`).test(l)) }).toEqual({ attr, registered: true });
    }
  });

  it.each(GATEWAYS)("%s publishes its PORT and health-checks it on that port", (name) => {
    const port = env(name).PORT;
    const published = (service(name).ports ?? []).map((p) => String(p).split('/')[0]!.split(':').pop());
    expect(published).toContain(port);
    expect(asText(service(name).healthcheck?.test)).toContain(`localhost:${port}/ready`);
  });

  it.each(WORKERS)('%s gets time to drain on SIGTERM', (name) => {
    const grace = String(service(name).stop_grace_period ?? '');
    expect(grace).toMatch(/^\d+s$/);
    expect(parseInt(grace, 10)).toBeGreaterThanOrEqual(30);
  });

  it.each(WORKERS)("has the Agent scrape %s's Temporal SDK metrics endpoint (openmetrics autodiscovery)", (name) => {
    const bind = String(env(name).TEMPORAL_PROMETHEUS_BIND_ADDRESS ?? '');
    expect(bind).toMatch(/^0\.0\.0\.0:\d+$/);
    const labels = (service(name) as { labels?: Record<string, string> }).labels ?? {};
    const checks = JSON.parse(labels['com.datadoghq.ad.checks'] ?? '{}');
    const instance = checks.openmetrics?.instances?.[0];
    expect(instance.openmetrics_endpoint).toBe(`http://%%host%%:${bind.split(':')[1]}/metrics`);
    expect(instance.histogram_buckets_as_distributions).toBe(true);
    expect(instance.metrics).toEqual(expect.arrayContaining(['temporal_workflow_task_schedule_to_start_latency', 'temporal_activity_schedule_to_start_latency', 'temporal_worker_task_slots_available']));
  });

  describe("the Agent's Postgres check (Database Health)", () => {
    const labels = (service('postgres') as { labels?: Record<string, string> }).labels ?? {};
    const instance = JSON.parse(labels['com.datadoghq.ad.checks'] ?? '{}').postgres?.instances?.[0] ?? {};
    const volumes = ((service('postgres') as { volumes?: string[] }).volumes ?? []).map(String);
    const mounted = (target: string) => volumes.find((v) => v.split(':')[1] === target)?.split(':')[0];

    it('is configured by Autodiscovery labels on the postgres service, for the app database, as `datadog`', () => {
      expect(instance).toMatchObject({ host: '%%host%%', port: 5432, username: 'datadog', dbname: env('postgres').POSTGRES_DB });
      expect(instance).toMatchObject({ collect_activity_metrics: true, collect_bloat_metrics: true, collect_database_size_metrics: true, dbm: true });
      expect(instance.relations).toEqual(expect.arrayContaining(['leads', 'lead_routing_queue', 'lead_routing_logs']));
    });

    it('takes its password from the Agent environment, which compose requires to be set (no secret in the label)', () => {
      const match = /^%%env_(\w+)%%$/.exec(instance.password ?? '');
      expect(match).not.toBeNull();
      expect(env('datadog-agent')[match![1]!]).toMatch(/^\$\{DD_POSTGRES_PASSWORD:\?/);
      expect(env('postgres').DD_POSTGRES_PASSWORD).toBe(env('datadog-agent')[match![1]!]);
    });

    it('creates the `datadog` user with pg_monitor in an init hook that the postgres image runs', () => {
      const initDir = mounted('/docker-entrypoint-initdb.d');
      expect(initDir).toBeDefined();
      const hooks = readdirSync(path.join(root, initDir!));
      expect(hooks.filter((f) => f.endsWith('.sql'))).toEqual([]); // a bare .sql would run without the password
      const hook = readFileSync(path.join(root, initDir!, hooks.find((f) => f.endsWith('.sh'))!), 'utf8');
      const sqlInContainer = /-f (\S+\.sql)/.exec(hook)?.[1];
      expect(sqlInContainer).toBeDefined();
      expect(hook).toContain('dd_password="$DD_POSTGRES_PASSWORD"');
      const sql = readFileSync(path.join(root, mounted(sqlInContainer!)!), 'utf8');
      expect(sql).toMatch(/CREATE ROLE datadog LOGIN/);
      expect(sql).toMatch(/PASSWORD :'dd_password'/);
      expect(sql).toMatch(/GRANT pg_monitor TO datadog/);
      expect(sql).toMatch(/CREATE EXTENSION IF NOT EXISTS pg_stat_statements/);
      expect(sql).toMatch(/FUNCTION datadog\.explain_statement/);
    });

    it('loads pg_stat_statements for the query metrics (dbm)', () => {
      expect(asText(service('postgres').command)).toMatch(/shared_preload_libraries=pg_stat_statements/);
    });

    it('emits every postgresql.* metric the dashboards use (monitors/externalMetrics.ts)', () => {
      // The check's metric names (integrations-core postgres/metadata.csv) for what this configuration enables.
      const emitted = new Set(['postgresql.connections', 'postgresql.percent_usage_connections', 'postgresql.max_connections', 'postgresql.locks',
        'postgresql.deadlocks', 'postgresql.deadlocks.count', 'postgresql.commits', 'postgresql.rollbacks', 'postgresql.database_size',
        'postgresql.table_bloat', 'postgresql.index_bloat', 'postgresql.dead_rows', 'postgresql.live_rows', 'postgresql.index_scans',
        'postgresql.seq_scans', 'postgresql.active_queries', 'postgresql.waiting_queries', 'postgresql.transactions.idle_in_transaction',
        'postgresql.activity.xact_start_age', 'postgresql.queries.count', 'postgresql.queries.time']);
      const used = Object.keys(EXTERNAL_METRICS).filter((m) => m.startsWith('postgresql.'));
      expect(used.length).toBeGreaterThan(0);
      expect(used.filter((m) => !emitted.has(m))).toEqual([]);
    });
  });

  it('has the Agent strip quoted values from error messages before traces leave the host (pg errors quote input)', () => {
    const rules = JSON.parse(env('datadog-agent').DD_APM_REPLACE_TAGS ?? '[]') as Array<{ name: string; pattern: string; repl: string }>;
    const pgError = 'select $1::uuid - invalid input syntax for type uuid: "jane.doe@example.com"';
    for (const tag of ['error.message', 'error.stack']) {
      const rule = rules.find((r) => r.name === tag)!;
      // The Agent applies Go RE2 patterns; this one is the same in JavaScript.
      expect(pgError.replace(new RegExp(rule.pattern, 'g'), rule.repl)).toBe('select $1::uuid - invalid input syntax for type uuid: "?"');
    }
  });

  // The TypeScript entry points are written separately; this fails until they exist.
  it('runs compiled entry points that have a TypeScript source', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const commands = Object.values(services)
      .filter((s) => s.build)
      .map((s) => asText(s.command))
      .concat(dockerfile.match(/^CMD .*/gm) ?? []);
    const entries = new Set(commands.flatMap((c) => [...c.matchAll(/dist\/([\w/.-]+)\.js/g)].map((m) => m[1]!)));
    expect([...entries].sort()).toEqual(['api/server', 'scripts/migrate', 'workers/combined', 'workers/main']);
    const missing = [...entries].map((e) => `${e}.ts`).filter((src) => !existsSync(path.join(root, src)));
    expect(missing).toEqual([]);
    // ... and `npm run build` (tsc -p tsconfig.build.json) compiles their folders into dist/.
    const built = (JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;
    expect(built).toEqual(expect.arrayContaining([...new Set([...entries].map((e) => e.split('/')[0]!))]));
  });

  // Without limits V8 sized the heap from the machine's memory: 719 MB worker / 364 MB API at a spike (issue 10).
  it('runs each app process with its role\'s heap limits (lib/heapLimits.ts)', () => {
    expect(service('api').command).toEqual(['node', ...heapLimitFlags('api'), 'dist/api/server.js']);
    expect(service('worker').command).toEqual(['node', ...heapLimitFlags('worker'), 'dist/workers/main.js']);
  });

  describe('the combined deployment mode (gateway + worker in one process)', () => {
    it('runs the built combined entry point (npm run start:combined compiled)', () => {
      const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts['start:combined']).toBe('tsx workers/combined.ts');
      expect(service('combined').build).toBeDefined();
      expect(service('combined').command).toEqual(['node', ...heapLimitFlags('combined'), 'dist/workers/combined.js']);
    });

    it('is only started under its profile: plain `docker compose up` keeps api + worker', () => {
      expect(service('combined').profiles).toEqual(['combined']);
      for (const name of ['api', 'worker', 'migrate', 'postgres', 'temporal', 'temporal-setup', 'datadog-agent']) expect({ name, profiles: service(name).profiles }).toEqual({ name, profiles: undefined });
      // `--profile combined up combined` starts what it depends on; none of that may sit behind another profile.
      const deps = (name: string): string[] => Object.keys(dependsOn(name)).flatMap((d) => [d, ...deps(d)]);
      expect(deps('combined').filter((d) => service(d).profiles !== undefined)).toEqual([]);
    });

    it('has every setting the process requires (the config schema accepts its environment) and the api\'s and the worker\'s', () => {
      expect(() => loadConfig(resolvedEnv('combined'))).not.toThrow();
      const combined = env('combined');
      for (const [key, value] of Object.entries(env('api'))) if (key !== 'DD_SERVICE') expect({ key, value: combined[key] }).toEqual({ key, value });
      for (const [key, value] of Object.entries(env('worker'))) if (key !== 'DD_SERVICE') expect({ key, value: combined[key] }).toEqual({ key, value });
    });

    it('answers on the port api answers on (it replaces api)', () => {
      expect(service('combined').ports).toEqual(service('api').ports);
      expect(asText(service('combined').healthcheck?.test)).toBe(asText(service('api').healthcheck?.test));
    });
  });

  it.each(['api', 'worker'])('%s has every setting the process requires (the config schema accepts its environment)', (name) => {
    expect(() => loadConfig(resolvedEnv(name))).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1).map((s) => `FROM ${s}`);

  it('is a multi-stage node:24-bookworm-slim build', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:24-bookworm-slim/);
  });

  it('installs from the lockfile, builds and prunes dev dependencies', () => {
    const build = stages[0]!;
    expect(build).toMatch(/^RUN .*npm ci/m);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('runtime stage copies the build output and runs as a non-root user', () => {
    const runtime = stages[stages.length - 1]!;
    for (const what of ['node_modules', 'dist', 'package.json']) expect(runtime).toMatch(new RegExp(`^COPY --from=\\S+ \\S*${what}`, 'm'));
    const users = runtime.match(/^USER\s+(\S+)/gm) ?? [];
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/USER\s+(root|0)(:|$)/);
    expect(runtime).toMatch(/^CMD \["node", "--max-old-space-size=\d+", "--max-semi-space-size=\d+", "dist\/api\/server\.js"\]/m);
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(runtime)![1]!) as string[];
    expect(cmd).toEqual(['node', ...heapLimitFlags('api'), 'dist/api/server.js']);
  });
});
