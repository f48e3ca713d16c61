/**
 * Monitor checks of monitors:validate, on the bodies monitors/monitors.ts generates:
 *  - each body deserialised as a v1 `Monitor` by the client's models, plus a schema check of the keys we
 *    send (the models accept unknown keys silently, and Datadog rejects some);
 *  - a query alert's query parses as `time_agg(last_N):expression comparator number`, its expression passes
 *    the metric checks (catalog, tags, syntax), its window is the definition's, a grouped definition's query
 *    groups by that tag, and the number after the comparator equals options.thresholds.critical AND the
 *    definition's threshold, with the definition's comparator;
 *  - a burn-rate monitor's windows and factor equal lib/slo's Datadog form of its tier, on a known SLO;
 *  - every message names the value, contains its runbook URL and its severity's handles; names, tags,
 *    renotify interval as monitors.ts states them; exactly one monitor per definition that has one.
 */
import { AVAILABILITY } from '../../lib/slo';
import { datadogBurnRateAlerts } from '../../lib/slo/datadogBurnRate';
import { ALERTS } from '../alerts/definitions';
import { MANAGED_BY_TAG, sloRef } from '../dashboards/widgets';
import { monitorName, PRIORITY, type MonitorSpec } from '../monitors';
import type { MonitorSettings } from '../monitorsSettings';
import { checkMetricQuery, deserializeProblems, isObj, PERCENTILES } from './query';
import { MONITOR_QUERY, num } from './slos';

const BODY_KEYS = ['type', 'name', 'query', 'message', 'tags', 'priority', 'options'];
const OPTION_KEYS = ['thresholds', 'notify_no_data', 'include_tags', 'renotify_interval'];
const BURN_RATE_QUERY = /^burn_rate\("([^"]+)"\)\.over\("(\d+d)"\)\.long_window\("(\d+)h"\)\.short_window\("(\d+)m"\)\s*>\s*(\d+(?:\.\d+)?)$/;

/** `last_15m` → 900 s. */
function lastSeconds(window: string): number {
  const n = Number(window.slice(5, -1));
  return n * ({ m: 60, h: 3600, d: 86400 } as Record<string, number>)[window.slice(-1)]!;
}

