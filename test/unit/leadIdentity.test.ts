// The identity checks JSON schema cannot express (api/leadIdentity.ts): email or phone required,
// phone parsed in the lead's country (else the configured default), and only hashes come back.
import { ApiError } from '../../api/errors';
import { leadIdentityHashes } from '../../api/leadIdentity';
import type { LeadBody } from '../../api/schemas/lead';
import { identityHash } from '../../lib/identity';

const opts = { hmacKey: 'lead-identity-test-key-0123456789', defaultCountry: 'US' };
const body = (fields: Partial<LeadBody>): LeadBody => ({ externalId: 'ext-1', ...fields });

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw new Error(`expected an ApiError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected an ApiError to be thrown');
}

const fields = (e: ApiError) => (e.details ?? []).map((d) => d.field).sort();

describe('leadIdentityHashes: rejected bodies', () => {
  test('neither email nor phone: 400 naming both email and phone', () => {
    const err = apiError(() => leadIdentityHashes(body({ firstName: 'Jane', country: 'US' }), opts));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('invalid_request');
    expect(fields(err)).toEqual(['email', 'phone']);
  });

  test.each<[string, Partial<LeadBody>]>([
    ['letters', { phone: 'call me maybe' }],
    ['too short', { phone: '555' }],
    ['too long', { phone: '+1 415 555 0132 5555' }],
    ['unknown country calling code', { phone: '+999 123 456' }],
    ['a UK national number read as US (no country given)', { phone: '020 7946 0958' }],
  ])('invalid phone (%s): 400 with detail field phone', (_name, fieldsIn) => {
    const err = apiError(() => leadIdentityHashes(body(fieldsIn), opts));
    expect(err.statusCode).toBe(400);
    expect(fields(err)).toEqual(['phone']);
  });

  test('an invalid phone is rejected even when a valid email is present', () => {
    const err = apiError(() => leadIdentityHashes(body({ email: 'jane@example.com', phone: 'nope' }), opts));
    expect(fields(err)).toEqual(['phone']);
  });

  test('the phone problem names the country it was read in', () => {
    const err = apiError(() => leadIdentityHashes(body({ phone: '12', country: 'de' }), opts));
    expect(err.details?.[0]?.message).toContain('DE');
  });

  test('invalid email: 400 with detail field email', () => {
    const err = apiError(() => leadIdentityHashes(body({ email: 'no-at-sign' }), opts));
    expect(err.statusCode).toBe(400);
    expect(fields(err)).toEqual(['email']);
  });

  test('invalid email and invalid phone are reported together', () => {
    const err = apiError(() => leadIdentityHashes(body({ email: '@x.com', phone: 'x' }), opts));
    expect(fields(err)).toEqual(['email', 'phone']);
  });

  test('error details never echo the raw email or phone', () => {
    const err = apiError(() => leadIdentityHashes(body({ email: 'jane.canary@', phone: '99999999999999999' }), opts));
    const text = JSON.stringify({ message: err.message, details: err.details });
    expect(text).not.toContain('jane.canary');
    expect(text).not.toContain('99999999999999999');
  });
});

describe('leadIdentityHashes: country', () => {
  test("the lead's country is the phone's default region, over the configured default", () => {
    const result = leadIdentityHashes(body({ phone: '020 7946 0958', country: 'GB' }), { ...opts, defaultCountry: 'US' });
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442079460958'));
  });

  test("the lead's country is upper-cased", () => {
    const result = leadIdentityHashes(body({ phone: '020 7946 0958', country: 'gb' }), opts);
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442079460958'));
  });

  test("the same digits mean a different number in a different lead's country", () => {
    const inUS = leadIdentityHashes(body({ phone: '4155550132', country: 'US' }), { ...opts, defaultCountry: 'GB' });
    expect(inUS.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+14155550132'));
    const inGB = leadIdentityHashes(body({ phone: '4155550132', country: 'GB' }), { ...opts, defaultCountry: 'US' });
    expect(inGB.phoneHash).not.toBe(inUS.phoneHash);
  });

  test('without a lead country, the configured default is used', () => {
    const result = leadIdentityHashes(body({ phone: '020 7946 0958' }), { ...opts, defaultCountry: 'GB' });
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442079460958'));
  });

  test('an international number parses whatever the country', () => {
    const result = leadIdentityHashes(body({ phone: '+44 20 7946 0958', country: 'FR' }), opts);
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442079460958'));
  });
});

describe('leadIdentityHashes: hashes', () => {
  const email = 'Jane.Doe+promo@GoogleMail.com';
  const phone = '(415) 555-0132';

  test('returns hashes of the normalized values, never the raw values', () => {
    const result = leadIdentityHashes(body({ email, phone }), opts);
    expect(result).toEqual({
      emailHash: identityHash(opts.hmacKey, 'email', 'janedoe@gmail.com'),
      phoneHash: identityHash(opts.hmacKey, 'phone', '+14155550132'),
    });
    const text = JSON.stringify(result);
    for (const raw of [email, 'janedoe', 'gmail', '4155550132', '555-0132']) expect(text).not.toContain(raw);
    expect(result.emailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.phoneHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('email only: phoneHash is null', () => {
    const result = leadIdentityHashes(body({ email: 'jane@example.com' }), opts);
    expect(result.emailHash).toBe(identityHash(opts.hmacKey, 'email', 'jane@example.com'));
    expect(result.phoneHash).toBeNull();
  });

  test('phone only: emailHash is null', () => {
    const result = leadIdentityHashes(body({ phone: '+1 415 555 0132' }), opts);
    expect(result.emailHash).toBeNull();
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+14155550132'));
  });

  test('different spellings of one person give the same hashes (dedupe)', () => {
    const a = leadIdentityHashes(body({ email: 'janedoe@gmail.com', phone: '+1 415-555-0132' }), opts);
    const b = leadIdentityHashes(body({ email: ' J.A.N.E.DOE+x@googlemail.com', phone: '(415) 555.0132', country: 'us' }), opts);
    expect(b).toEqual(a);
  });

  test('the hash is keyed: another HMAC key gives other hashes', () => {
    const a = leadIdentityHashes(body({ email: 'jane@example.com', phone: '+14155550132' }), opts);
    const b = leadIdentityHashes(body({ email: 'jane@example.com', phone: '+14155550132' }), { ...opts, hmacKey: `${opts.hmacKey}-2` });
    expect(b.emailHash).not.toBe(a.emailHash);
    expect(b.phoneHash).not.toBe(a.phoneHash);
  });
});
