// Start-up configuration (lib/config.ts): defaults, coercion, "empty means unset", and every bad value
// stops start-up with a ConfigError that names the variable.
import { ConfigError, loadConfig } from '../../lib/config';
import { DEFAULT_PLACEHOLDER_EMAILS, DEFAULT_PLACEHOLDER_PHONES } from '../../lib/identity';

const VALID = {
  DATABASE_URL: 'postgres://router:secret@db:5432/router',
  IDENTITY_HMAC_KEY: '0123456789abcdef-hmac',
} as const;

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected a ConfigError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig: valid environments', () => {
  test('applies every default when only the required variables are set', () => {
    expect(loadConfig({ ...VALID })).toEqual({
      DATABASE_URL: VALID.DATABASE_URL,
      IDENTITY_HMAC_KEY: VALID.IDENTITY_HMAC_KEY,
      DATABASE_POOL_MAX: 10,
      TEMPORAL_ADDRESS: 'localhost:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'lead-routing',
      TEMPORAL_UI_URL: 'http://localhost:8233',
      PORT: 3000,
      HOST: '0.0.0.0',
      // A request whose body stops arriving is answered 408 after this long (slow-body clients).
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      LOG_LEVEL: 'info',
      ROUTING_LOCK_STALE_SECONDS: 300,
      LEAD_TTL_DAYS: 90,
      DEFAULT_PHONE_COUNTRY: 'US',
      // 6,000/min admits the monitoring spec's 100 leads/s spike from one partner (issue 7, item 9).
      RATE_LIMIT_PER_MINUTE: 6000,
      AUTH_FAILURES_PER_MINUTE: 30,
      // The gateway's source-key cache (issue 10): 5 s, the longest a change is unseen by another replica.
      AUTH_CACHE_TTL_MS: 5_000,
      DEDUPE_WINDOW_DAYS: 30,
      DEDUPE_PLACEHOLDER_EMAILS: DEFAULT_PLACEHOLDER_EMAILS,
      DEDUPE_PLACEHOLDER_PHONES: DEFAULT_PLACEHOLDER_PHONES,
      DELIVERY_TIMEOUT_MS: 10_000,
      // Admission control (issue 10): 48 in flight, the load test's sweet spot at 50 leads/s (README "Load test").
      ADMISSION_MAX_IN_FLIGHT: 48,
      ADMISSION_IN_FLIGHT_SECONDS: 60,
      ADMISSION_POLL_MS: 250,
      ADMISSION_START_TIMEOUT_MS: 3_000,
      ADMISSION_STARTER: true,
      // The workflow sandbox's debugging aids, off (issue 10 profile: workers/workflowSandbox.ts).
      WORKFLOW_DEADLOCK_TIMEOUT_MS: 0,
      WORKFLOW_STACK_TRACES: false,
      DD_AGENT_HOST: 'localhost',
      DD_DOGSTATSD_PORT: 8125,
      METRICS_ENABLED: true,
      MAINTENANCE_SCHEDULES: true,
      MAINTENANCE_TIMEZONE: 'UTC',
      RETRY_QUEUE_BATCH_SIZE: 500,
      ROUTING_MAX_ATTEMPTS: 10,
      ROUTING_RETRY_BASE_SECONDS: 30,
      ROUTING_RETRY_MAX_SECONDS: 3600,
      ALERT_PAGERDUTY_EVENTS_URL: 'https://events.pagerduty.com/v2/enqueue',
      ALERT_RENOTIFY_MINUTES: 60,
      RUNBOOK_BASE_URL: 'https://github.com/lead-router/lead-router/blob/main/docs/runbooks',
    });
  });

  test('optional variables without a default stay undefined', () => {
    const config = loadConfig({ ...VALID });
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.TEMPORAL_API_KEY).toBeUndefined();
    expect(config.TEMPORAL_TLS).toBeUndefined();
  });

  test('coerces numeric strings to numbers', () => {
    const config = loadConfig({
      ...VALID,
      PORT: '8080',
      DATABASE_POOL_MAX: '25',
      ROUTING_LOCK_STALE_SECONDS: '60',
      LEAD_TTL_DAYS: '30',
      RATE_LIMIT_PER_MINUTE: '1200',
    });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_POOL_MAX).toBe(25);
    expect(config.ROUTING_LOCK_STALE_SECONDS).toBe(60);
    expect(config.LEAD_TTL_DAYS).toBe(30);
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(1200);
  });

  test.each<[string, number]>([
    ['0', 0],
    ['65535', 65535],
  ])('PORT=%s is accepted (boundary)', (value, expected) => {
    expect(loadConfig({ ...VALID, PORT: value }).PORT).toBe(expected);
  });

  test.each<[string, number]>([
    ['0', 0],
    ['300', 300],
    ['60000', 60_000],
  ])('AUTH_CACHE_TTL_MS=%s is accepted (0: the source-key cache is off)', (value, expected) => {
    expect(loadConfig({ ...VALID, AUTH_CACHE_TTL_MS: value }).AUTH_CACHE_TTL_MS).toBe(expected);
  });

  test.each<[string, boolean]>([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('TEMPORAL_TLS=%s is %s', (value, expected) => {
    expect(loadConfig({ ...VALID, TEMPORAL_TLS: value }).TEMPORAL_TLS).toBe(expected);
  });

  test('accepts postgresql:// as well as postgres://', () => {
    expect(loadConfig({ ...VALID, DATABASE_URL: 'postgresql://u:p@h:5432/d' }).DATABASE_URL).toBe('postgresql://u:p@h:5432/d');
  });

  test('keeps explicit values', () => {
    const config = loadConfig({
      ...VALID,
      ADMIN_TOKEN: 'a'.repeat(16),
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_API_KEY: 'tk',
      LOG_LEVEL: 'debug',
      DEFAULT_PHONE_COUNTRY: 'GB',
      TEMPORAL_UI_URL: 'https://cloud.temporal.io/namespaces/x',
    });
    expect(config).toMatchObject({
      ADMIN_TOKEN: 'a'.repeat(16),
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_API_KEY: 'tk',
      LOG_LEVEL: 'debug',
      DEFAULT_PHONE_COUNTRY: 'GB',
      TEMPORAL_UI_URL: 'https://cloud.temporal.io/namespaces/x',
    });
  });

  test('empty strings are treated as unset: defaults apply and optional values are absent', () => {
    const config = loadConfig({
      ...VALID,
      PORT: '',
      DATABASE_POOL_MAX: '',
      TEMPORAL_ADDRESS: '',
      LOG_LEVEL: '',
      DEFAULT_PHONE_COUNTRY: '',
      // would be invalid if read as a value (too short / not a boolean / not a URL)
      ADMIN_TOKEN: '',
      TEMPORAL_TLS: '',
      TEMPORAL_API_KEY: '',
      TEMPORAL_UI_URL: '',
    });
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_POOL_MAX).toBe(10);
    expect(config.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DEFAULT_PHONE_COUNTRY).toBe('US');
    expect(config.TEMPORAL_UI_URL).toBe('http://localhost:8233');
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.TEMPORAL_TLS).toBeUndefined();
    expect(config.TEMPORAL_API_KEY).toBeUndefined();
  });

  test('unrelated environment variables are not copied into the config', () => {
    const config = loadConfig({ ...VALID, PATH: '/usr/bin', SECRET_THING: 'x' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('SECRET_THING');
  });
});

