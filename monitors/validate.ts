/**
 * `npm run monitors:validate`: offline checks of every dashboard and SLO object in monitors/, without a
 * Datadog account.
 *
 *  1. Each object is deserialised by @datadog/datadog-api-client's own model classes (v1 ObjectSerializer:
 *     `Dashboard`, each `Widget`, `ServiceLevelObjectiveRequest`, `Monitor`). It throws on a missing required
 *     property and marks an unknown enum value or an unmatched widget shape as unparsed — but it accepts
 *     unknown keys silently, so:
 *  2. a structural check of the keys each widget type needs (requests with queries and formulas, the right
 *     response_format, formulas naming only defined queries, an SLO widget naming a known SLO);
 *  3. query syntax: `aggregator:metric{scope} [by {tags}]` plus `.as_count()` / `.rollup()` / `.fill()`,
 *     balanced braces and parentheses; percentiles only on distributions, `.as_count()` only on counts, scope
 *     and group-by tags among the metric's catalogued tags;
 *  4. every metric is in lib/telemetry/catalog.ts or monitors/externalMetrics.ts;
 *  5. SLOs agree with lib/slo: one object per definition, its target, threshold, window and good/bad results,
 *     a 30d timeframe, the managed-by tag; a backing monitor's threshold equals the one in its query.
 * Prints a summary; exits 1 with one line per problem.
 */
import { v1 } from '@datadog/datadog-api-client';
import { SLOS, type SloDefinition } from '../lib/slo';
import { METRICS } from '../lib/telemetry/catalog';
import { DASHBOARDS, type DashboardJson } from './dashboards';
import { MANAGED_BY_TAG, sloRef } from './dashboards/widgets';
import { EXTERNAL_METRICS } from './externalMetrics';
import { objectivePercent, SLO_OBJECTS, SLO_TIMEFRAME, THRESHOLD_SLO_TARGET_PERCENT, type SloSpec } from './slos';

type Obj = Record<string, unknown>;

/** Tags every metric carries besides its catalogued ones (added by the client, or by the Agent). */
const UNIVERSAL_TAGS = ['env', 'service', 'version', 'host'];
const PERCENTILES = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9'];
const SPACE_AGGREGATORS = ['avg', 'sum', 'min', 'max', 'count', ...PERCENTILES];

export function isAllowedMetric(name: string): boolean {
  return Object.hasOwn(METRICS, name) || Object.hasOwn(EXTERNAL_METRICS, name);
}

/** Balanced `{}` and `()`, properly nested. */
export function balanced(s: string): boolean {
  const stack: string[] = [];
  for (const c of s) {
    if (c === '{' || c === '(') stack.push(c);
    else if (c === '}' || c === ')') {
      if (stack.pop() !== (c === '}' ? '{' : '(')) return false;
    }
  }
  return stack.length === 0;
}

const TERM = new RegExp(
  '^([a-z0-9.]+):([a-zA-Z][a-zA-Z0-9_.]*)\\{([^{}]*)\\}' + // aggregator:metric{scope}
  '(?:\\s+by\\s+\\{([^{}]+)\\})?' + // by {tags}
  '((?:\\.as_count\\(\\)|\\.as_rate\\(\\)|\\.rollup\\((?:sum|avg|min|max|count)(?:,\\s*\\d+)?\\)|\\.fill\\((?:null|zero|last|linear)(?:,\\s*\\d+)?\\))*)$',
);
const SCOPE_ITEM = /^!?([a-zA-Z][a-zA-Z0-9_.-]*)(?::([a-zA-Z0-9_.*:/-]+))?$/;

