// Settings that passed lib/config.ts and then broke where they were used (a newcomer's `make dev`, session 8).
// Each KIND is proved over every variable of the kind; each reported value stays as a regression example.
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../lib/config';
import { datadogTraceSettingsValid } from '../../lib/config/parsers';
import { isIanaZoneName } from '../../lib/timeZone';
import { configProblems, VALID_ENV } from '../support/configProblems';

const VALID = VALID_ENV;
const problems = configProblems;

function problemsIfAny(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
}

/** The variables read as numbers: found from the schema itself, so a new one cannot escape the rule. */
const NUMERIC = CONFIG_VARIABLES.filter((name) => {
  // A number out of its word ("must be a whole number"), or one it reads as a number (TRUST_PROXY's hop count).
  if (problemsIfAny({ ...VALID, [name]: 'x1' }).some((p) => p.startsWith(`${name}: must be a `) && /number/.test(p))) return true;
  try {
    return typeof loadConfig({ ...VALID, [name]: '20' })[name as keyof ReturnType<typeof loadConfig>] === 'number';
  } catch {
    return false;
  }
});

describe('every numeric setting has a maximum that fits where it is used', () => {
  test('the numeric settings are found (the list below is not empty by accident)', () => {
    expect(NUMERIC).toEqual(expect.arrayContaining(['LEAD_TTL_DAYS', 'DEDUPE_WINDOW_DAYS', 'ROUTING_LOCK_STALE_SECONDS', 'PORT', 'WORKER_MAX_CACHED_WORKFLOWS']));
    expect(NUMERIC.length).toBeGreaterThanOrEqual(26);
  });

  // 9007199254740991 (Number.MAX_SAFE_INTEGER) passed every one of them; then Postgres overflowed (22003).
  test.each(NUMERIC)('%s=9007199254740991 is refused naming it; one over its maximum too, the maximum itself is not refused for its size', (name) => {
    const huge = problems({ ...VALID, [name]: '9007199254740991' });
    expect(huge).toEqual([expect.stringMatching(new RegExp(`^${name}: must be (at most|a port)`))]);
    const max = Number(/at most ([\d.]+)|1-(65535)/.exec(huge[0]!)!.slice(1).find(Boolean));
    expect(max).toBeLessThanOrEqual(2_147_483_647); // Postgres integer, Node timers
    const over = Number.isInteger(max) ? String(max + 1) : String(max + 0.5);
    expect(problems({ ...VALID, [name]: over })).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
    // At the maximum: only a cross-check with another setting may object, never the size itself.
    let atMax: string[] = [];
    try {
      loadConfig({ ...VALID, [name]: String(max) });
    } catch (e) {
      atMax = (e as ConfigError).problems;
    }
    expect(atMax.filter((p) => p.startsWith(`${name}: must be at most ${max}`))).toEqual([]);
  });

  test.each<[string, number, string]>([
    // POST /api/leads/route: now() + make_interval(days => n) overflowed, every lead answered 500.
    ['LEAD_TTL_DAYS', 3_650, '3651'],
    // The worker started; every routing attempt failed "out of range for type integer" and retried for good.
    ['DEDUPE_WINDOW_DAYS', 365, '366'],
    ['ROUTING_LOCK_STALE_SECONDS', 86_400, '86401'],
    ['WORKFLOW_DEADLOCK_TIMEOUT_MS', 2_147_483_647, '2147483648'],
    ['TRUST_PROXY', 32, '33'],
  ])('regression: %s accepts %d and refuses %s', (name, max, over) => {
    expect(loadConfig({ ...VALID, [name]: String(max) })[name as keyof ReturnType<typeof loadConfig>]).toBe(max);
    expect(problems({ ...VALID, [name]: over })).toEqual([expect.stringMatching(new RegExp(`^${name}: must be at most ${max}($| \\()`))]);
  });
});

