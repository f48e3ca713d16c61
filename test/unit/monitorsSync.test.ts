/**
 * monitors:sync against a local fake of the Datadog API (test/support/fakeDatadog.ts), through the real
 * @datadog/datadog-api-client: creates everything once, then writes nothing; one changed threshold is one
 * update; objects without our tag are left alone; ids replace placeholders in the right order; --dry-run (the
 * real CLI) writes nothing and prints the diff; missing keys and 403s give messages that name what to fix,
 * never the keys themselves.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MANAGED_BY_TAG } from '../../monitors/dashboards/widgets';
import { alertMonitors } from '../../monitors/monitors';
import { monitorSettings } from '../../monitors/monitorsSettings';
import { desiredObjects, runSync } from '../../monitors/sync';
import { changedFields } from '../../monitors/sync/compare';
import { datadogRemote } from '../../monitors/sync/datadogRemote';
import { formatReport, resolveSloRefs, syncObjects } from '../../monitors/sync/run';
import { datadogSettings } from '../../monitors/sync/settings';
import { startFakeDatadog, type FakeDatadog } from '../support/fakeDatadog';

const API_KEY = 'fake-api-key-0123456789abcdef';
const APP_KEY = 'fake-app-key-fedcba9876543210';
const READ_ONLY_APP_KEY = 'fake-readonly-app-key-5555';
const SETTINGS = monitorSettings({});
const MONITOR_COUNT = alertMonitors(SETTINGS).length + 1; // + the latency SLO's backing monitor
const ROOT = path.resolve(__dirname, '../..');

let fake: FakeDatadog;
const env = (extra: Record<string, string> = {}) => ({ DD_API_KEY: API_KEY, DD_APP_KEY: APP_KEY, DATADOG_API_URL: fake.url, ...extra });
const remote = () => datadogRemote(datadogSettings(env()));

beforeEach(async () => { fake = await startFakeDatadog({ apiKey: API_KEY, appKey: APP_KEY, readOnlyAppKey: READ_ONLY_APP_KEY }); });
afterEach(async () => { await fake.close(); });

/** Runs the real CLI (`tsx monitors/sync.ts`) with only the given environment (plus PATH/HOME). */
async function cli(args: string[], extraEnv: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  try {
    const { stdout, stderr } = await promisify(execFile)(tsx, ['monitors/sync.ts', ...args], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extraEnv }, timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const posts = (p: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === p);

describe('monitors:sync against the fake Datadog API', () => {
  test('the first sync creates everything; a second writes nothing', async () => {
    const first = await runSync([], env());
    expect(fake.monitors.size).toBe(MONITOR_COUNT);
    expect(fake.slos.size).toBe(3);
    expect(fake.dashboards.size).toBe(4);
    expect(first.writes).toBe(MONITOR_COUNT + 3 + 4);
    expect(first.items.every((i) => i.action === 'create')).toBe(true);

    const before = fake.requests.length;
    const second = await runSync([], env());
    expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(second.writes).toBe(0);
    expect(second.items.map((i) => i.action)).toEqual(first.items.map(() => 'unchanged'));
  });

  test('the backing monitor is created before the latency SLO, whose monitor_ids it fills; SLO ids replace every $slo: placeholder', async () => {
    await runSync([], env());
    const writes = fake.writes().map((r) => `${r.path} ${String((r.body as { name?: string; title?: string }).name ?? (r.body as { title?: string }).title)}`);
    const backingAt = writes.indexOf('/api/v1/monitor Lead Router: latency_p95 (SLO monitor)');
    const sloAt = writes.indexOf('/api/v1/slo Lead Router: latency_p95');
    expect(backingAt).toBeGreaterThanOrEqual(0);
    expect(sloAt).toBeGreaterThan(backingAt);
    // Every SLO before any alert monitor or dashboard that may reference one.
    const lastSlo = Math.max(...writes.map((w, i) => (w.startsWith('/api/v1/slo ') ? i : -1)));
    expect(writes.slice(lastSlo + 1).every((w) => !w.startsWith('/api/v1/slo '))).toBe(true);

    const backing = [...fake.monitors.values()].find((m) => m.name === 'Lead Router: latency_p95 (SLO monitor)')!;
    const latencySlo = [...fake.slos.values()].find((s) => s.name === 'Lead Router: latency_p95')!;
    expect(latencySlo.monitor_ids).toEqual([backing.id]);

    const availabilityId = [...fake.slos.values()].find((s) => s.name === 'Lead Router: availability')!.id as string;
    const everything = JSON.stringify([...fake.monitors.values(), ...fake.dashboards.values()]);
    expect(everything).not.toContain('$slo:');
    const burn = [...fake.monitors.values()].filter((m) => m.type === 'slo alert');
    expect(burn).toHaveLength(3);
    for (const m of burn) expect(String(m.query)).toMatch(new RegExp(`^burn_rate\\("${availabilityId}"\\)\\.over\\("30d"\\)`));
    const sloIds = new Set([...fake.slos.keys()]);
    const widgetSloIds = [...fake.dashboards.values()].flatMap((d) => (d.widgets as { definition: { type: string; slo_id?: string } }[])
      .filter((w) => w.definition.type === 'slo').map((w) => w.definition.slo_id));
    expect(widgetSloIds.length).toBeGreaterThan(0);
    for (const id of widgetSloIds) expect(sloIds.has(id!)).toBe(true);
  });

  test('a changed threshold is exactly one update, of that monitor, with the changed fields reported', async () => {
    await runSync([], env());
    const desired = structuredClone(desiredObjects(SETTINGS));
    const stale = desired.monitors.find((m) => m.name === 'Lead Router: Stale routing locks above 10')!;
    stale.query = String(stale.query).replace('> 10', '> 12');
    (stale.options as { thresholds: { critical: number } }).thresholds.critical = 12;
    const before = fake.requests.length;
    const report = await syncObjects(remote(), desired, { dryRun: false });
    const writes = fake.requests.slice(before).filter((r) => r.method !== 'GET');
    const staleId = [...fake.monitors.values()].find((m) => m.name === stale.name)!.id;
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`PUT /api/v1/monitor/${String(staleId)}`]);
    expect(fake.monitors.get(Number(staleId))).toMatchObject({ query: stale.query, options: { thresholds: { critical: 12 } } });
    const updated = report.items.filter((i) => i.action === 'update');
    expect(updated.map((i) => [i.name, i.changes.map((c) => `${c.path}: ${c.from} -> ${c.to}`)])).toEqual([[stale.name, [
      'query: "avg(last_5m):max:routing.stale_locks{*} > 10" -> "avg(last_5m):max:routing.stale_locks{*} > 12"',
      'options.thresholds.critical: 10 -> 12',
    ]]]);
  });

  test('objects with our names but without the managed-by tag are left alone and reported; ours are created beside them', async () => {
    const handMonitor = { name: 'Lead Router: Stale routing locks above 10', type: 'query alert', query: 'avg(last_5m):sum:routing.stale_locks{*} > 3', message: 'by hand', tags: ['team:someone-else'], options: {} };
    const monitorId = fake.seed('monitor', handMonitor);
    const dashboardId = fake.seed('dashboard', { title: 'Lead Routing Health', description: 'made by hand', layout_type: 'ordered', widgets: [] });
    const report = await runSync([], env());
    expect(fake.writes().some((w) => w.path.endsWith(`/${String(monitorId)}`) || w.path.endsWith(`/${String(dashboardId)}`))).toBe(false);
    expect(fake.monitors.get(Number(monitorId))).toMatchObject({ query: handMonitor.query, message: 'by hand' });
    expect(report.leftAlone.map((l) => [l.kind, l.name, l.id])).toEqual([
      ['monitor', handMonitor.name, String(monitorId)],
      ['dashboard', 'Lead Routing Health', dashboardId],
    ]);
    const ours = [...fake.monitors.values()].filter((m) => m.name === handMonitor.name && (m.tags as string[]).includes(MANAGED_BY_TAG));
    expect(ours).toHaveLength(1);
    expect(formatReport(report).join('\n')).toMatch(/monitor {3}left alone {3}Lead Router: Stale routing locks above 10 \(id \d+\): same name, without the managed-by tag/);
    // A second run: still left alone, and nothing of ours rewritten.
    const before = fake.requests.length;
    const again = await runSync([], env());
    expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(again.leftAlone).toHaveLength(2);
  });

  test('an object of ours that monitors/ no longer defines is reported, not written or deleted', async () => {
    await runSync([], env());
    const oldId = fake.seed('monitor', {
      name: 'Lead Router: An alert since removed', type: 'query alert', query: 'avg(last_5m):sum:routing.stale_locks{*} > 1', message: 'old', tags: [MANAGED_BY_TAG], options: {},
    });
    const before = fake.requests.length;
    const report = await runSync([], env());
    expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fake.monitors.has(Number(oldId))).toBe(true);
    expect(report.leftAlone).toEqual([expect.objectContaining({ kind: 'monitor', id: String(oldId), reason: expect.stringMatching(/no longer defines it.*sync never deletes/) })]);
  });

  test('--dry-run (the real CLI) writes nothing and prints the diff', async () => {
    await runSync([], env());
    const before = fake.requests.length;
    const out = await cli(['--dry-run'], env({ ALERT_RENOTIFY_MINUTES: '30', DATADOG_NOTIFY_WARNING: '@slack-lead-router-warnings' }));
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(fake.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fake.requests.length).toBeGreaterThan(before); // it did read
    const lines = out.stdout.trim().split('\n');
    expect(lines).toContain('    options.renotify_interval: 60 -> 30');
    expect(lines.filter((l) => /^monitor +would update/.test(l)).length).toBeGreaterThan(3);
    expect(lines.filter((l) => /^slo +unchanged +Lead Router: /.test(l))).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/^dry run: 0 to create, \d+ to update, \d+ unchanged, 0 left alone; 0 write\(s\) \(nothing written\)$/);
    expect(out.stdout + out.stderr).not.toContain(API_KEY);
    expect(out.stdout + out.stderr).not.toContain(APP_KEY);
  });

  test('a dry run on an empty account lists every creation and writes nothing', async () => {
    const report = await runSync(['--dry-run'], env());
    expect(fake.writes()).toEqual([]);
    expect(report.items.filter((i) => i.action === 'create')).toHaveLength(MONITOR_COUNT + 3 + 4);
    expect(formatReport(report).at(-1)).toBe(`dry run: ${MONITOR_COUNT + 7} to create, 0 to update, 0 unchanged, 0 left alone; 0 write(s) (nothing written)`);
  });

  test('missing keys: the CLI exits 1 naming DD_API_KEY and DD_APP_KEY, without a request', async () => {
    const out = await cli(['--dry-run'], { DATADOG_API_URL: fake.url });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/DD_API_KEY is not set/);
    expect(out.stderr).toMatch(/DD_APP_KEY is not set/);
    expect(out.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    expect(fake.requests).toEqual([]);
    await expect(runSync([], env({ DD_APP_KEY: ' ' }))).rejects.toThrow(/^DD_APP_KEY is not set/);
    await expect(runSync(['--dryrun'], env())).rejects.toThrow(/unknown argument\(s\) --dryrun/);
  });

  test('Datadog unreachable, DEBUG set: one line saying what could not be reached, no stack, no request headers, no key', async () => {
    const out = await cli(['--dry-run'], { DD_API_KEY: API_KEY, DD_APP_KEY: APP_KEY, DATADOG_API_URL: 'http://127.0.0.1:1', DEBUG: '1' });
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^monitors:sync: could not reach Datadog \(http:\/\/127\.0\.0\.1:1\) to list (monitors|SLOs|dashboards): /)]);
    expect(out.stdout).toBe('');
    expect(`${out.stdout}${out.stderr}`).not.toContain(API_KEY);
  });

  test('403: a wrong key names the keys and the read scope; a read-only application key names the write scope; no key printed', async () => {
    const wrong = runSync([], env({ DD_APP_KEY: 'not-the-right-key' }));
    await expect(wrong).rejects.toThrow(/Datadog answered 403 Forbidden to list (monitors|SLOs|dashboards): check that DD_API_KEY is an API key and DD_APP_KEY an application key .* (monitors|slos|dashboards)_read scope/);
    await wrong.catch((e: Error) => expect(e.message).not.toContain('not-the-right-key'));
    const readOnly = runSync([], env({ DD_APP_KEY: READ_ONLY_APP_KEY }));
    await expect(readOnly).rejects.toThrow(/403 Forbidden to create monitor "Lead Router: latency_p95 \(SLO monitor\)": the reads before it succeeded, so the keys are valid: the application key \(DD_APP_KEY\) lacks the monitors_write permission/);
    await readOnly.catch((e: Error) => expect(e.message).not.toContain(READ_ONLY_APP_KEY));
    expect(posts('/api/v1/slo')).toEqual([]);
  });
});

