/**
 * `npm run monitors:validate`: offline checks of every dashboard, SLO object and monitor in monitors/, without
 * a Datadog account.
 *
 *  1. Each object is deserialised by @datadog/datadog-api-client's own model classes (v1 ObjectSerializer:
 *     `Dashboard`, each `Widget`, `ServiceLevelObjectiveRequest`, `Monitor`). It throws on a missing required
 *     property and marks an unknown enum value or an unmatched widget shape as unparsed — but it accepts
 *     unknown keys silently, so:
 *  2. a structural check of the keys each widget type needs and of the keys monitors send
 *     (validate/dashboards.ts, validate/monitors.ts);
 *  3. query syntax and 4. catalog metrics and tags (validate/query.ts);
 *  5. SLOs agree with lib/slo (validate/slos.ts);
 *  6. monitors agree with their alert definitions: the threshold in the query = options.thresholds.critical =
 *     the definition's; burn-rate windows and factors = lib/slo's Datadog form; every message carries its
 *     runbook URL (validate/monitors.ts).
 * Prints a summary; exits 1 with one line per problem (also on a bad DATADOG_NOTIFY_* / ALERT_RENOTIFY_MINUTES /
 * RUNBOOK_BASE_URL, which the monitors are built from).
 */
import { SLOS } from '../lib/slo';
import { METRICS } from '../lib/telemetry/catalog';
import { DASHBOARDS, type DashboardJson } from './dashboards';
import { EXTERNAL_METRICS } from './externalMetrics';
import { alertMonitors, type MonitorSpec } from './monitors';
import { monitorSettings, type MonitorSettings } from './monitorsSettings';
import { SLO_OBJECTS, type SloSpec } from './slos';
import { validateDashboard } from './validate/dashboards';
import { validateMonitor, validateMonitorSet } from './validate/monitors';
import { isObj } from './validate/query';
import { validateSlo } from './validate/slos';

export { balanced, checkMetricQuery, checkMetricTerm, deserializeProblems, isAllowedMetric, splitTerms } from './validate/query';
export { validateDashboard } from './validate/dashboards';
export { validateMonitor } from './validate/monitors';
export { validateSlo } from './validate/slos';

export interface ValidationInput {
  dashboards?: readonly DashboardJson[];
  slos?: readonly SloSpec[];
  /** Defaults to alertMonitors(monitorSettings). */
  monitors?: readonly MonitorSpec[];
  /** Defaults to monitorSettings() (the environment). */
  monitorSettings?: MonitorSettings;
}

export interface ValidationResult {
  problems: string[];
  summary: string[];
}

/** Every check on the given objects (by default, the real ones). */
export function validateAll(input: ValidationInput = {}): ValidationResult {
  const dashboards = input.dashboards ?? DASHBOARDS;
  const slos = input.slos ?? SLO_OBJECTS;
  const settings = input.monitorSettings ?? monitorSettings();
  const monitors = input.monitors ?? alertMonitors(settings);
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
  for (const m of monitors) problems.push(...validateMonitor(m, settings, sloNames));
  problems.push(...validateMonitorSet(monitors, slos.flatMap((s) => (s.backingMonitor ? [String(s.backingMonitor.name)] : []))));
  const metrics = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(/[a-z0-9.]+:([a-zA-Z][a-zA-Z0-9_.]*)\{/g)) if (m[1]) metrics.add(m[1]);
    if (Array.isArray(v)) v.forEach(collect);
    else if (isObj(v)) Object.values(v).forEach(collect);
  };
  collect(dashboards);
  collect(slos);
  collect(monitors.map((m) => m.body.query));
  const count = (type: string) => monitors.filter((m) => m.body.type === type).length;
  const summary = [
    ...dashboards.map((d) => `dashboard  ${d.title}: ${d.widgets.length} widgets`),
    ...slos.map((s) => `slo        ${String(s.request.name)}: ${String(s.request.type)}${s.backingMonitor ? ' (+ backing monitor)' : ''}`),
    `monitors   ${monitors.length}: ${count('query alert')} query alert, ${count('slo alert')} slo alert (burn rate)`,
    `metrics    ${metrics.size} distinct: ${[...metrics].filter((m) => Object.hasOwn(METRICS, m)).length} catalog, ${[...metrics].filter((m) => Object.hasOwn(EXTERNAL_METRICS, m)).length} external`,
  ];
  return { problems, summary };
}

if (require.main === module) {
  let result: ValidationResult;
  try {
    result = validateAll();
  } catch (e) {
    console.error(`monitors:validate: ${(e as Error).message}`);
    process.exit(1);
  }
  process.stdout.write(`${result.summary.join('\n')}\n`);
  if (result.problems.length > 0) {
    console.error(`\nmonitors:validate: ${result.problems.length} problem(s):`);
    for (const p of result.problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  process.stdout.write('monitors:validate: OK\n');
}