/** Problems of one metric term `aggregator:metric{scope} [by {tags}][.fn()…]`; `where` prefixes each message. */
export function checkMetricTerm(term: string, where: string): string[] {
  const m = TERM.exec(term.trim());
  if (!m) return [`${where}: "${term}" is not aggregator:metric{scope} [by {tags}] (with .as_count(), .rollup(), .fill())`];
  const [, agg = '', metric = '', scope = '', by, fns = ''] = m;
  const problems: string[] = [];
  if (!SPACE_AGGREGATORS.includes(agg)) problems.push(`${where}: unknown aggregator "${agg}" in "${term}"`);
  if (!isAllowedMetric(metric)) {
    problems.push(`${where}: metric "${metric}" is not in lib/telemetry/catalog.ts nor in monitors/externalMetrics.ts`);
    return problems;
  }
  const def = Object.hasOwn(METRICS, metric) ? METRICS[metric as keyof typeof METRICS] : undefined;
  const scopeItems = scope.trim() === '*' ? [] : scope.split(',').map((s) => s.trim());
  const tagKeys: string[] = [];
  for (const item of scopeItems) {
    const sm = SCOPE_ITEM.exec(item);
    if (!sm) problems.push(`${where}: bad scope item "${item}" in "${term}"`);
    else tagKeys.push(sm[1] ?? '');
  }
  if (by !== undefined) tagKeys.push(...by.split(',').map((t) => t.trim()));
  if (def) {
    const allowed: readonly string[] = [...def.tags, ...UNIVERSAL_TAGS];
    for (const k of tagKeys) if (!allowed.includes(k)) problems.push(`${where}: tag "${k}" is not a tag of ${metric} (catalog: ${def.tags.join(', ') || 'none'})`);
    if (PERCENTILES.includes(agg) && def.type !== 'distribution') problems.push(`${where}: ${agg} on ${metric}, which is a ${def.type}, not a distribution`);
    if (fns.includes('.as_count()') && def.type !== 'count') problems.push(`${where}: .as_count() on ${metric}, which is a ${def.type}`);
  }
  return problems;
}

/**
 * Splits an arithmetic expression of metric terms (`a + b`, `a / (b + c) * 100`) at operators written with a
 * space before them outside `{}`, then drops grouping parentheses left unbalanced on a term's edges.
 */
export function splitTerms(expr: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] ?? '';
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (depth === 0 && /[+\-*/]/.test(c) && expr[i - 1] === ' ') { terms.push(cur); cur = ''; continue; }
    cur += c;
  }
  terms.push(cur);
  const count = (s: string, ch: string) => s.split(ch).length - 1;
  return terms.map((raw) => {
    let t = raw.trim();
    while (t.startsWith('(') && count(t, '(') > count(t, ')')) t = t.slice(1).trim();
    while (t.endsWith(')') && count(t, ')') > count(t, '(')) t = t.slice(0, -1).trim();
    return t;
  }).filter((t) => t !== '' && !/^\d+(\.\d+)?$/.test(t));
}

/** Problems of a metrics query string (one term, or an arithmetic of terms as in SLO numerators). */
export function checkMetricQuery(query: string, where: string): string[] {
  if (!balanced(query)) return [`${where}: unbalanced braces or parentheses in "${query}"`];
  return splitTerms(query).flatMap((t) => checkMetricTerm(t, where));
}

