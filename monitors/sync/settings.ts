/**
 * The environment `npm run monitors:sync` reads, validated before any request, each error naming its
 * variable. The keys are never echoed (not in errors, not in output).
 *
 *  - DD_API_KEY: a Datadog API key (Organization settings → API keys). Required, also for --dry-run, which
 *    reads the existing objects to diff against.
 *  - DD_APP_KEY: an application key of a user or service account with the monitors_read/_write,
 *    slos_read/_write and dashboards_read/_write scopes (read scopes alone suffice for --dry-run).
 *  - DD_SITE: the Datadog site, e.g. datadoghq.com (default), datadoghq.eu, us3.datadoghq.com; the API is
 *    https://api.<site>.
 *  - DATADOG_API_URL: overrides the API base URL entirely (tests point it at test/support/fakeDatadog.ts; a
 *    proxy in some networks).
 */
export interface DatadogSettings {
  apiKey: string;
  appKey: string;
  /** API base URL without a trailing slash, e.g. https://api.datadoghq.com. */
  baseUrl: string;
  /** For messages: the site or the override URL. */
  site: string;
}

/** A configuration problem, reported without a stack trace by the CLI. */
export class SyncConfigError extends Error {
  override name = 'SyncConfigError';
}

const SITE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/** Reads and validates the settings; throws one SyncConfigError listing every problem. */
export function datadogSettings(env: NodeJS.ProcessEnv = process.env): DatadogSettings {
  const problems: string[] = [];
  const apiKey = env.DD_API_KEY?.trim() ?? '';
  const appKey = env.DD_APP_KEY?.trim() ?? '';
  if (apiKey === '') problems.push('DD_API_KEY is not set: a Datadog API key is needed (Organization settings -> API keys)');
  if (appKey === '') problems.push('DD_APP_KEY is not set: a Datadog application key is needed (with the monitors, slos and dashboards read/write scopes)');
  const site = env.DD_SITE?.trim() || 'datadoghq.com';
  if (!SITE.test(site)) problems.push(`DD_SITE must be a Datadog site host such as datadoghq.com or datadoghq.eu, got "${site}"`);
  let baseUrl = `https://api.${site}`;
  const override = env.DATADOG_API_URL?.trim();
  if (override) {
    let u: URL | undefined;
    try { u = new URL(override); } catch { /* reported below */ }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) problems.push(`DATADOG_API_URL must be an absolute http(s) URL, got "${override}"`);
    else if (u.username || u.password || u.search) problems.push('DATADOG_API_URL must not carry credentials or a query string');
    baseUrl = override.replace(/\/+$/, '');
  }
  if (problems.length > 0) throw new SyncConfigError(problems.join('\n'));
  return { apiKey, appKey, baseUrl, site: override ? baseUrl : site };
}
