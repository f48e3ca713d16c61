/**
 * The environment the generated Datadog monitors depend on (monitors/monitors.ts), validated with one error
 * naming every bad variable. Read by `npm run monitors:validate` and `npm run monitors:sync`, which must not
 * need the service's own settings (DATABASE_URL, …), so this is not lib/config.ts; the two names shared with
 * the local evaluator (ALERT_RENOTIFY_MINUTES, RUNBOOK_BASE_URL) have the same meaning and default there.
 *
 *  - DATADOG_NOTIFY_CRITICAL / _WARNING / _INFO: the Datadog notification handles each severity's monitor
 *    message ends with, separated by spaces; each must start with `@` (Datadog's mention syntax:
 *    @pagerduty-<service>, @slack-<channel>, @<email>, @webhook-<name>).
 *  - ALERT_RENOTIFY_MINUTES: minutes before a still-firing monitor, of any severity, notifies again (default 60).
 *  - RUNBOOK_BASE_URL: where runbooks are served (monitors/runbooks.ts); every message links its runbook.
 */
import { DEFAULT_RUNBOOK_BASE_URL, runbookUrl, RUNBOOKS } from './runbooks';
import { envSetting } from '../lib/config/parsers';

export type Severity = 'critical' | 'warning' | 'info';

export interface MonitorSettings {
  /** Handles per severity, e.g. ['@pagerduty-lead-router', '@slack-lead-router-alerts']. */
  notify: Record<Severity, string[]>;
  renotifyMinutes: number;
  runbookBaseUrl: string;
}

export const DEFAULT_NOTIFY: Record<Severity, string> = {
  critical: '@pagerduty-lead-router @slack-lead-router-alerts',
  warning: '@slack-lead-router-alerts',
  info: '@slack-lead-router-ops',
};

export const DEFAULT_RENOTIFY_MINUTES = 60;

const NOTIFY_VAR: Record<Severity, string> = {
  critical: 'DATADOG_NOTIFY_CRITICAL',
  warning: 'DATADOG_NOTIFY_WARNING',
  info: 'DATADOG_NOTIFY_INFO',
};

/** Reads and validates the settings; throws a TypeError listing every problem, each naming its variable. */
export function monitorSettings(env: NodeJS.ProcessEnv = process.env): MonitorSettings {
  const problems: string[] = [];
  const notify = {} as Record<Severity, string[]>;
  for (const sev of Object.keys(NOTIFY_VAR) as Severity[]) {
    const name = NOTIFY_VAR[sev];
    const handles = (envSetting(env, name) ?? DEFAULT_NOTIFY[sev]).split(/\s+/).filter((h) => h !== '');
    for (const h of handles) if (!/^@[^\s@]\S*$/.test(h)) problems.push(`${name}: "${h}" is not a Datadog handle (it must start with @, e.g. @slack-lead-router-alerts)`);
    notify[sev] = handles;
  }
  const rawRenotify = env.ALERT_RENOTIFY_MINUTES?.trim();
  const renotifyMinutes = rawRenotify ? Number(rawRenotify) : DEFAULT_RENOTIFY_MINUTES;
  if (!Number.isInteger(renotifyMinutes) || renotifyMinutes <= 0) problems.push(`ALERT_RENOTIFY_MINUTES must be a positive whole number of minutes, got "${rawRenotify}"`);
  const runbookBaseUrl = env.RUNBOOK_BASE_URL?.trim() || DEFAULT_RUNBOOK_BASE_URL;
  try {
    runbookUrl(RUNBOOKS.routingFailures, runbookBaseUrl);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new TypeError(problems.join('\n'));
  return { notify, renotifyMinutes, runbookBaseUrl };
}