describe('loadConfig: bad values name the variable', () => {
  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['DATABASE_URL missing', { IDENTITY_HMAC_KEY: VALID.IDENTITY_HMAC_KEY }, 'DATABASE_URL'],
    ['DATABASE_URL empty', { ...VALID, DATABASE_URL: '' }, 'DATABASE_URL'],
    ['DATABASE_URL mysql', { ...VALID, DATABASE_URL: 'mysql://u:p@h/d' }, 'DATABASE_URL'],
    ['DATABASE_URL not a URL', { ...VALID, DATABASE_URL: 'localhost:5432' }, 'DATABASE_URL'],
    ['DATABASE_URL with the scheme not at the start', { ...VALID, DATABASE_URL: 'jdbc:postgres://h/d' }, 'DATABASE_URL'],
    ['PORT above 65535', { ...VALID, PORT: '70000' }, 'PORT'],
    ['PORT negative', { ...VALID, PORT: '-1' }, 'PORT'],
    ['PORT not a number', { ...VALID, PORT: 'http' }, 'PORT'],
    ['PORT fractional', { ...VALID, PORT: '80.5' }, 'PORT'],
    ['ADMIN_TOKEN too short', { ...VALID, ADMIN_TOKEN: 'a'.repeat(15) }, 'ADMIN_TOKEN'],
    ['IDENTITY_HMAC_KEY missing', { DATABASE_URL: VALID.DATABASE_URL }, 'IDENTITY_HMAC_KEY'],
    ['IDENTITY_HMAC_KEY empty', { ...VALID, IDENTITY_HMAC_KEY: '' }, 'IDENTITY_HMAC_KEY'],
    ['IDENTITY_HMAC_KEY too short', { ...VALID, IDENTITY_HMAC_KEY: 'short' }, 'IDENTITY_HMAC_KEY'],
    ['TEMPORAL_TLS yes', { ...VALID, TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS'],
    ['ADMISSION_MAX_IN_FLIGHT zero', { ...VALID, ADMISSION_MAX_IN_FLIGHT: '0' }, 'ADMISSION_MAX_IN_FLIGHT'],
    ['ADMISSION_MAX_IN_FLIGHT not a number', { ...VALID, ADMISSION_MAX_IN_FLIGHT: 'lots' }, 'ADMISSION_MAX_IN_FLIGHT'],
    ['ADMISSION_POLL_MS below 10', { ...VALID, ADMISSION_POLL_MS: '5' }, 'ADMISSION_POLL_MS'],
    // Found by review: 3e9 passed and overflowed the claim's ::integer cast; 1e12 s made every claim's timestamp out of range.
    ['ADMISSION_MAX_IN_FLIGHT above 10,000', { ...VALID, ADMISSION_MAX_IN_FLIGHT: '3000000000' }, 'ADMISSION_MAX_IN_FLIGHT'],
    ['ADMISSION_IN_FLIGHT_SECONDS above a day', { ...VALID, ADMISSION_IN_FLIGHT_SECONDS: '1000000000000' }, 'ADMISSION_IN_FLIGHT_SECONDS'],
    // A lead at a slow buyer would stop counting as in flight while still delivering.
    ['ADMISSION_IN_FLIGHT_SECONDS not above the delivery timeout', { ...VALID, DELIVERY_TIMEOUT_MS: '120000', ADMISSION_IN_FLIGHT_SECONDS: '60' }, 'ADMISSION_IN_FLIGHT_SECONDS'],
    ['ADMISSION_STARTER maybe', { ...VALID, ADMISSION_STARTER: 'maybe' }, 'ADMISSION_STARTER'],
    ['WORKFLOW_DEADLOCK_TIMEOUT_MS negative', { ...VALID, WORKFLOW_DEADLOCK_TIMEOUT_MS: '-1' }, 'WORKFLOW_DEADLOCK_TIMEOUT_MS'],
    // Node's vm rejects timeouts above 2^32 - 1 ms at the first workflow task: caught at start instead.
    ['WORKFLOW_DEADLOCK_TIMEOUT_MS above Node\'s largest timeout', { ...VALID, WORKFLOW_DEADLOCK_TIMEOUT_MS: '4294967296' }, 'WORKFLOW_DEADLOCK_TIMEOUT_MS'],
    ['WORKFLOW_STACK_TRACES yes', { ...VALID, WORKFLOW_STACK_TRACES: 'yes' }, 'WORKFLOW_STACK_TRACES'],
    ['WORKER_WORKFLOW_TASK_SLOTS below 2', { ...VALID, WORKER_WORKFLOW_TASK_SLOTS: '1' }, 'WORKER_WORKFLOW_TASK_SLOTS'],
    ['TEMPORAL_TLS on', { ...VALID, TEMPORAL_TLS: 'on' }, 'TEMPORAL_TLS'],
    ['DEFAULT_PHONE_COUNTRY lowercase', { ...VALID, DEFAULT_PHONE_COUNTRY: 'us' }, 'DEFAULT_PHONE_COUNTRY'],
    ['DEFAULT_PHONE_COUNTRY alpha-3', { ...VALID, DEFAULT_PHONE_COUNTRY: 'USA' }, 'DEFAULT_PHONE_COUNTRY'],
    ['LOG_LEVEL unknown', { ...VALID, LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    ['DATABASE_POOL_MAX zero', { ...VALID, DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    ['LEAD_TTL_DAYS negative', { ...VALID, LEAD_TTL_DAYS: '-30' }, 'LEAD_TTL_DAYS'],
    ['ROUTING_LOCK_STALE_SECONDS not a number', { ...VALID, ROUTING_LOCK_STALE_SECONDS: 'five' }, 'ROUTING_LOCK_STALE_SECONDS'],
    ['RATE_LIMIT_PER_MINUTE fractional', { ...VALID, RATE_LIMIT_PER_MINUTE: '1.5' }, 'RATE_LIMIT_PER_MINUTE'],
    ['AUTH_CACHE_TTL_MS negative', { ...VALID, AUTH_CACHE_TTL_MS: '-1' }, 'AUTH_CACHE_TTL_MS'],
    ['AUTH_CACHE_TTL_MS fractional', { ...VALID, AUTH_CACHE_TTL_MS: '2.5' }, 'AUTH_CACHE_TTL_MS'],
    ['AUTH_CACHE_TTL_MS not a number', { ...VALID, AUTH_CACHE_TTL_MS: '5s' }, 'AUTH_CACHE_TTL_MS'],
    // A disabled source would keep working on the other gateway processes for this long.
    ['AUTH_CACHE_TTL_MS above a minute', { ...VALID, AUTH_CACHE_TTL_MS: '3600000' }, 'AUTH_CACHE_TTL_MS'],
    ['DD_DOGSTATSD_PORT out of range', { ...VALID, DD_DOGSTATSD_PORT: '70000' }, 'DD_DOGSTATSD_PORT'],
    ['DD_ENV not a tag value', { ...VALID, DD_ENV: 'prod env' }, 'DD_ENV'],
    ['DD_VERSION with semver build metadata', { ...VALID, DD_VERSION: '1.2.3+build.5' }, 'DD_VERSION'],
    ['DD_VERSION longer than 100 characters', { ...VALID, DD_VERSION: 'v'.repeat(101) }, 'DD_VERSION'],
    ['METRICS_ENABLED not a boolean', { ...VALID, METRICS_ENABLED: 'yes' }, 'METRICS_ENABLED'],
    ['TEMPORAL_PROMETHEUS_BIND_ADDRESS without a port', { ...VALID, TEMPORAL_PROMETHEUS_BIND_ADDRESS: '0.0.0.0' }, 'TEMPORAL_PROMETHEUS_BIND_ADDRESS'],
    ['TEMPORAL_UI_URL not a URL', { ...VALID, TEMPORAL_UI_URL: 'not a url' }, 'TEMPORAL_UI_URL'],
    ['DEDUPE_PLACEHOLDER_EMAILS entry without @', { ...VALID, DEDUPE_PLACEHOLDER_EMAILS: 'test.com' }, 'DEDUPE_PLACEHOLDER_EMAILS'],
    ['DEDUPE_PLACEHOLDER_EMAILS removing a non-default', { ...VALID, DEDUPE_PLACEHOLDER_EMAILS: '-@gmail.com' }, 'DEDUPE_PLACEHOLDER_EMAILS'],
    ['DEDUPE_PLACEHOLDER_PHONES national format', { ...VALID, DEDUPE_PLACEHOLDER_PHONES: '555-555-5555' }, 'DEDUPE_PLACEHOLDER_PHONES'],
    ['DEDUPE_PLACEHOLDER_PHONES several bad entries', { ...VALID, DEDUPE_PLACEHOLDER_PHONES: '+1???55501??,x,+1 415' }, 'DEDUPE_PLACEHOLDER_PHONES'],
    ['ALERT_SLACK_WEBHOOK_URL not a URL', { ...VALID, ALERT_SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T/B/x' }, 'ALERT_SLACK_WEBHOOK_URL'],
    ['ALERT_SLACK_WEBHOOK_URL not http(s)', { ...VALID, ALERT_SLACK_WEBHOOK_URL: 'ftp://hooks.slack.com/services/T/B/x' }, 'ALERT_SLACK_WEBHOOK_URL'],
    ['ALERT_PAGERDUTY_ROUTING_KEY with spaces', { ...VALID, ALERT_PAGERDUTY_ROUTING_KEY: 'abc def ghi' }, 'ALERT_PAGERDUTY_ROUTING_KEY'],
    ['ALERT_PAGERDUTY_ROUTING_KEY too short', { ...VALID, ALERT_PAGERDUTY_ROUTING_KEY: 'abc' }, 'ALERT_PAGERDUTY_ROUTING_KEY'],
    ['ALERT_PAGERDUTY_EVENTS_URL not a URL', { ...VALID, ALERT_PAGERDUTY_EVENTS_URL: 'events.pagerduty.com' }, 'ALERT_PAGERDUTY_EVENTS_URL'],
    ['ALERT_RENOTIFY_MINUTES zero', { ...VALID, ALERT_RENOTIFY_MINUTES: '0' }, 'ALERT_RENOTIFY_MINUTES'],
    ['RUNBOOK_BASE_URL relative', { ...VALID, RUNBOOK_BASE_URL: 'docs/runbooks' }, 'RUNBOOK_BASE_URL'],
  ])('%s', (_name, env, variable) => {
    const err = configError(env);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    // exactly one problem, and it is about this variable
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^${variable}(: \\S| is required)`));
    expect(err.message).toContain(variable);
  });

  test('Datadog tag values: slashes are kept (release/2026-11), a character Datadog would replace is refused with the value it would store', () => {
    for (const value of ['release/2026-11', '1.2.3', 'a1b2c3d', 'env:prod-eu_1']) {
      expect(loadConfig({ ...VALID, DD_VERSION: value, DD_ENV: value })).toMatchObject({ DD_VERSION: value, DD_ENV: value });
    }
    expect(configError({ ...VALID, DD_VERSION: '1.2.3+build.5' }).problems[0]).toBe(
      'DD_VERSION: must be a Datadog tag value (1-100 letters, digits, _ - : . /): Datadog would store it as "1.2.3_build.5", write that',
    );
  });

  test('the message explains what is expected, not only which variable', () => {
    expect(configError({ ...VALID, AUTH_CACHE_TTL_MS: '5s' }).problems[0]).toMatch(/^AUTH_CACHE_TTL_MS: must be a whole number of milliseconds/);
    expect(configError({ ...VALID, AUTH_CACHE_TTL_MS: '600000' }).problems[0]).toContain('at most 60000');
    expect(configError({ ...VALID, ADMIN_TOKEN: 'short' }).problems[0]).toContain('at least 16 characters');
    expect(configError({ ...VALID, TEMPORAL_TLS: 'yes' }).problems[0]).toContain('true or false');
    expect(configError({ ...VALID, DATABASE_URL: 'mysql://x' }).problems[0]).toContain('postgres://');
  });

  test('a bad secret is reported by name without echoing its value', () => {
    // the HMAC key is a secret: a too-short one must be reported without printing it
    const err = configError({ ...VALID, IDENTITY_HMAC_KEY: 'tiny-secret' });
    expect(err.message).toContain('IDENTITY_HMAC_KEY');
    expect(err.message).not.toContain('tiny-secret');
  });

  test('alert notifier secrets are reported by name without echoing their value', () => {
    const err = configError({ ...VALID, ALERT_SLACK_WEBHOOK_URL: 'ftp://hooks.slack.com/services/T0/B0/SLACKSECRET', ALERT_PAGERDUTY_ROUTING_KEY: 'PD SECRET KEY' });
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['ALERT_PAGERDUTY_ROUTING_KEY', 'ALERT_SLACK_WEBHOOK_URL']);
    expect(err.message).not.toMatch(/SLACKSECRET|PD SECRET KEY/);
  });

  test('alert notifier settings: set values are kept, http allowed for local capture servers', () => {
    const config = loadConfig({ ...VALID, ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x', ALERT_PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0123456789abcdef012345', ALERT_PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9999/v2/enqueue', ALERT_RENOTIFY_MINUTES: '15', RUNBOOK_BASE_URL: 'https://wiki.example.com/runbooks/' });
    expect(config).toMatchObject({ ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x', ALERT_PAGERDUTY_ROUTING_KEY: 'R0UTINGKEY0123456789abcdef012345', ALERT_PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9999/v2/enqueue', ALERT_RENOTIFY_MINUTES: 15, RUNBOOK_BASE_URL: 'https://wiki.example.com/runbooks/' });
  });

  test('reports every problem together, one per variable', () => {
    const err = configError({
      DATABASE_URL: 'mysql://u:p@h/d',
      PORT: '70000',
      ADMIN_TOKEN: 'short',
      TEMPORAL_TLS: 'maybe',
      DEFAULT_PHONE_COUNTRY: 'gb',
    });
    const named = err.problems.map((p) => p.split(/:| /)[0]).sort();
    expect(named).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'DEFAULT_PHONE_COUNTRY', 'IDENTITY_HMAC_KEY', 'PORT', 'TEMPORAL_TLS']);
    for (const variable of named) expect(err.message).toContain(variable);
  });
});

describe('loadConfig: dedupe placeholder lists', () => {
  test('entries extend the built-in defaults; -entry removes a default', () => {
    const config = loadConfig({
      ...VALID,
      DEDUPE_PLACEHOLDER_EMAILS: '@Mailinator.com, -na@',
      DEDUPE_PLACEHOLDER_PHONES: '+1???5551234,-sequential',
    });
    expect(config.DEDUPE_PLACEHOLDER_EMAILS).toEqual([...DEFAULT_PLACEHOLDER_EMAILS.filter((e) => e !== 'na@'), '@mailinator.com']);
    expect(config.DEDUPE_PLACEHOLDER_PHONES).toEqual([...DEFAULT_PLACEHOLDER_PHONES.filter((p) => p !== 'sequential'), '+1???5551234']);
  });

  test('empty means the defaults', () => {
    const config = loadConfig({ ...VALID, DEDUPE_PLACEHOLDER_EMAILS: '', DEDUPE_PLACEHOLDER_PHONES: ' ' });
    expect(config.DEDUPE_PLACEHOLDER_EMAILS).toEqual(DEFAULT_PLACEHOLDER_EMAILS);
    expect(config.DEDUPE_PLACEHOLDER_PHONES).toEqual(DEFAULT_PLACEHOLDER_PHONES);
  });

  test('a bad entry is named, with the shapes that are accepted', () => {
    const [problem] = configError({ ...VALID, DEDUPE_PLACEHOLDER_PHONES: '555-555-5555,+1???55501??,(000) 000-0000' }).problems;
    expect(problem).toMatch(/^DEDUPE_PLACEHOLDER_PHONES: "555-555-5555" is not a phone placeholder \(an E\.164 pattern/);
    expect(problem).toContain('"(000) 000-0000" is not a phone placeholder');
    expect(problem).not.toContain('"+1???55501??"');
    expect(configError({ ...VALID, DEDUPE_PLACEHOLDER_EMAILS: 'test.com' }).problems[0]).toBe(
      'DEDUPE_PLACEHOLDER_EMAILS: "test.com" is not an email placeholder (@domain, local@ or local@domain)',
    );
    expect(configError({ ...VALID, DEDUPE_PLACEHOLDER_EMAILS: '-@gmail.com' }).problems[0]).toBe(
      'DEDUPE_PLACEHOLDER_EMAILS: "-@gmail.com" removes nothing: @gmail.com is not a built-in default',
    );
  });
});
