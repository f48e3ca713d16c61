import { ConfigError } from '../../lib/config';
import { databaseStartError, databaseUrlOptionProblem, listenError, prometheusBindError, temporalConnectError, temporalStartError, unresolvedTemporalHost, withoutPassword } from '../../lib/startErrors';

const sysError = (code: string, message: string) => Object.assign(new Error(message), { code });
const problemsOf = (err: unknown) => (err instanceof ConfigError ? err.problems : err);

describe('listenError names the setting behind a failed listen()', () => {
  test.each<[string, RegExp]>([
    ['ENOTFOUND', /^HOST: nonexistent\.invalid cannot be resolved to an address \(getaddrinfo/],
    ['EAI_AGAIN', /^HOST: nonexistent\.invalid cannot be resolved/],
    ['EADDRNOTAVAIL', /^HOST: nonexistent\.invalid is not an address of this machine/],
    ['EADDRINUSE', /^PORT: 3000 is already in use on HOST nonexistent\.invalid/],
    ['EACCES', /^PORT: 3000 needs privileges/],
  ])('%s', (code, message) => {
    expect(problemsOf(listenError(sysError(code, `getaddrinfo ${code} x`), { host: 'nonexistent.invalid', port: 3000 }))).toEqual([expect.stringMatching(message)]);
  });
  test('an error no setting explains is returned unchanged', () => {
    const err = sysError('EMFILE', 'too many open files');
    expect(listenError(err, { host: '0.0.0.0', port: 3000 })).toBe(err);
  });
});

describe('temporalStartError names TEMPORAL_NAMESPACE / TEMPORAL_ADDRESS', () => {
  const settings = { address: 'temporal:7233', namespace: 'does-not-exist' };
  test('an unknown namespace', () => {
    expect(problemsOf(temporalStartError(new Error('Namespace does-not-exist is not found.'), settings))).toEqual([
      expect.stringMatching(/^TEMPORAL_NAMESPACE: "does-not-exist" does not exist on the Temporal server at temporal:7233/),
    ]);
  });
  test('a failed connect names the address; other errors pass unchanged', () => {
    expect(problemsOf(temporalStartError(new Error('transport error'), settings, true))).toEqual(['TEMPORAL_ADDRESS: cannot connect to temporal:7233 (transport error)']);
    const other = new Error('boom');
    expect(temporalStartError(other, settings)).toBe(other);
  });
});

// Session 11's newcomer walk: the worker printed the SDK's raw `tonic::transport::Error(… "dns error" …)` for a
// TEMPORAL_ADDRESS host that does not exist; every entry point now says it in the words `npm run schedules` uses.
describe('temporalConnectError says when TEMPORAL_ADDRESS\'s host does not exist (DNS), without the SDK\'s text', () => {
  const problem = 'TEMPORAL_ADDRESS: the host "nohost.invalid" does not exist (no DNS address); expected host:port of the Temporal frontend, e.g. localhost:7233';
  const tonic = new Error('tonic::transport::Error(Transport, ConnectError(ConnectError("dns error", Custom { kind: Uncategorized, error: "failed to lookup address information" })))');
  test('a host DNS does not know: one problem, naming TEMPORAL_ADDRESS, no raw text', async () => {
    const err = await temporalConnectError(tonic, { address: 'nohost.invalid:7233', namespace: 'default' });
    expect({ problems: problemsOf(err), message: (err as Error).message }).toEqual({ problems: [problem], message: `invalid configuration: ${problem}` });
    expect(problemsOf(await unresolvedTemporalHost('nohost.invalid:7233'))).toEqual([problem]);
  });
  test('an IP address or a host that resolves: not blamed; a failed connect names the address as before', async () => {
    expect(await unresolvedTemporalHost('127.0.0.1:1')).toBeUndefined();
    expect(await unresolvedTemporalHost('localhost:1')).toBeUndefined();
    const refused = new Error('Connection refused');
    expect(problemsOf(await temporalConnectError(refused, { address: '127.0.0.1:1', namespace: 'default' }))).toEqual(['TEMPORAL_ADDRESS: cannot connect to 127.0.0.1:1 (Connection refused)']);
  });
});

describe('a ConfigError\'s message is one line per problem, each naming its variable', () => {
  test('as the processes print it (it was a header line, then the problems indented below)', () => {
    expect(new ConfigError(['PORT: must be a whole number', 'LOG_LEVEL: must be one of …']).message).toBe('invalid configuration: PORT: must be a whole number\ninvalid configuration: LOG_LEVEL: must be one of …');
  });
});

describe('databaseStartError names DATABASE_URL for what no wait fixes, never with the password', () => {
  const url = 'postgres://app:s3cr%40t@db:5432/leads';
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
  test.each<[string, Error, RegExp]>([
    ['3D000', pgError('3D000', 'database "leads" does not exist'), /^DATABASE_URL: the database does not exist \(database "leads" does not exist\)$/],
    ['28P01', pgError('28P01', 'password authentication failed for user "app"'), /^DATABASE_URL: the password is wrong/],
    ['28000', pgError('28000', 'role "app" does not exist'), /^DATABASE_URL: the server refuses this user/],
    ['42501', pgError('42501', 'permission denied for database "leads"'), /^DATABASE_URL: the user may not connect/],
    ['no TLS on the server', new Error('The server does not support SSL connections'), /^DATABASE_URL: the TLS it asks for/],
    ['a certificate refused', pgError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), /^DATABASE_URL: the TLS it asks for/],
    ['a message that repeats the password', pgError('28P01', 'bad password s3cr@t and s3cr%40t'), /^DATABASE_URL: the password is wrong \(bad password \*\*\* and \*\*\*\)$/],
  ])('%s', (_what, err, message) => {
    expect(problemsOf(databaseStartError(err, url))).toEqual([expect.stringMatching(message)]);
  });
  test.each<[string, Error]>([
    ['refused (compose order)', pgError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.2:5432')],
    ['starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['too many connections (53300)', pgError('53300', 'sorry, too many clients already')],
    ['a bug', new Error('boom')],
  ])('%s is returned unchanged', (_what, err) => {
    expect(databaseStartError(err, url)).toBe(err);
  });
  test('withoutPassword leaves text alone for a URL without one', () => {
    expect(withoutPassword('x', 'postgres://app@db/leads')).toBe('x');
  });
});

test.each<[string, string | undefined]>([
  ['postgres://db/leads', undefined],
  ['postgres://db/leads?sslmode=verify-full', undefined],
  ['postgres://db/leads?sslmode=disable', undefined],
  ['postgres://db/leads?sslmode=allow', undefined], // libpq's; pg reads it as TLS
  ['postgres://db/leads?sslmode=bogus', 'DATABASE_URL: sslmode=bogus is not one of disable, allow, prefer, require, verify-ca, verify-full, no-verify'],
  ['postgres://db/leads?sslmode=', 'DATABASE_URL: sslmode= is not one of disable, allow, prefer, require, verify-ca, verify-full, no-verify'],
])('databaseUrlOptionProblem(%s)', (url, problem) => {
  expect(databaseUrlOptionProblem(url)).toBe(problem);
});

describe('prometheusBindError names TEMPORAL_PROMETHEUS_BIND_ADDRESS', () => {
  test('a port in use', () => {
    const err = new Error('Failed to start prometheus metrics exporter: Address already in use (os error 98)');
    expect(problemsOf(prometheusBindError(err, '0.0.0.0:9464'))).toEqual([
      'TEMPORAL_PROMETHEUS_BIND_ADDRESS: 0.0.0.0:9464 is already in use (Failed to start prometheus metrics exporter: Address already in use (os error 98))',
    ]);
  });
  test('other errors, or no endpoint configured, pass unchanged', () => {
    const other = new Error('Runtime is already installed');
    expect(prometheusBindError(other, '0.0.0.0:9464')).toBe(other);
    const prom = new Error('Failed to start prometheus metrics exporter: Address already in use');
    expect(prometheusBindError(prom, undefined)).toBe(prom);
  });
});
