// Values that used to pass lib/config.ts and then failed later with an unrelated error (or silently did the
// wrong thing): each must now stop start-up with one problem naming the variable.
import { loadConfig } from '../../lib/config';
import { configProblems, VALID_ENV } from '../support/configProblems';

const VALID = VALID_ENV;
const problems = configProblems;

/** Every variable read as a whole number: hex, exponent, fraction, padding and signs are refused by name. */
const INTEGER_VARIABLES = [
  'DATABASE_POOL_MAX', 'PORT', 'HTTP_REQUEST_TIMEOUT_MS', 'ROUTING_LOCK_STALE_SECONDS', 'LEAD_TTL_DAYS', 'RATE_LIMIT_PER_MINUTE',
  'AUTH_FAILURES_PER_MINUTE', 'AUTH_CACHE_TTL_MS', 'DEDUPE_WINDOW_DAYS', 'ROUTING_MAX_ATTEMPTS', 'RETRY_QUEUE_BATCH_SIZE',
  'DD_DOGSTATSD_PORT', 'ALERT_RENOTIFY_MINUTES', 'DELIVERY_TIMEOUT_MS', 'ADMISSION_MAX_IN_FLIGHT', 'ADMISSION_IN_FLIGHT_SECONDS',
  'ADMISSION_POLL_MS', 'ADMISSION_START_TIMEOUT_MS', 'WORKER_WORKFLOW_TASK_SLOTS', 'WORKER_LOCAL_ACTIVITY_SLOTS',
  'WORKER_MAX_CACHED_WORKFLOWS', 'WORKFLOW_DEADLOCK_TIMEOUT_MS',
];

