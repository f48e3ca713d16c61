/**
 * monitors/: the dashboards and Datadog SLO objects pass `monitors:validate`, and deliberately broken copies
 * fail it with a message naming the problem.
 */
import { AVAILABILITY, LATENCY_P95, RETRY_QUEUE_DEPTH } from '../../lib/slo';
import {
  ALERTS, DUPLICATE_RATE_HIGH, LEAD_EXPIRATION_DIGEST, LEAD_EXPIRATIONS_HIGH, LOCK_TIMEOUT_SPIKE, RETRY_QUEUE_WORKSPACE_DEPTH_HIGH,
  ROUTING_FAILURE_SPIKE, STALE_LOCKS,
} from '../../monitors/alerts/definitions';
import { METRICS } from '../../lib/telemetry/catalog';
import { DASHBOARDS, type DashboardJson } from '../../monitors/dashboards';
import { EXTERNAL_METRICS } from '../../monitors/externalMetrics';
import { alertMonitors, type MonitorSpec } from '../../monitors/monitors';
import { monitorSettings } from '../../monitors/monitorsSettings';
import { SLO_OBJECTS, type SloSpec } from '../../monitors/slos';
import { balanced, checkMetricQuery, splitTerms, validateAll } from '../../monitors/validate';

const clone = <T>(v: T): T => structuredClone(v);
/** The defaults, whatever the test machine's environment says. */
const SETTINGS = monitorSettings({});
type Def = Record<string, unknown> & { requests?: { queries: { query: string }[] }[] };
const widgetDef = (d: DashboardJson, i: number) => d.widgets[i]!.definition as Def;
const byTitle = (ds: DashboardJson[], title: string) => ds.find((d) => d.title === title)!;
const sloOf = (slos: SloSpec[], name: string) => slos.find((s) => s.sloName === name)!;

/** validateAll on modified copies; returns the problems. */
function problemsWith(edit: (ds: DashboardJson[], slos: SloSpec[], monitors: MonitorSpec[]) => void): string[] {
  const ds = clone([...DASHBOARDS]);
  const slos = clone([...SLO_OBJECTS]);
  const monitors = clone(alertMonitors(SETTINGS));
  edit(ds, slos, monitors);
  return validateAll({ dashboards: ds, slos, monitors, monitorSettings: SETTINGS }).problems;
}

describe('monitors:validate on the real objects', () => {
  test('passes, with the four dashboards of the spec checklist and one SLO per lib/slo definition', () => {
    const { problems, summary } = validateAll({ monitorSettings: SETTINGS });
    expect(problems).toEqual([]);
    expect(DASHBOARDS.map((d) => d.title)).toEqual(['Lead Routing Health', 'Routing Performance', 'Retry Queue Analysis', 'Database Health']);
    expect(SLO_OBJECTS.map((s) => [s.sloName, s.request.type])).toEqual([
      ['availability', 'metric'], ['latency_p95', 'monitor'], ['retry_queue_depth', 'time_slice'],
    ]);
    expect(summary).toContain('dashboard  Database Health: 9 widgets');
    expect(summary.at(-1)).toMatch(/^metrics +\d+ distinct: \d+ catalog, 5 external$/);
  });

  test('the SLO objects carry lib/slo numbers, a 30d timeframe and the managed-by tag', () => {
    const avail = sloOf([...SLO_OBJECTS], AVAILABILITY.name).request;
    expect(avail.target_threshold).toBe(99.9);
    expect(avail.query).toEqual({
      numerator: 'sum:routing.leads_routed{result:success}.as_count() + sum:routing.leads_routed{result:duplicate}.as_count()',
      denominator: 'sum:routing.leads_routed{result:success}.as_count() + sum:routing.leads_routed{result:duplicate}.as_count() + sum:routing.leads_routed{result:failed}.as_count()',
    });
    const lat = sloOf([...SLO_OBJECTS], LATENCY_P95.name);
    expect(lat.backingMonitor?.query).toBe('percentile(last_1h):p95:routing.latency{*} > 2000');
    const rq = sloOf([...SLO_OBJECTS], RETRY_QUEUE_DEPTH.name).request as { sli_specification: { time_slice: Record<string, unknown> } };
    expect(rq.sli_specification.time_slice).toMatchObject({ comparator: '<', threshold: 100, query_interval_seconds: 60 });
    for (const s of SLO_OBJECTS) {
      expect(s.request.timeframe).toBe('30d');
      expect(s.request.tags).toContain('managed-by:lead-router');
    }
  });

  test('every widget uses the formulas-and-queries form, and every metric queried is catalogued or listed external', () => {
    const names = new Set<string>();
    for (const d of DASHBOARDS) {
      expect(d.layout_type).toBe('ordered');
      for (const w of d.widgets) {
        const def = w.definition as Def;
        for (const r of def.requests ?? []) for (const q of r.queries) names.add(q.query.split(':')[1]!.split('{')[0]!);
      }
    }
    for (const n of names) expect(Object.hasOwn(METRICS, n) || Object.hasOwn(EXTERNAL_METRICS, n)).toBe(true);
    expect([...names].filter((n) => n.startsWith('postgresql.')).length).toBeGreaterThan(0);
  });
});