/** Deserialises with the client's model classes; a problem if it throws or leaves part of it unparsed. */
export function deserializeProblems(obj: unknown, type: string, where: string): string[] {
  try {
    const out = v1.ObjectSerializer.deserialize(obj, type, '') as { _unparsed?: boolean } | undefined;
    if (out === undefined || out === null || out._unparsed || out.constructor?.name === 'UnparsedObject') {
      return [`${where}: does not match @datadog/datadog-api-client's ${type} model (unknown widget type, enum value, or widget shape)`];
    }
    return [];
  } catch (e) {
    return [`${where}: @datadog/datadog-api-client cannot deserialise it as ${type}: ${(e as Error).message}`];
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Required keys per widget type, beyond what the client checks (it accepts unknown keys silently). */
function checkWidget(def: Obj, where: string, sloNames: readonly string[]): string[] {
  const problems: string[] = [];
  const type = def.type;
  const requestsWidget: Record<string, 'timeseries' | 'scalar'> = { timeseries: 'timeseries', query_value: 'scalar', toplist: 'scalar' };
  if (typeof type !== 'string') return [`${where}: definition.type is missing`];
  if (!def.title && type !== 'note') problems.push(`${where}: no title`);
  if (type in requestsWidget) {
    const requests = def.requests;
    if (!Array.isArray(requests) || requests.length === 0) return [...problems, `${where} (${type}): requests missing or empty`];
    requests.forEach((r: unknown, i) => {
      const w = `${where} request ${i}`;
      if (!isObj(r)) { problems.push(`${w}: not an object`); return; }
      if ('q' in r) problems.push(`${w}: uses the legacy "q" form; use queries + formulas`);
      if (r.response_format !== requestsWidget[type]) problems.push(`${w}: response_format must be "${requestsWidget[type]}" for ${type}`);
      const queries = r.queries;
      const formulas = r.formulas;
      if (!Array.isArray(queries) || queries.length === 0) { problems.push(`${w}: queries missing or empty`); return; }
      if (!Array.isArray(formulas) || formulas.length === 0) { problems.push(`${w}: formulas missing or empty`); return; }
      const names = new Set<string>();
      queries.forEach((q: unknown, j) => {
        if (!isObj(q) || q.data_source !== 'metrics' || typeof q.name !== 'string' || typeof q.query !== 'string') {
          problems.push(`${w} query ${j}: needs data_source "metrics", name and query`);
          return;
        }
        if (names.has(q.name)) problems.push(`${w}: query name ${q.name} used twice`);
        names.add(q.name);
        problems.push(...checkMetricQuery(q.query, `${w} ${q.name}`));
        if (requestsWidget[type] === 'scalar' && typeof q.aggregator !== 'string') problems.push(`${w} ${q.name}: a scalar query needs an aggregator`);
      });
      formulas.forEach((f: unknown, j) => {
        if (!isObj(f) || typeof f.formula !== 'string') { problems.push(`${w} formula ${j}: needs a formula string`); return; }
        for (const ref of f.formula.match(/[a-z_][a-z0-9_]*/gi) ?? []) {
          if (!names.has(ref)) problems.push(`${w} formula "${f.formula}": ${ref} is not a query of this request`);
        }
      });
    });
  } else if (type === 'slo') {
    if (def.view_type !== 'detail') problems.push(`${where} (slo): view_type must be "detail"`);
    if (!sloNames.some((n) => sloRef(n) === def.slo_id)) problems.push(`${where} (slo): slo_id ${String(def.slo_id)} names no SLO of monitors/slos.ts`);
  } else if (type === 'note') {
    if (typeof def.content !== 'string' || def.content === '') problems.push(`${where} (note): content missing`);
  } else {
    problems.push(`${where}: widget type "${type}" is not one monitors/ uses (timeseries, query_value, toplist, slo, note)`);
  }
  return problems;
}

export function validateDashboard(d: DashboardJson, sloNames: readonly string[]): string[] {
  const where = `dashboard "${d.title}"`;
  const problems = deserializeProblems(d, 'Dashboard', where);
  if (d.layout_type !== 'ordered') problems.push(`${where}: layout_type must be "ordered"`);
  if (!String(d.description).includes(MANAGED_BY_TAG)) problems.push(`${where}: description must carry ${MANAGED_BY_TAG} (dashboard tags may only be team:…)`);
  for (const t of d.tags ?? []) if (!t.startsWith('team:')) problems.push(`${where}: dashboard tag "${t}" is not team:… (Datadog rejects it)`);
  if (!Array.isArray(d.widgets) || d.widgets.length === 0) return [...problems, `${where}: no widgets`];
  d.widgets.forEach((w, i) => {
    const ww = `${where} widget ${i}${isObj(w?.definition) && w.definition.title ? ` "${String(w.definition.title)}"` : ''}`;
    if (!isObj(w) || !isObj(w.definition)) { problems.push(`${ww}: no definition`); return; }
    problems.push(...deserializeProblems(w, 'Widget', ww));
    problems.push(...checkWidget(w.definition, ww, sloNames));
  });
  return problems;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Results named in `{result:x}` scopes of a query, sorted. */
function resultsIn(query: unknown): string[] {
  return [...String(query).matchAll(/\{result:([a-z_]+)\}/g)].map((m) => m[1] ?? '').sort();
}

const MONITOR_QUERY = /^(avg|sum|min|max|percentile)\((last_\d+[mhd])\):(.+?)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$/;

export function validateSlo(spec: SloSpec, def: SloDefinition | undefined): string[] {
  const r = spec.request;
  const where = `SLO "${String(r.name)}"`;
  if (!def) return [`${where}: no SLO named "${spec.sloName}" in lib/slo/definitions.ts`];
  const problems = deserializeProblems(r, 'ServiceLevelObjectiveRequest', where);
  const tags = Array.isArray(r.tags) ? r.tags : [];
  if (!tags.includes(MANAGED_BY_TAG)) problems.push(`${where}: missing tag ${MANAGED_BY_TAG}`);
  if (r.timeframe !== SLO_TIMEFRAME) problems.push(`${where}: timeframe must be ${SLO_TIMEFRAME}`);
  const thresholds = Array.isArray(r.thresholds) ? r.thresholds.filter(isObj) : [];
  const t30 = thresholds.find((t) => t.timeframe === SLO_TIMEFRAME);
  const expectedTarget = def.kind === 'ratio' ? objectivePercent(def.objective) : THRESHOLD_SLO_TARGET_PERCENT;
  const source = def.kind === 'ratio' ? `lib/slo objective ${def.objective}` : 'THRESHOLD_SLO_TARGET_PERCENT';
  if (!t30) problems.push(`${where}: no ${SLO_TIMEFRAME} threshold`);
  else if (t30.target !== expectedTarget) problems.push(`${where}: target ${String(t30.target)} differs from ${expectedTarget} (${source})`);
  if (r.target_threshold !== expectedTarget) problems.push(`${where}: target_threshold ${String(r.target_threshold)} differs from ${expectedTarget} (${source})`);

  if (def.kind === 'ratio') {
    const q = isObj(r.query) ? r.query : {};
    if (r.type !== 'metric') problems.push(`${where}: a ratio SLO must be a metric-based SLO`);
    for (const k of ['numerator', 'denominator'] as const) {
      if (typeof q[k] !== 'string') { problems.push(`${where}: query.${k} missing`); continue; }
      problems.push(...checkMetricQuery(q[k], `${where} ${k}`));
      if (!String(q[k]).includes(`:${def.metric}{`)) problems.push(`${where} ${k}: does not query ${def.metric}`);
    }
    const good = [...def.good].sort().join(',');
    const all = [...def.good, ...def.bad].sort().join(',');
    if (resultsIn(q.numerator).join(',') !== good) problems.push(`${where}: numerator counts results [${resultsIn(q.numerator).join(',')}], lib/slo's good results are [${good}]`);
    if (resultsIn(q.denominator).join(',') !== all) problems.push(`${where}: denominator counts results [${resultsIn(q.denominator).join(',')}], lib/slo's events are [${all}]`);
  } else if (r.type === 'time_slice') {
    const ts = isObj(r.sli_specification) && isObj(r.sli_specification.time_slice) ? r.sli_specification.time_slice : undefined;
    if (!ts) return [...problems, `${where}: sli_specification.time_slice missing`];
    if (ts.comparator !== '<') problems.push(`${where}: comparator must be "<" (lib/slo: value strictly below the limit)`);
    if (num(ts.threshold) !== def.below) problems.push(`${where}: threshold ${String(ts.threshold)} differs from lib/slo's ${def.below}`);
    if (num(ts.query_interval_seconds) !== def.windowSeconds) problems.push(`${where}: slice ${String(ts.query_interval_seconds)} s differs from lib/slo's window ${def.windowSeconds} s`);
    const tq = isObj(ts.query) && Array.isArray(ts.query.queries) ? ts.query.queries.filter(isObj) : [];
    if (tq.length === 0) problems.push(`${where}: time_slice.query.queries missing`);
    for (const q of tq) {
      problems.push(...checkMetricQuery(String(q.query), `${where} ${String(q.name)}`));
      if (!String(q.query).includes(`:${def.metric}{`)) problems.push(`${where}: does not query ${def.metric}`);
    }
  } else if (r.type === 'monitor') {
    const m = spec.backingMonitor;
    if (!m) return [...problems, `${where}: a monitor-based SLO needs its backingMonitor`];
    const mw = `${where} backing monitor "${String(m.name)}"`;
    problems.push(...deserializeProblems(m, 'Monitor', mw));
    const mq = MONITOR_QUERY.exec(String(m.query));
    if (!mq) return [...problems, `${mw}: query "${String(m.query)}" is not time_agg(last_N):expr comparator threshold`];
    const [, , , expr = '', comparator, threshold] = mq;
    problems.push(...checkMetricQuery(expr, mw));
    if (!expr.includes(`:${def.metric}{`)) problems.push(`${mw}: does not query ${def.metric}`);
    if (def.aggregation === 'p95' && !expr.startsWith('p95:')) problems.push(`${mw}: lib/slo judges the p95`);
    if (Number(threshold) !== def.below || comparator !== '>') problems.push(`${mw}: alerts on "${comparator} ${threshold}", lib/slo's limit is "< ${def.below}" (so the monitor must be "> ${def.below}")`);
    const critical = isObj(m.options) && isObj(m.options.thresholds) ? m.options.thresholds.critical : undefined;
    if (critical !== Number(threshold)) problems.push(`${mw}: options.thresholds.critical ${String(critical)} differs from the query's threshold ${threshold}`);
  } else {
    problems.push(`${where}: type ${String(r.type)} is not metric, monitor or time_slice`);
  }
  return problems;
}

export interface ValidationResult {
  problems: string[];
  summary: string[];
}

export function validateAll(dashboards: readonly DashboardJson[] = DASHBOARDS, slos: readonly SloSpec[] = SLO_OBJECTS): ValidationResult {
  const sloNames = slos.map((s) => s.sloName);
  const problems: string[] = [];
  const titles = new Set<string>();
  for (const d of dashboards) {
    if (titles.has(d.title)) problems.push(`dashboard "${d.title}": title used twice (sync matches by title)`);
    titles.add(d.title);
    problems.push(...validateDashboard(d, sloNames));
  }
  for (const def of SLOS) {
    const n = slos.filter((s) => s.sloName === def.name).length;
    if (n !== 1) problems.push(`lib/slo SLO "${def.name}": ${n} Datadog SLO objects (expected exactly 1)`);
  }
  for (const s of slos) problems.push(...validateSlo(s, SLOS.find((d) => d.name === s.sloName)));
  const metrics = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/[a-z0-9.]+:([a-zA-Z][a-zA-Z0-9_.]*)\{/g)) if (m[1]) metrics.add(m[1]);
    if (Array.isArray(v)) v.forEach(collect);
    else if (isObj(v)) Object.values(v).forEach(collect);
  };
  collect(dashboards);
  collect(slos);
  const summary = [
    ...dashboards.map((d) => `dashboard  ${d.title}: ${d.widgets.length} widgets`),
    ...slos.map((s) => `slo        ${String(s.request.name)}: ${String(s.request.type)}${s.backingMonitor ? ' (+ backing monitor)' : ''}`),
    `metrics    ${metrics.size} distinct: ${[...metrics].filter((m) => Object.hasOwn(METRICS, m)).length} catalog, ${[...metrics].filter((m) => Object.hasOwn(EXTERNAL_METRICS, m)).length} external`,
  ];
  return { problems, summary };
}

if (require.main === module) {
  const { problems, summary } = validateAll();
  process.stdout.write(`${summary.join('\n')}\n`);
  if (problems.length > 0) {
    console.error(`\nmonitors:validate: ${problems.length} problem(s):`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  process.stdout.write('monitors:validate: OK\n');
}
