/**
 * The runbooks on-call follows (docs/runbooks/<name>.md) and how alert messages link to them.
 *
 * Every alert definition names one runbook from RUNBOOKS; the Datadog monitor message and the local
 * notifiers (Slack, PagerDuty) both put `runbookUrl(name, base)` in what they send. The base is
 * configurable (RUNBOOK_BASE_URL) because where the runbooks are served — a wiki, the repository's web view,
 * an internal docs site — differs per deployment; the default is the repository's own docs folder.
 * A test keeps this list and docs/runbooks/ in step (each name has a file, each file a name).
 */
export const RUNBOOKS = {
  routingFailures: 'routing-failures',
  retryQueueBacklog: 'retry-queue-backlog',
  dbLockTimeouts: 'db-lock-timeouts',
  dependencyOutage: 'dependency-outage',
  emergencyRollback: 'emergency-rollback',
  staleLocks: 'stale-locks',
  duplicateRate: 'duplicate-rate',
  leadExpirations: 'lead-expirations',
  routingLatency: 'routing-latency',
} as const;

export type RunbookName = (typeof RUNBOOKS)[keyof typeof RUNBOOKS];

/** Where runbooks are served when RUNBOOK_BASE_URL is not set: the repository's docs/runbooks folder. */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/lead-router/lead-router/blob/main/docs/runbooks';

/**
 * The URL of a runbook: `<base>/<name>.md` (one slash between, whatever the base ends with).
 * @param base RUNBOOK_BASE_URL, an absolute http(s) URL; throws a TypeError naming it when it is not one.
 */
export function runbookUrl(name: RunbookName, base: string = DEFAULT_RUNBOOK_BASE_URL): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TypeError(`RUNBOOK_BASE_URL must be an absolute http(s) URL, got "${base}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`RUNBOOK_BASE_URL must be an http(s) URL, got "${base}"`);
  return `${base.replace(/\/+$/, '')}/${name}.md`;
}