describe('monitors:validate fails on broken copies', () => {
  test('an unknown metric', () => {
    const problems = problemsWith((ds) => {
      widgetDef(byTitle(ds, 'Lead Routing Health'), 1).requests![0]!.queries[0]!.query = 'avg:routing.success_ratio{*}';
    });
    expect(problems).toEqual([expect.stringMatching(/Lead Routing Health.*metric "routing\.success_ratio" is not in lib\/telemetry\/catalog\.ts/)]);
  });

  test('an unknown metric in an SLO numerator', () => {
    const problems = problemsWith((_ds, slos) => {
      const q = sloOf(slos, 'availability').request.query as { numerator: string };
      q.numerator = q.numerator.replace('routing.leads_routed{result:duplicate}', 'routing.leads_ok{result:duplicate}');
    });
    expect(problems.join('\n')).toMatch(/numerator: metric "routing\.leads_ok" is not in/);
  });

  test('an unbalanced brace', () => {
    const problems = problemsWith((ds) => {
      widgetDef(byTitle(ds, 'Routing Performance'), 2).requests![0]!.queries[1]!.query = 'p95:routing.latency{*';
    });
    expect(problems).toEqual([expect.stringMatching(/Routing Performance.*unbalanced braces or parentheses in "p95:routing\.latency\{\*"/)]);
  });

  test('a widget missing its requests', () => {
    const problems = problemsWith((ds) => { delete widgetDef(byTitle(ds, 'Database Health'), 0).requests; });
    expect(problems.join('\n')).toMatch(/Database Health.*widget 0.*timeseries\): requests missing or empty/);
    // The client's own model rejects it too (requests is required for a timeseries widget).
    expect(problems.join('\n')).toMatch(/does not match @datadog\/datadog-api-client's Widget model/);
  });

  test('a bad widget type', () => {
    const problems = problemsWith((ds) => { widgetDef(byTitle(ds, 'Retry Queue Analysis'), 1).type = 'timeseriez'; });
    expect(problems.join('\n')).toMatch(/widget type "timeseriez" is not one monitors\/ uses/);
    expect(problems.join('\n')).toMatch(/does not match @datadog\/datadog-api-client's Widget model/);
  });

  test('an SLO whose target differs from lib/slo', () => {
    const problems = problemsWith((_ds, slos) => {
      const r = sloOf(slos, 'availability').request as { thresholds: { target: number }[]; target_threshold: number };
      r.thresholds[0]!.target = 99.5;
      r.target_threshold = 99.5;
    });
    expect(problems).toEqual([
      expect.stringMatching(/SLO "Lead Router: availability": target 99\.5 differs from 99\.9 \(lib\/slo objective 0\.999\)/),
      expect.stringMatching(/target_threshold 99\.5 differs from 99\.9/),
    ]);
  });

  test('SLO thresholds, windows and good results that differ from lib/slo', () => {
    const problems = problemsWith((_ds, slos) => {
      const ts = (sloOf(slos, 'retry_queue_depth').request as { sli_specification: { time_slice: Record<string, unknown> } }).sli_specification.time_slice;
      ts.threshold = 150;
      ts.query_interval_seconds = 300;
      const m = sloOf(slos, 'latency_p95').backingMonitor!;
      m.query = String(m.query).replace('> 2000', '> 5000');
      const q = sloOf(slos, 'availability').request.query as { numerator: string };
      q.numerator = 'sum:routing.leads_routed{result:success}.as_count()';
    }).join('\n');
    expect(problems).toMatch(/threshold 150 differs from lib\/slo's 100/);
    expect(problems).toMatch(/slice 300 s differs from lib\/slo's window 60 s/);
    expect(problems).toMatch(/alerts on "> 5000", lib\/slo's limit is "< 2000"/);
    expect(problems).toMatch(/options\.thresholds\.critical 2000 differs from the query's threshold 5000/);
    expect(problems).toMatch(/numerator counts results \[success\], lib\/slo's good results are \[duplicate,success\]/);
  });

  test('a missing managed-by tag, a legacy "q" request, a formula naming no query, a percentile on a count', () => {
    const problems = problemsWith((ds, slos) => {
      sloOf(slos, 'latency_p95').request.tags = ['service:lead-router'];
      const health = byTitle(ds, 'Lead Routing Health');
      (widgetDef(health, 3).requests![0] as unknown as Record<string, unknown>).q = 'sum:routing.retry_queue.depth{*}';
      (widgetDef(health, 4).requests![0] as unknown as { formulas: { formula: string }[] }).formulas[0]!.formula = 'q1 / (q1 + q3) * 100';
      widgetDef(health, 2).requests![0]!.queries[0]!.query = 'p95:routing.leads_routed{*}';
    }).join('\n');
    expect(problems).toMatch(/latency_p95": missing tag managed-by:lead-router/);
    expect(problems).toMatch(/legacy "q" form/);
    expect(problems).toMatch(/q3 is not a query of this request/);
    expect(problems).toMatch(/p95 on routing\.leads_routed, which is a count/);
  });

  test('a formula may call default_zero(), but no other name: an unknown function or a bare default_zero is refused', () => {
    const problems = problemsWith((ds) => {
      const health = byTitle(ds, 'Lead Routing Health');
      (widgetDef(health, 4).requests![0] as unknown as { formulas: { formula: string }[] }).formulas[0]!.formula = 'fill_zero(q2) / (default_zero(q1) + default_zero) * 100';
    }).join('\n');
    expect(problems).toMatch(/fill_zero is not a query of this request/);
    expect(problems).toMatch(/default_zero is not a query of this request/);
    expect(problems).not.toMatch(/default_zero\(q1\)[^\n]*q1 is not/);
  });

  test('a tag the catalog does not give the metric', () => {
    expect(checkMetricQuery('sum:routing.lock.failed{*} by {workspace_id}.as_count()', 'w')).toEqual([
      expect.stringMatching(/tag "workspace_id" is not a tag of routing\.lock\.failed/),
    ]);
  });
});

describe('query helpers', () => {
  test('balanced braces and parentheses', () => {
    expect(balanced('sum:a{x:1} by {y}.rollup(sum, 60)')).toBe(true);
    expect(balanced('sum:a{x:1')).toBe(false);
    expect(balanced('sum:a{x:1)')).toBe(false);
  });
  test('splitTerms splits arithmetic of metric terms and drops numbers and grouping parentheses', () => {
    expect(splitTerms('sum:a{*}.as_count() / (sum:a{*}.as_count() + sum:b{!c:*}.as_count()) * 100')).toEqual([
      'sum:a{*}.as_count()', 'sum:a{*}.as_count()', 'sum:b{!c:*}.as_count()',
    ]);
  });
  test('sum: on a gauge is refused (a system-wide gauge would count once per worker that sent it)', () => {
    expect(checkMetricQuery('max:routing.retry_queue.depth{!workspace_id:*}', 'q')).toEqual([]);
    expect(checkMetricQuery('sum:routing.retry_queue.depth{!workspace_id:*}', 'q').join('\n')).toMatch(/sum: on the gauge routing\.retry_queue\.depth/);
    expect(checkMetricQuery('sum:routing.stale_locks{*}', 'q')).toHaveLength(1);
    expect(checkMetricQuery('sum:routing.leads_routed{*}.as_count()', 'q')).toEqual([]);
    const broken = problemsWith((_d, _s, ms) => { const m = ms.find((x) => x.alertId === 'stale_locks')!; m.body.query = String(m.body.query).replace('max:', 'sum:'); });
    expect(broken.join('\n')).toMatch(/Stale routing locks above 10.*sum: on the gauge routing\.stale_locks/);
  });
  test('default_zero() around a term is accepted and its inner term still checked', () => {
    expect(checkMetricQuery('100 - sum:routing.lock.failed{*}.as_count() / (default_zero(sum:routing.lock.acquired{*}.as_count()) + sum:routing.lock.failed{*}.as_count())', 'q')).toEqual([]);
    expect(checkMetricQuery('default_zero(sum:routing.lock.nope{*}.as_count())', 'q').join('\n')).toMatch(/routing\.lock\.nope" is not in lib\/telemetry\/catalog\.ts/);
    expect(checkMetricQuery('default_zero(sum:routing.lock.acquired{workspace_id:x}.as_count())', 'q').join('\n')).toMatch(/tag "workspace_id" is not a tag of routing\.lock\.acquired/);
  });
});

const monitorOf = (ms: MonitorSpec[], id: string) => ms.find((m) => m.alertId === id)!;
const DEFAULT_RUNBOOKS = 'https://github.com/lead-router/lead-router/blob/main/docs/runbooks';

describe('Datadog monitors generated from the alert definitions', () => {
  const monitors = alertMonitors(SETTINGS);

  test('one monitor per threshold and burn-rate definition, none for the daily digest, named after the title', () => {
    const withMonitor = ALERTS.filter((a) => a.kind !== 'digest');
    expect(monitors.map((m) => m.alertId)).toEqual(withMonitor.map((a) => a.id));
    expect(monitors.map((m) => m.body.name)).toEqual(withMonitor.map((a) => `Lead Router: ${a.title}`));
    expect(monitors.some((m) => m.alertId === LEAD_EXPIRATION_DIGEST.id)).toBe(false);
    // The digest's "unusually high (> 100)" part is a monitor of its own.
    expect(monitorOf(monitors, LEAD_EXPIRATIONS_HIGH.id).body.query).toBe('sum(last_1d):sum:routing.leads_expired{*}.as_count() > 100');
  });

  test('a critical threshold monitor: query, thresholds, tags, priority, renotify, message with value, runbook and handles', () => {
    const m = monitorOf(monitors, ROUTING_FAILURE_SPIKE.id).body;
    expect(m).toMatchObject({
      type: 'query alert',
      query: 'sum(last_15m):sum:routing.logs.failed{*}.as_count() / sum:routing.logs.total{*}.as_count() * 100 > 10',
      tags: ['managed-by:lead-router', 'service:lead-router', 'team:lead-router', 'severity:critical', 'alert:routing_failure_spike'],
      priority: 1,
      options: { thresholds: { critical: 10 }, notify_no_data: false, include_tags: true, renotify_interval: 60 },
    });
    const lines = String(m.message).split('\n');
    expect(lines[0]).toBe('[CRITICAL] Lead routing failure rate above 10%');
    expect(lines[1]).toBe('Value: {{value}} percent (alerts when > 10 over the last 15 minutes)');
    expect(lines).toContain(`Runbook: ${DEFAULT_RUNBOOKS}/routing-failures.md`);
    expect(lines.at(-1)).toBe('@pagerduty-lead-router @slack-lead-router-alerts');
  });

  test('warnings go to Slack and re-notify at the same interval; a grouped definition is a multi-alert naming the workspace', () => {
    const m = monitorOf(monitors, RETRY_QUEUE_WORKSPACE_DEPTH_HIGH.id).body;
    expect(m.query).toBe('avg(last_5m):max:routing.retry_queue.depth{workspace_id:*} by {workspace_id} > 50');
    expect(m.options).toEqual({ thresholds: { critical: 50 }, notify_no_data: false, include_tags: true, renotify_interval: 60 });
    expect(m.priority).toBe(3);
    expect(String(m.message)).toContain('Workspace: {{workspace_id.name}}');
    expect(String(m.message).split('\n').at(-1)).toBe('@slack-lead-router-alerts');
  });

  test('burn-rate monitors are slo alerts with lib/slo\'s Datadog form; the 3d/6h ticket becomes 1.5x over 48h/4h and says so', () => {
    const burn = monitors.filter((m) => m.body.type === 'slo alert');
    expect(burn.map((m) => [m.alertId, m.body.query, (m.body.options as { thresholds: unknown }).thresholds])).toEqual([
      ['availability_burn_page_fast', 'burn_rate("$slo:availability").over("30d").long_window("1h").short_window("5m") > 14.4', { critical: 14.4 }],
      ['availability_burn_page_slow', 'burn_rate("$slo:availability").over("30d").long_window("6h").short_window("30m") > 6', { critical: 6 }],
      ['availability_burn_ticket_slow', 'burn_rate("$slo:availability").over("30d").long_window("48h").short_window("240m") > 1.5', { critical: 1.5 }],
    ]);
    const ticket = String(monitorOf(monitors, 'availability_burn_ticket_slow').body.message);
    expect(ticket).toContain('nearest form of the SRE-workbook tier 1x over 3d and 6h, namely 1.5x over 48h and 240m');
    expect(ticket).toContain('same 10% of the 30-day error budget');
    expect(String(monitorOf(monitors, 'availability_burn_page_fast').body.message)).not.toContain('nearest form');
  });

  test('handles, runbook base and renotify interval come from the environment, validated', () => {
    const s = monitorSettings({
      DATADOG_NOTIFY_CRITICAL: '@pagerduty-night  @slack-war-room', RUNBOOK_BASE_URL: 'https://wiki.example.test/runbooks/', ALERT_RENOTIFY_MINUTES: '30',
    });
    const m = monitorOf(alertMonitors(s), LOCK_TIMEOUT_SPIKE.id).body;
    expect(String(m.message)).toContain('Runbook: https://wiki.example.test/runbooks/db-lock-timeouts.md');
    expect(String(m.message).split('\n').at(-1)).toBe('@pagerduty-night @slack-war-room');
    expect((m.options as { renotify_interval: number }).renotify_interval).toBe(30);
    expect(() => monitorSettings({ DATADOG_NOTIFY_WARNING: 'slack-lead-router' })).toThrow(/DATADOG_NOTIFY_WARNING: "slack-lead-router" is not a Datadog handle \(it must start with @/);
    // Blank is unset, as for every setting (lib/config/parsers.ts envSetting): the default handles.
    expect(monitorSettings({ DATADOG_NOTIFY_INFO: '  ' }).notify.info).toEqual(monitorSettings({}).notify.info);
    expect(() => monitorSettings({ ALERT_RENOTIFY_MINUTES: '0' })).toThrow(/ALERT_RENOTIFY_MINUTES must be a positive whole number/);
    expect(() => monitorSettings({ RUNBOOK_BASE_URL: 'wiki/runbooks' })).toThrow(/RUNBOOK_BASE_URL must be an absolute http\(s\) URL/);
  });

  test('dashboard colours use the alert thresholds (a widget is red exactly when its alert fires)', () => {
    const health = DASHBOARDS.find((d) => d.title === 'Lead Routing Health')!;
    const stale = health.widgets.map((w) => w.definition as Def & { title: string }).find((d) => d.title === 'Stale Locks (Needs Cleanup)')!;
    expect((stale.requests![0] as unknown as { conditional_formats: unknown }).conditional_formats).toEqual([
      { comparator: STALE_LOCKS.comparator, value: STALE_LOCKS.threshold, palette: 'white_on_red' },
      { comparator: '<=', value: STALE_LOCKS.threshold, palette: 'white_on_green' },
    ]);
  });
});

describe('monitors:validate fails on broken monitor copies', () => {
  test('a threshold mismatch between the query, options.thresholds.critical and the definition', () => {
    const problems = problemsWith((_d, _s, ms) => {
      const m = monitorOf(ms, STALE_LOCKS.id).body;
      m.query = String(m.query).replace('> 10', '> 12');
    });
    expect(problems).toEqual([
      expect.stringMatching(/monitor "Lead Router: Stale routing locks above 10": threshold mismatch: the query says 12, options\.thresholds\.critical 10/),
      expect.stringMatching(/threshold mismatch: the query says 12, the definition stale_locks 10/),
    ]);
    const onlyCritical = problemsWith((_d, _s, ms) => {
      (monitorOf(ms, LOCK_TIMEOUT_SPIKE.id).body.options as { thresholds: { critical: number } }).thresholds.critical = 5;
    });
    expect(onlyCritical).toEqual([expect.stringMatching(/threshold mismatch: the query says 10, options\.thresholds\.critical 5/)]);
  });

  test('an unknown metric, a wrong window and a lost group-by in a monitor query', () => {
    const problems = problemsWith((_d, _s, ms) => {
      monitorOf(ms, LOCK_TIMEOUT_SPIKE.id).body.query = 'sum(last_5m):sum:routing.lock.timeouts{*}.as_count() > 10';
      monitorOf(ms, STALE_LOCKS.id).body.query = 'avg(last_10m):sum:routing.stale_locks{*} > 10';
      monitorOf(ms, RETRY_QUEUE_WORKSPACE_DEPTH_HIGH.id).body.query = 'avg(last_5m):sum:routing.retry_queue.depth{workspace_id:*} > 50';
    }).join('\n');
    expect(problems).toMatch(/Database lock timeouts.*metric "routing\.lock\.timeouts" is not in lib\/telemetry\/catalog\.ts/);
    expect(problems).toMatch(/Stale routing locks.*query window last_10m differs from the definition's 300 s/);
    expect(problems).toMatch(/one workspace": groups by undefined, the definition by workspace_id/);
  });

  test('a burn-rate factor or window that is not lib/slo\'s Datadog form, or an unknown SLO', () => {
    const problems = problemsWith((_d, _s, ms) => {
      const fast = monitorOf(ms, 'availability_burn_page_fast').body;
      fast.query = String(fast.query).replace('> 14.4', '> 10');
      (fast.options as { thresholds: { critical: number } }).thresholds.critical = 10;
      const ticket = monitorOf(ms, 'availability_burn_ticket_slow').body;
      ticket.query = String(ticket.query).replace('$slo:availability', '$slo:availabilty').replace('48h', '72h');
    }).join('\n');
    expect(problems).toMatch(/14\.4x.*1h\/5m > 10 differs from lib\/slo's Datadog form of page_fast: 1h\/5m > 14\.4/);
    expect(problems).toMatch(/burn_rate\("\$slo:availabilty"\) is not \$slo:availability/);
    expect(problems).toMatch(/72h\/240m > 1\.5 differs from lib\/slo's Datadog form of ticket_slow: 48h\/240m > 1\.5/);
  });

  test('a message without its runbook URL, an unexpected option key, a missing monitor', () => {
    const problems = problemsWith((_d, _s, ms) => {
      const m = monitorOf(ms, DUPLICATE_RATE_HIGH.id).body;
      m.message = String(m.message).replace(/Runbook: .*\n/, '');
      (monitorOf(ms, STALE_LOCKS.id).body.options as Record<string, unknown>).notify_nodata = false;
      ms.splice(ms.findIndex((x) => x.alertId === ROUTING_FAILURE_SPIKE.id), 1);
    }).join('\n');
    expect(problems).toMatch(/duplicate rate above 20%": message lacks its runbook URL .*\/duplicate-rate\.md/);
    expect(problems).toMatch(/Stale routing locks above 10": unexpected option "notify_nodata"/);
    expect(problems).toMatch(/alert routing_failure_spike: 0 Datadog monitors \(expected exactly 1\)/);
  });

  test('a red widget colour that matches no alert threshold', () => {
    const problems = problemsWith((ds) => {
      const w = widgetDef(byTitle(ds, 'Database Health'), 7) as unknown as { requests: { conditional_formats: { value: number }[] }[] };
      w.requests[0]!.conditional_formats[0]!.value = 12;
    });
    expect(problems).toEqual([expect.stringMatching(/Database Health.*white_on_red when > 12 matches no alert threshold or SLO limit/)]);
  });
});
