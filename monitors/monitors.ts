/**
 * The Datadog monitors of the alert definitions (monitors/alerts/definitions.ts), as v1 `Monitor` bodies.
 * The definitions are the one source; this file only picks Datadog's form:
 *
 *  - a threshold alert → `query alert` with the definition's own query, whose number after the comparator is
 *    the definition's threshold and options.thresholds.critical (monitors:validate checks all three agree);
 *    a grouped definition's query ends `by {workspace_id}`, which makes it a multi-alert (one notification per
 *    workspace, named in the message with {{workspace_id.name}});
 *  - a burn-rate alert → `slo alert` on the availability SLO, `burn_rate("$slo:availability").over("30d")
 *    .long_window("1h").short_window("5m") > 14.4`, windows and factor from lib/slo/datadogBurnRate.ts. Datadog
 *    allows long windows of 1 h to 48 h only, so the 3 d / 6 h ticket becomes 1.5× over 48 h / 4 h — the same
 *    10 % of the 30-day budget; the message says so. `$slo:availability` is replaced with the SLO's id by sync.
 *  - the INFO daily expiration digest → NO monitor. A Datadog monitor notifies when a condition changes
 *    state; it cannot send a value every day at 09:00. The digest itself is sent by the project's own
 *    notifier (the expirationDigest schedule), and its "unusually high (> 100)" part is the threshold alert
 *    lead_expirations_high (`sum(last_1d):sum:routing.leads_expired{*}.as_count() > 100`), a monitor here.
 *
 * Every monitor: name `Lead Router: <title>` (sync matches on it plus the managed-by tag), tags managed-by,
 * service, team, severity and alert id, priority by severity, a message with the title, the value
 * ({{value}}), the threshold and window, the definition's description lines, the runbook link
 * (runbookUrl(def.runbook, RUNBOOK_BASE_URL)) and the notification handles of its severity
 * (DATADOG_NOTIFY_*; monitors/monitorsSettings.ts). notify_no_data is off (a quiet hour is not an outage:
 * the traffic alerts read counts that are simply absent then); CRITICAL monitors re-notify every
 * ALERT_RENOTIFY_MINUTES while firing, like the local evaluator's re-notify interval.
 */
import { AVAILABILITY } from '../lib/slo';
import { datadogBurnRateAlerts, datadogBurnRateQuery, type DatadogBurnRateAlert } from '../lib/slo/datadogBurnRate';
import { ALERTS, type AlertDefinition, type BurnRateAlert, type ThresholdAlert } from './alerts/definitions';
import { MANAGED_BY_TAG, sloRef, type Json } from './dashboards/widgets';
import { monitorSettings, type MonitorSettings, type Severity } from './monitorsSettings';
import { runbookUrl } from './runbooks';

/** One generated monitor and what it was generated from (validate.ts compares the two). */
export interface MonitorSpec {
  /** The alert definition's id. */
  alertId: string;
  definition: ThresholdAlert | BurnRateAlert;
  /** For a burn-rate alert: lib/slo's Datadog form of its tier. */
  burnRate?: DatadogBurnRateAlert;
  /** The runbook link every message must contain. */
  runbookUrl: string;
  /** The v1 `Monitor` body sync sends (burn-rate queries still hold the `$slo:<name>` placeholder). */
  body: Json;
}

/** Datadog monitor name of an alert definition: sync matches on it (plus the managed-by tag). */
export function monitorName(def: Pick<AlertDefinition, 'title'>): string {
  return `Lead Router: ${def.title}`;
}

/** Datadog priority (1 highest … 5) by severity: critical pages, warning goes to Slack, info is informational. */
export const PRIORITY: Record<Severity, number> = { critical: 1, warning: 3, info: 5 };