/** Problems of one generated monitor; `sloNames` are the lib/slo names the SLO objects define. */
export function validateMonitor(spec: MonitorSpec, settings: MonitorSettings, sloNames: readonly string[]): string[] {
  const b = spec.body;
  const def = spec.definition;
  const where = `monitor "${String(b.name)}"`;
  const problems = deserializeProblems(b, 'Monitor', where);
  for (const k of Object.keys(b)) if (!BODY_KEYS.includes(k)) problems.push(`${where}: unexpected key "${k}" (monitors/ sends ${BODY_KEYS.join(', ')})`);
  const options = isObj(b.options) ? b.options : {};
  for (const k of Object.keys(options)) if (!OPTION_KEYS.includes(k)) problems.push(`${where}: unexpected option "${k}"`);
  const critical = isObj(options.thresholds) ? num(options.thresholds.critical) : undefined;
  if (b.name !== monitorName(def)) problems.push(`${where}: name must be "${monitorName(def)}" (sync matches on it)`);
  const tags = Array.isArray(b.tags) ? b.tags : [];
  for (const t of [MANAGED_BY_TAG, `severity:${def.severity}`]) if (!tags.includes(t)) problems.push(`${where}: missing tag ${t}`);
  if (b.priority !== PRIORITY[def.severity]) problems.push(`${where}: priority ${String(b.priority)}, ${def.severity} is ${PRIORITY[def.severity]}`);
  if (options.notify_no_data !== false) problems.push(`${where}: notify_no_data must be false`);
  const renotify = settings.renotifyMinutes;
  if (options.renotify_interval !== renotify) problems.push(`${where}: renotify_interval ${String(options.renotify_interval)}, expected ${String(renotify)} (ALERT_RENOTIFY_MINUTES, as the local evaluator)`);

  const message = String(b.message ?? '');
  if (!message.includes(spec.runbookUrl)) problems.push(`${where}: message lacks its runbook URL ${spec.runbookUrl}`);
  if (!message.includes('{{value}}')) problems.push(`${where}: message does not show {{value}}`);
  for (const h of settings.notify[def.severity]) if (!message.includes(h)) problems.push(`${where}: message lacks ${def.severity} handle ${h}`);

  const query = String(b.query ?? '');
  if (def.kind === 'threshold') {
    if (b.type !== 'query alert') problems.push(`${where}: a threshold alert is a "query alert", got "${String(b.type)}"`);
    const m = MONITOR_QUERY.exec(query);
    if (!m) return [...problems, `${where}: query "${query}" is not time_agg(last_N):expression comparator threshold`];
    const [, timeAgg = '', window = '', expr = '', comparator = '', threshold = ''] = m;
    problems.push(...checkMetricQuery(expr, where));
    if ((timeAgg === 'percentile') !== PERCENTILES.some((p) => expr.startsWith(`${p}:`))) problems.push(`${where}: percentile() time aggregation goes with a pNN: space aggregation, and only with it`);
    if (lastSeconds(window) !== def.windowSeconds) problems.push(`${where}: query window ${window} differs from the definition's ${def.windowSeconds} s`);
    if (comparator !== def.comparator) problems.push(`${where}: query comparator "${comparator}" differs from the definition's "${def.comparator}"`);
    if (Number(threshold) !== critical) problems.push(`${where}: threshold mismatch: the query says ${threshold}, options.thresholds.critical ${String(critical)}`);
    if (Number(threshold) !== def.threshold) problems.push(`${where}: threshold mismatch: the query says ${threshold}, the definition ${def.id} ${def.threshold}`);
    const grouped = / by \{([^}]+)\}/.exec(expr)?.[1];
    if (grouped !== def.groupBy) problems.push(`${where}: groups by ${String(grouped)}, the definition by ${String(def.groupBy)}`);
  } else {
    if (b.type !== 'slo alert') problems.push(`${where}: a burn-rate alert is an "slo alert", got "${String(b.type)}"`);
    const m = BURN_RATE_QUERY.exec(query);
    if (!m) return [...problems, `${where}: query "${query}" is not burn_rate("<slo>").over("30d").long_window("<n>h").short_window("<n>m") > <factor>`];
    const [, ref = '', over, long, short, factor] = m;
    const form = datadogBurnRateAlerts(AVAILABILITY.objective).find((a) => a.tierId === def.tier);
    if (!sloNames.some((n) => sloRef(n) === ref) || ref !== sloRef(def.slo)) problems.push(`${where}: burn_rate("${ref}") is not ${sloRef(def.slo)}, an SLO of monitors/slos.ts`);
    if (over !== '30d') problems.push(`${where}: over("${String(over)}") must be the SLO's 30d`);
    if (!form) return [...problems, `${where}: no lib/slo tier "${def.tier}"`];
    if (Number(long) !== form.longWindowHours || Number(short) !== form.shortWindowMinutes || Number(factor) !== form.factor) {
      problems.push(`${where}: ${long}h/${short}m > ${factor} differs from lib/slo's Datadog form of ${def.tier}: ${form.longWindowHours}h/${form.shortWindowMinutes}m > ${form.factor}`);
    }
    if (critical !== Number(factor)) problems.push(`${where}: threshold mismatch: the query says ${factor}, options.thresholds.critical ${String(critical)}`);
  }
  return problems;
}

/** Every definition with a monitor has exactly one, and monitor names are unique. */
export function validateMonitorSet(specs: readonly MonitorSpec[], otherNames: readonly string[]): string[] {
  const problems: string[] = [];
  for (const def of ALERTS) {
    if (def.kind === 'digest') continue;
    const n = specs.filter((s) => s.alertId === def.id).length;
    if (n !== 1) problems.push(`alert ${def.id}: ${n} Datadog monitors (expected exactly 1)`);
  }
  const names = [...specs.map((s) => String(s.body.name)), ...otherNames];
  for (const n of new Set(names)) if (names.filter((x) => x === n).length > 1) problems.push(`monitor name "${n}" used twice (sync matches by name)`);
  return problems;
}