describe('URL settings are http(s) URLs with a host', () => {
  const URLS = ['TEMPORAL_UI_URL', 'ALERT_SLACK_WEBHOOK_URL', 'ALERT_PAGERDUTY_EVENTS_URL', 'RUNBOOK_BASE_URL'];
  // The admin lead views built links from TEMPORAL_UI_URL=javascript:alert(1).
  test.each(URLS.flatMap((name) => ['javascript:alert(1)', 'ftp://x', 'file:///etc/passwd', 'http:example.com', 'http://', 'notaurl', ' https://x.example'].map((v) => [name, v] as const)))(
    '%s=%s is refused naming it',
    (name, value) => {
      expect(problems({ ...VALID, [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: must be`))]);
    },
  );
  test.each(URLS)('%s takes http and https URLs', (name) => {
    for (const value of ['http://localhost:8233', 'https://hooks.example.com/services/T0/B0/xyz']) {
      expect(loadConfig({ ...VALID, [name]: value })[name as keyof ReturnType<typeof loadConfig>]).toBe(value);
    }
  });
  test('a refused webhook URL is not repeated in the message (it carries a token)', () => {
    expect(problems({ ...VALID, ALERT_SLACK_WEBHOOK_URL: 'ftp://hooks/T0/secret-token-123' }).join()).not.toContain('secret-token-123');
  });
  test.each(['mysql://u:p@h/db', 'http://h/db'])('DATABASE_URL=%s is refused (postgres:// only)', (value) => {
    expect(problems({ ...VALID, DATABASE_URL: value })).toEqual([expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ URL/)]);
  });
});

describe('time zones must be spelt canonically', () => {
  // Passed config (Intl ignores case); the worker then exited with "unknown time zone" (Go's LoadLocation is case-sensitive).
  test.each([
    ['america/new_york', 'MAINTENANCE_TIMEZONE: must be spelt exactly America/New_York (time zone names are case-sensitive)'],
    ['AMERICA/NEW_YORK', 'MAINTENANCE_TIMEZONE: must be spelt exactly America/New_York (time zone names are case-sensitive)'],
    ['utc', 'MAINTENANCE_TIMEZONE: must be spelt exactly UTC (time zone names are case-sensitive)'],
    // The spelling the tz database has, whatever Intl calls the zone (Asia/Calcutta): the name to send.
    ['asia/kolkata', 'MAINTENANCE_TIMEZONE: must be spelt exactly Asia/Kolkata (time zone names are case-sensitive)'],
    ['America/New_York ', 'MAINTENANCE_TIMEZONE: has whitespace at its start or end: send "America/New_York"'],
  ])('MAINTENANCE_TIMEZONE=%s', (zone, message) => {
    expect(problems({ ...VALID, MAINTENANCE_TIMEZONE: zone })).toEqual([message]);
  });
  // The tz database's current names, which Intl (ICU) resolves to older ones (Asia/Calcutta, Europe/Kiev), and the
  // backward-compatible aliases Go and Postgres know: refusing them stopped deployments using them (review, session 8).
  test.each(['Asia/Kolkata', 'Europe/Kyiv', 'Etc/UTC', 'US/Eastern', 'Asia/Ho_Chi_Minh', 'America/Nuuk', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta'])('MAINTENANCE_TIMEZONE=%s is accepted', (zone) => {
    expect(loadConfig({ ...VALID, MAINTENANCE_TIMEZONE: zone }).MAINTENANCE_TIMEZONE).toBe(zone);
  });
  test('the admin API\'s workspace check (isIanaZoneName) takes tz database names and refuses the wrong case', () => {
    for (const zone of ['America/New_York', 'UTC', 'Etc/GMT+5', 'Europe/Paris', 'Asia/Tokyo', 'Asia/Kolkata', 'Etc/UTC']) expect(isIanaZoneName(zone)).toBe(true);
    for (const zone of ['america/new_york', 'europe/paris', 'asia/kolkata', 'us/eastern', '+05:30', 'Mars/Olympus']) expect(isIanaZoneName(zone)).toBe(false);
  });
});

describe("dd-trace's documented settings are checked by name", () => {
  test.each<[string, string, RegExp]>([
    ['DD_TRACE_ENABLED', 'maybe', /^DD_TRACE_ENABLED: must be true or false/],
    ['DD_TRACE_AGENT_PORT', 'abc', /^DD_TRACE_AGENT_PORT: must be a whole number/],
    ['DD_TRACE_AGENT_PORT', '70000', /^DD_TRACE_AGENT_PORT: must be a port, 1-65535/],
    ['DD_TRACE_AGENT_URL', 'notaurl', /^DD_TRACE_AGENT_URL: must be an http\(s\) URL with a host, or unix:/],
    ['DD_TRACE_AGENT_URL', 'ftp://agent:8126', /^DD_TRACE_AGENT_URL: /],
    ['DD_SERVICE', 'bad service name!', /^DD_SERVICE: must be a Datadog service name/],
    ['DD_SERVICE', '1api', /^DD_SERVICE: /],
    ['DD_DOGSTATSD_PORT', '0', /^DD_DOGSTATSD_PORT: must be a port/],
  ])('%s=%s', (name, value, message) => {
    expect(problems({ ...VALID, [name]: value })).toEqual([expect.stringMatching(message)]);
    // tracer.ts does not initialise dd-trace with it (loadConfig then refuses the start).
    expect(datadogTraceSettingsValid({ [name]: value })).toBe(name === 'DD_DOGSTATSD_PORT');
  });
  test.each<[string, string]>([
    ['DD_TRACE_ENABLED', 'false'],
    ['DD_TRACE_ENABLED', '1'],
    ['DD_TRACE_ENABLED', 'TRUE'], // dd-trace reads its switches in any case
    ['METRICS_ENABLED', 'False'],
    ['DD_TRACE_AGENT_PORT', '8126'],
    ['DD_TRACE_AGENT_URL', 'http://datadog-agent:8126'],
    ['DD_TRACE_AGENT_URL', 'unix:///var/run/datadog/apm.socket'],
    ['DD_SERVICE', 'lead-router-api'],
    ['DD_SERVICE', 'lead_router.api:v2/x'],
  ])('%s=%s is accepted', (name, value) => {
    expect(() => loadConfig({ ...VALID, [name]: value })).not.toThrow();
    expect(datadogTraceSettingsValid({ [name]: value })).toBe(true);
  });
});

describe('secrets refuse whitespace and control characters', () => {
  const SECRETS: Array<[string, string]> = [
    ['ADMIN_TOKEN', 'SBdu-38AOCxDXiNfTTMQzSGGgp6sNtLt'],
    ['IDENTITY_HMAC_KEY', '0123456789abcdef-hmac'],
    ['TEMPORAL_API_KEY', 'eyJhbGciOiJFUzI1NiJ9.key'],
    ['ALERT_PAGERDUTY_ROUTING_KEY', 'R0UTINGkey0123456789'],
  ];
  // ADMIN_TOKEN with surrounding spaces was accepted, and then every admin call answered 401.
  test.each(SECRETS.flatMap(([name, good]) => [` ${good}`, `${good} `, `${good}\n`, `${good.slice(0, 8)} ${good.slice(8)}`, `${good}\u0007`].map((v) => [name, v] as const)))(
    '%s=%j is refused naming it, without repeating it',
    (name, value) => {
      const found = problems({ ...VALID, [name]: value });
      expect(found).toEqual([expect.stringMatching(new RegExp(`^${name}: must (not contain spaces|be)`))]);
      expect(found.join()).not.toContain(value.trim().slice(4));
    },
  );
  test.each(SECRETS)('%s=%s is accepted', (name, value) => {
    expect(loadConfig({ ...VALID, [name]: value })[name as keyof ReturnType<typeof loadConfig>]).toBe(value);
  });
});
