/**
 * SLO checks of monitors:validate: every Datadog SLO object agrees with lib/slo (one object per definition,
 * its target, threshold, window and good/bad results, a 30d timeframe, the managed-by tag); a backing
 * monitor's threshold equals the one in its query.
 */
import type { SloDefinition } from '../../lib/slo';
import { MANAGED_BY_TAG } from '../dashboards/widgets';
import { objectivePercent, SLO_TIMEFRAME, THRESHOLD_SLO_TARGET_PERCENT, type SloSpec } from '../slos';
import { checkMetricQuery, deserializeProblems, isObj } from './query';

export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Results named in `{result:x}` scopes of a query, sorted. */
function resultsIn(query: unknown): string[] {
  return [...String(query).matchAll(/\{result:([a-z_]+)\}/g)].map((m) => m[1] ?? '').sort();
}

export const MONITOR_QUERY = /^(avg|sum|min|max|percentile)\((last_\d+[mhd])\):(.+?)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$/;

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