/** "15 minutes", "1 hour", "24 hours" for a window in seconds. */
export function windowText(seconds: number): string {
  const [n, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [seconds / 60, 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function tags(def: AlertDefinition): string[] {
  return [MANAGED_BY_TAG, 'service:lead-router', 'team:lead-router', `severity:${def.severity}`, `alert:${def.id}`];
}

function options(def: AlertDefinition, critical: number, settings: MonitorSettings): Json {
  return {
    thresholds: { critical },
    notify_no_data: false,
    include_tags: true,
    // Every monitor re-notifies while it stays firing, at the interval the local evaluator uses
    // (lib/alerting/evaluate.ts), so an alert repeats in the same rhythm with or without Datadog.
    renotify_interval: settings.renotifyMinutes,
  };
}

function message(def: AlertDefinition, valueLines: string[], url: string, settings: MonitorSettings): string {
  return [
    `[${def.severity.toUpperCase()}] ${def.title}`,
    ...valueLines,
    ...def.description,
    `Runbook: ${url}`,
    `Alert definition: ${def.id} (monitors/alerts/definitions.ts)`,
    settings.notify[def.severity].join(' '),
  ].join('\n');
}

export function thresholdMonitor(def: ThresholdAlert, settings: MonitorSettings): MonitorSpec {
  const url = runbookUrl(def.runbook, settings.runbookBaseUrl);
  const valueLines = [
    `Value: {{value}} ${def.unit} (alerts when ${def.comparator} ${def.threshold} over the last ${windowText(def.windowSeconds)})`,
    ...(def.groupBy ? [`Workspace: {{${def.groupBy}.name}}`] : []),
  ];
  return {
    alertId: def.id,
    definition: def,
    runbookUrl: url,
    body: {
      type: def.datadog.type,
      name: monitorName(def),
      query: def.datadog.query,
      message: message(def, valueLines, url, settings),
      tags: tags(def),
      priority: PRIORITY[def.severity],
      options: options(def, def.threshold, settings),
    },
  };
}

export function burnRateMonitor(def: BurnRateAlert, settings: MonitorSettings): MonitorSpec {
  if (def.slo !== AVAILABILITY.name) throw new RangeError(`burn-rate alert ${def.id}: SLO "${def.slo}" has no burn rate (only ${AVAILABILITY.name})`);
  const form = datadogBurnRateAlerts(AVAILABILITY.objective).find((a) => a.tierId === def.tier);
  if (!form) throw new RangeError(`burn-rate alert ${def.id}: no tier "${def.tier}" in lib/slo ALERT_TIERS`);
  const url = runbookUrl(def.runbook, settings.runbookBaseUrl);
  const windows = `${form.longWindowHours}h and ${form.shortWindowMinutes}m`;
  const valueLines = [
    `Burn rate: {{value}}x (alerts when above ${form.factor}x over both the last ${windows}; SLO ${def.slo}, ${AVAILABILITY.objective * 100}% over 30 days)`,
    ...(form.approximated
      ? [`Datadog allows burn-rate long windows of 1h to 48h only: this is the nearest form of the SRE-workbook tier ${form.exact.factor}x over ${form.exact.long} and ${form.exact.short}, namely ${form.factor}x over ${windows}, which fires on the same ${form.budgetPercent}% of the 30-day error budget (lib/slo/datadogBurnRate.ts). The project's own evaluator uses the exact tier.`]
      : []),
  ];
  return {
    alertId: def.id,
    definition: def,
    burnRate: form,
    runbookUrl: url,
    body: {
      type: 'slo alert',
      name: monitorName(def),
      query: datadogBurnRateQuery(sloRef(def.slo), form),
      message: message(def, valueLines, url, settings),
      tags: tags(def),
      priority: PRIORITY[def.severity],
      options: options(def, form.factor, settings),
    },
  };
}

/** The monitor of every definition that has one (all but the digest; see the file comment), in definition order. */
export function alertMonitors(settings: MonitorSettings = monitorSettings(), definitions: readonly AlertDefinition[] = ALERTS): MonitorSpec[] {
  return definitions.flatMap((def) => {
    if (def.kind === 'threshold') return [thresholdMonitor(def, settings)];
    if (def.kind === 'burn_rate') return [burnRateMonitor(def, settings)];
    return [];
  });
}