describe('integers are plain decimal digits, for every integer variable', () => {
  // 0x50 is 80 and 1e2 is 100 to Number(): accepted before, and nobody means them in an env file.
  test.each(INTEGER_VARIABLES.flatMap((name) => ['0x50', '1e2', '0b11', '1_000', '12abc'].map((value) => [name, value] as const)))('%s=%s', (name, value) => {
    const found = problems({ ...VALID, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}: must be a whole number`));
  });

  test('plain digits still work, and a value beyond JavaScript\'s safe integers is out of range', () => {
    expect(loadConfig({ ...VALID, PORT: '80', DATABASE_POOL_MAX: '100' })).toMatchObject({ PORT: 80, DATABASE_POOL_MAX: 100 });
    expect(problems({ ...VALID, RATE_LIMIT_PER_MINUTE: '99999999999999999999' })[0]).toMatch(/^RATE_LIMIT_PER_MINUTE: must be at most/);
  });

  test.each(['ROUTING_RETRY_BASE_SECONDS', 'ROUTING_RETRY_MAX_SECONDS'])('%s takes decimal seconds (0.5) but not 1e2 or 0x10', (name) => {
    expect(loadConfig({ ...VALID, ROUTING_RETRY_BASE_SECONDS: '0.5', ROUTING_RETRY_MAX_SECONDS: '60' })).toMatchObject({ ROUTING_RETRY_BASE_SECONDS: 0.5 });
    for (const value of ['1e2', '0x10', '-5', 'Infinity']) expect(problems({ ...VALID, [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });
});

describe('values that started and then failed elsewhere fail at config, naming the variable', () => {
  test.each<[string, NodeJS.ProcessEnv, RegExp]>([
    // pg read no host as 127.0.0.1:5432: the process started against the wrong (or no) database.
    ['DATABASE_URL without a host', { DATABASE_URL: 'postgres://' }, /^DATABASE_URL: must name a host/],
    ['DATABASE_URL with only credentials', { DATABASE_URL: 'postgres://u:p@/db' }, /^DATABASE_URL: must (name a host|be a valid postgres:\/\/ URL)/],
    ['DATABASE_URL with a port out of range', { DATABASE_URL: 'postgres://u:p@h:99999/db' }, /^DATABASE_URL: must be a valid postgres:\/\/ URL/],
    // Passed the shape check; the phone parser then threw at the first lead.
    ['DEFAULT_PHONE_COUNTRY=ZZ', { DEFAULT_PHONE_COUNTRY: 'ZZ' }, /^DEFAULT_PHONE_COUNTRY: must be a country libphonenumber has a numbering plan for/],
    // Became ['garbage'], which Fastify's proxy-addr refused with its own error at start.
    ['TRUST_PROXY=garbage', { TRUST_PROXY: 'garbage' }, /^TRUST_PROXY: must be true, false, a hop count, or comma-separated IP addresses \/ CIDRs \(not: "garbage"\)/],
    ['TRUST_PROXY with a bad CIDR', { TRUST_PROXY: '10.0.0.0/8, 10.1.0.0/33' }, /^TRUST_PROXY: .*"10\.1\.0\.0\/33"/],
    ['TEMPORAL_ADDRESS=::::', { TEMPORAL_ADDRESS: '::::' }, /^TEMPORAL_ADDRESS: must be host:port/],
    ['TEMPORAL_ADDRESS with a port out of range', { TEMPORAL_ADDRESS: 'temporal:70000' }, /^TEMPORAL_ADDRESS: must be host:port/],
    ['TEMPORAL_PROMETHEUS_BIND_ADDRESS port 99999', { TEMPORAL_PROMETHEUS_BIND_ADDRESS: '0.0.0.0:99999' }, /^TEMPORAL_PROMETHEUS_BIND_ADDRESS: must be ip:port with a port 1-65535/],
    ['TEMPORAL_PROMETHEUS_BIND_ADDRESS a host name (the SDK binds an IP)', { TEMPORAL_PROMETHEUS_BIND_ADDRESS: 'metrics:9464' }, /^TEMPORAL_PROMETHEUS_BIND_ADDRESS: /],
    ['HOST=999.1.1.1', { HOST: '999.1.1.1' }, /^HOST: must be an IP address or a host name/],
    ['HOST with a space', { HOST: 'my host' }, /^HOST: /],
    ['DD_AGENT_HOST=999.1.1.1', { DD_AGENT_HOST: '999.1.1.1' }, /^DD_AGENT_HOST: /],
    ['PORT=0x50', { PORT: '0x50' }, /^PORT: must be a whole number/],
    ['DATABASE_POOL_MAX=1e2', { DATABASE_POOL_MAX: '1e2' }, /^DATABASE_POOL_MAX: must be a whole number/],
    ['HTTP_REQUEST_TIMEOUT_MS=0 (Node: no timeout at all)', { HTTP_REQUEST_TIMEOUT_MS: '0' }, /^HTTP_REQUEST_TIMEOUT_MS: must be at least 1000/],
    // Intl accepts offsets; the Temporal schedule refused one at worker start, and the error was then lost.
    ['MAINTENANCE_TIMEZONE=+05:30', { MAINTENANCE_TIMEZONE: '+05:30' }, /^MAINTENANCE_TIMEZONE: must be an IANA time zone name/],
    ['MAINTENANCE_TIMEZONE=-0800', { MAINTENANCE_TIMEZONE: '-0800' }, /^MAINTENANCE_TIMEZONE: /],
    ['MAINTENANCE_TIMEZONE unknown zone', { MAINTENANCE_TIMEZONE: 'Mars/Olympus' }, /^MAINTENANCE_TIMEZONE: /],
  ])('%s', (_name, env, message) => {
    const found = problems({ ...VALID, ...env });
    expect(found).toEqual([expect.stringMatching(message)]);
  });

  test('DATABASE_URL problems never repeat the value (it carries a password)', () => {
    expect(problems({ ...VALID, DATABASE_URL: 'postgres://u:hunter2secret@h:99999/db' }).join()).not.toContain('hunter2secret');
  });

  test.each<[string, string]>([
    ['MAINTENANCE_TIMEZONE', 'America/New_York'],
    ['MAINTENANCE_TIMEZONE', 'Etc/GMT+5'],
    ['MAINTENANCE_TIMEZONE', 'UTC'],
    ['TEMPORAL_ADDRESS', 'temporal'],
    ['TEMPORAL_ADDRESS', 'ns.acct.tmprl.cloud:7233'],
    ['TEMPORAL_ADDRESS', '[::1]:7233'],
    ['TEMPORAL_ADDRESS', '127.0.0.1:7233'],
    ['TEMPORAL_PROMETHEUS_BIND_ADDRESS', '0.0.0.0:9464'],
    ['TEMPORAL_PROMETHEUS_BIND_ADDRESS', '[::]:9464'],
    ['HOST', '::'],
    ['HOST', 'localhost'],
    ['HOST', 'lead_router-api.internal'],
    ['DD_AGENT_HOST', 'datadog-agent'],
    ['DATABASE_URL', 'postgres:///router?host=/var/run/postgresql'],
    ['DEFAULT_PHONE_COUNTRY', 'GB'],
  ])('%s=%s is accepted', (name, value) => {
    expect(loadConfig({ ...VALID, [name]: value })[name as keyof ReturnType<typeof loadConfig>]).toBe(value);
  });

  test.each<[string, unknown]>([
    ['true', true],
    ['false', false],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.1,loopback, fd00::/8', ['10.0.0.0/8', '192.168.1.1', 'loopback', 'fd00::/8']],
  ])('TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ ...VALID, TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });
});

describe('related settings are checked together', () => {
  test('ROUTING_RETRY_BASE_SECONDS above ROUTING_RETRY_MAX_SECONDS (7200 > 3600 default)', () => {
    expect(problems({ ...VALID, ROUTING_RETRY_BASE_SECONDS: '7200' })).toEqual([expect.stringMatching(/^ROUTING_RETRY_BASE_SECONDS: must be at most ROUTING_RETRY_MAX_SECONDS \(3600\)/)]);
    expect(loadConfig({ ...VALID, ROUTING_RETRY_BASE_SECONDS: '60', ROUTING_RETRY_MAX_SECONDS: '60' }).ROUTING_RETRY_BASE_SECONDS).toBe(60);
  });

  test('WORKER_MAX_CACHED_WORKFLOWS below the workflow-task slots (the SDK would cut the slots)', () => {
    expect(problems({ ...VALID, WORKER_WORKFLOW_TASK_SLOTS: '200', WORKER_MAX_CACHED_WORKFLOWS: '10' })).toEqual([
      expect.stringMatching(/^WORKER_MAX_CACHED_WORKFLOWS: must be at least the workflow-task slots \(200/),
    ]);
    // Derived slots: 2 × 48 + 10 = 106.
    expect(problems({ ...VALID, WORKER_MAX_CACHED_WORKFLOWS: '100' })).toEqual([expect.stringMatching(/^WORKER_MAX_CACHED_WORKFLOWS: .*\(106/)]);
    // Derived cache: max(2 × 200, 100) = 400, enough.
    expect(loadConfig({ ...VALID, WORKER_WORKFLOW_TASK_SLOTS: '200' }).WORKER_WORKFLOW_TASK_SLOTS).toBe(200);
  });

  test('ROUTING_LOCK_STALE_SECONDS not longer than a delivery (the sweeper would release a lead still delivering)', () => {
    expect(problems({ ...VALID, ROUTING_LOCK_STALE_SECONDS: '15' })).toEqual([expect.stringMatching(/^ROUTING_LOCK_STALE_SECONDS: must be longer than a delivery/)]);
    expect(loadConfig({ ...VALID, ROUTING_LOCK_STALE_SECONDS: '16' }).ROUTING_LOCK_STALE_SECONDS).toBe(16);
  });
});

describe('a missing required variable says so', () => {
  test.each(['DATABASE_URL', 'IDENTITY_HMAC_KEY'])('%s is required', (name) => {
    const env: NodeJS.ProcessEnv = { ...VALID };
    delete env[name];
    const found = problems(env);
    expect(found).toEqual([expect.stringMatching(new RegExp(`^${name} is required`))]);
    expect(found[0]).not.toMatch(/expected string|received undefined/);
  });
});
