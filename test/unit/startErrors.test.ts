import { ConfigError } from '../../lib/config';
import { listenError, temporalStartError } from '../../lib/startErrors';

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