describe('sync helpers', () => {
  test('changedFields compares only the fields we set, tags as sets, arrays by position', () => {
    const existing = { id: 1, name: 'x', tags: ['b', 'a'], options: { thresholds: { critical: 10 }, notify_audit: false }, widgets: [{ id: 9, definition: { type: 'note' } }] };
    expect(changedFields({ name: 'x', tags: ['a', 'b'], options: { thresholds: { critical: 10 } }, widgets: [{ definition: { type: 'note' } }] }, existing)).toEqual([]);
    expect(changedFields({ options: { renotify_interval: null } }, existing)).toEqual([]);
    expect(changedFields({ options: { renotify_interval: null } }, { options: { renotify_interval: 60 } })).toEqual([{ path: 'options.renotify_interval', from: '60', to: 'null' }]);
    expect(changedFields({ tags: ['a'], options: { thresholds: { critical: 12 } }, widgets: [] }, existing).map((c) => c.path)).toEqual(['tags', 'options.thresholds.critical', 'widgets']);
  });

  test('a long string that changes near its end (a message\'s runbook URL) shows the change in the dry-run diff', () => {
    const head = '[CRITICAL] Lead routing failure rate above 10%\nValue: {{value}} percent (alerts when > 10 over 15 min)\n';
    const [c] = changedFields({ message: `${head}Runbook: https://wiki.example/rb/routing-failures.md` }, { message: `${head}Runbook: https://github.com/x/docs/runbooks/routing-failures.md` });
    expect(c!.path).toBe('message');
    expect(c!.from).toContain('github.com/x');
    expect(c!.to).toContain('wiki.example/rb');
    expect(c!.from.length).toBeLessThanOrEqual(80);
    expect(c!.to.length).toBeLessThanOrEqual(80);
    expect(changedFields({ message: 'short new' }, { message: 'short old' })).toEqual([{ path: 'message', from: '"short old"', to: '"short new"' }]);
  });

  test('resolveSloRefs replaces placeholders deeply and refuses an unknown SLO name', () => {
    const ids = new Map([['availability', 'abc123']]);
    expect(resolveSloRefs({ q: 'burn_rate("$slo:availability")', w: [{ slo_id: '$slo:availability' }] }, ids)).toEqual({ q: 'burn_rate("abc123")', w: [{ slo_id: 'abc123' }] });
    expect(() => resolveSloRefs({ slo_id: '$slo:latency' }, ids)).toThrow(/"\$slo:latency" names no SLO/);
  });

  test('settings: DD_SITE picks the API host; DATADOG_API_URL overrides it; bad values are named', () => {
    expect(datadogSettings({ DD_API_KEY: 'a', DD_APP_KEY: 'b', DD_SITE: 'datadoghq.eu' }).baseUrl).toBe('https://api.datadoghq.eu');
    expect(datadogSettings({ DD_API_KEY: 'a', DD_APP_KEY: 'b' }).baseUrl).toBe('https://api.datadoghq.com');
    expect(datadogSettings({ DD_API_KEY: 'a', DD_APP_KEY: 'b', DATADOG_API_URL: 'http://127.0.0.1:9/' }).baseUrl).toBe('http://127.0.0.1:9');
    expect(() => datadogSettings({ DD_API_KEY: 'a', DD_APP_KEY: 'b', DD_SITE: 'https://app.datadoghq.com' })).toThrow(/DD_SITE must be a Datadog site host/);
    expect(() => datadogSettings({ DD_API_KEY: 'a', DD_APP_KEY: 'b', DATADOG_API_URL: 'ftp://x' })).toThrow(/DATADOG_API_URL must be an absolute http\(s\) URL/);
  });
});
