/**
 * monitors/: the dashboards and Datadog SLO objects pass `monitors:validate`, and deliberately broken copies
 * fail it with a message naming the problem.
 */
import { AVAILABILITY, LATENCY_P95, RETRY_QUEUE_DEPTH } from '../../lib/slo';
import { METRICS } from '../../lib/telemetry/catalog';
import { DASHBOARDS, type DashboardJson } from '../../monitors/dashboards';
import { EXTERNAL_METRICS } from '../../monitors/externalMetrics';
import { SLO_OBJECTS, type SloSpec } from '../../monitors/slos';
import { balanced, checkMetricQuery, splitTerms, validateAll } from '../../monitors/validate';

const clone = <T>(v: T): T => structuredClone(v);
type Def = Record<string, unknown> & { requests?: { queries: { query: string }[] }[] };
const widgetDef = (d: DashboardJson, i: number) => d.widgets[i]!.definition as Def;
const byTitle = (ds: DashboardJson[], title: string) => ds.find((d) => d.title === title)!;
const sloOf = (slos: SloSpec[], name: string) => slos.find((s) => s.sloName === name)!;

/** validateAll on modified copies; returns the problems. */
function problemsWith(edit: (ds: DashboardJson[], slos: SloSpec[]) => void): string[] {
  const ds = clone([...DASHBOARDS]);
  const slos = clone([...SLO_OBJECTS]);
  edit(ds, slos);
  return validateAll(ds, slos).problems;
}

describe('monitors:validate on the real objects', () => {
  test('passes, with the four dashboards of the spec checklist and one SLO per lib/slo definition', () => {
    const { problems, summary } = validateAll();
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
});
