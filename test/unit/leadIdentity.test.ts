// The identity checks JSON schema cannot express (api/leadIdentity.ts): email or phone required,
// phone parsed in the lead's country (else the configured default), and only hashes come back. Invalid
// numbers and placeholders are accepted but give no hash: they must never dedupe two people.
import { ApiError } from '../../api/errors';
import { leadIdentityHashes } from '../../api/leadIdentity';
import type { LeadBody } from '../../api/schemas/lead';
import { loadConfig } from '../../lib/config';
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
    ['a UK national number read as US (no country given)', { phone: '020 7183 8750' }],
  ])('invalid phone (%s): 400 with detail field phone', (_name, fieldsIn) => {
    const err = apiError(() => leadIdentityHashes(body(fieldsIn), opts));
    expect(err.statusCode).toBe(400);
    expect(fields(err)).toEqual(['phone']);
  });

  test('an invalid phone is rejected even when a valid email is present', () => {
    const err = apiError(() => leadIdentityHashes(body({ email: 'jane@outlook.com', phone: 'nope' }), opts));
    expect(fields(err)).toEqual(['phone']);
  });

  test('the phone problem names the country it was read in', () => {
    const err = apiError(() => leadIdentityHashes(body({ phone: '12', country: 'de' }), opts));
    expect(err.details?.[0]?.message).toContain('DE');
  });

  test('a number written with its country code is not said to be read in the lead\'s country (newcomer walk)', () => {
    const err = apiError(() => leadIdentityHashes(body({ phone: '+999 123456789' }), opts));
    expect(err.details).toEqual([{ field: 'phone', message: 'is not a valid phone number (read with the country calling code it starts with)' }]);
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
    const result = leadIdentityHashes(body({ phone: '020 7183 8750', country: 'GB' }), { ...opts, defaultCountry: 'US' });
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442071838750'));
  });

  test("the lead's country is upper-cased", () => {
    const result = leadIdentityHashes(body({ phone: '020 7183 8750', country: 'gb' }), opts);
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442071838750'));
  });

  test("the same digits mean a different number in a different lead's country", () => {
    const inUS = leadIdentityHashes(body({ phone: '4158672301', country: 'US' }), { ...opts, defaultCountry: 'GB' });
    expect(inUS.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+14158672301'));
    const inGB = leadIdentityHashes(body({ phone: '4158672301', country: 'GB' }), { ...opts, defaultCountry: 'US' });
    expect(inGB.phoneHash).not.toBe(inUS.phoneHash);
  });

  test('without a lead country, the configured default is used', () => {
    const result = leadIdentityHashes(body({ phone: '020 7183 8750' }), { ...opts, defaultCountry: 'GB' });
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442071838750'));
  });

  test('an international number parses whatever the country', () => {
    const result = leadIdentityHashes(body({ phone: '+44 20 7183 8750', country: 'FR' }), opts);
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+442071838750'));
  });
});

describe('leadIdentityHashes: hashes', () => {
  const email = 'Jane.Doe+promo@GoogleMail.com';
  const phone = '(415) 867-2301';

  test('returns hashes of the normalized values, never the raw values', () => {
    const result = leadIdentityHashes(body({ email, phone }), opts);
    expect(result).toEqual({
      emailHash: identityHash(opts.hmacKey, 'email', 'janedoe@gmail.com'),
      phoneHash: identityHash(opts.hmacKey, 'phone', '+14158672301'),
    });
    const text = JSON.stringify(result);
    for (const raw of [email, 'janedoe', 'gmail', '4158672301', '867-2301']) expect(text).not.toContain(raw);
    expect(result.emailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.phoneHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('email only: phoneHash is null', () => {
    const result = leadIdentityHashes(body({ email: 'jane@outlook.com' }), opts);
    expect(result.emailHash).toBe(identityHash(opts.hmacKey, 'email', 'jane@outlook.com'));
    expect(result.phoneHash).toBeNull();
  });

  test('phone only: emailHash is null', () => {
    const result = leadIdentityHashes(body({ phone: '+1 415 867 2301' }), opts);
    expect(result.emailHash).toBeNull();
    expect(result.phoneHash).toBe(identityHash(opts.hmacKey, 'phone', '+14158672301'));
  });

  test('different spellings of one person give the same hashes (dedupe)', () => {
    const a = leadIdentityHashes(body({ email: 'janedoe@gmail.com', phone: '+1 415-867-2301' }), opts);
    const b = leadIdentityHashes(body({ email: ' J.A.N.E.DOE+x@googlemail.com', phone: '(415) 867.2301', country: 'us' }), opts);
    expect(b).toEqual(a);
  });

  test('the hash is keyed: another HMAC key gives other hashes', () => {
    const a = leadIdentityHashes(body({ email: 'jane@outlook.com', phone: '+14158672301' }), opts);
    const b = leadIdentityHashes(body({ email: 'jane@outlook.com', phone: '+14158672301' }), { ...opts, hmacKey: `${opts.hmacKey}-2` });
    expect(b.emailHash).not.toBe(a.emailHash);
    expect(b.phoneHash).not.toBe(a.phoneHash);
  });
});

describe('leadIdentityHashes: values many people share are accepted but are never a key', () => {
  const realEmail = 'alice.martin@outlook.com';
  const realPhone = '(312) 982-4410';

  // The fault: Alice 000-000-0000 from source A, Bob (another email) (000) 000-0000 from source B.
  test.each<[string, Partial<LeadBody>]>([
    ['a US number that is not valid (000-000-0000)', { phone: '000-000-0000' }],
    ['the same, written (000) 000-0000', { phone: '(000) 000-0000' }],
    ['555-555-5555', { phone: '555-555-5555' }],
    ['1234567890', { phone: '1234567890' }],
    ['a NANP fictional number (555-0100..0199)', { phone: '(415) 555-0132' }],
    ['an Ofcom drama number (London)', { phone: '020 7946 0958', country: 'GB' }],
    ['an Ofcom drama mobile', { phone: '07700 900123', country: 'GB' }],
    ['an ACMA fictitious mobile', { phone: '0491 570 156', country: 'AU' }],
    ['repeated digits', { phone: '06 00 00 00 00', country: 'FR' }],
  ])('phone: %s gives no phone hash; the real email still gives its hash', (_name, fields) => {
    const result = leadIdentityHashes(body({ email: realEmail, ...fields }), opts);
    expect(result).toEqual({ emailHash: identityHash(opts.hmacKey, 'email', realEmail), phoneHash: null });
  });

  test.each([
    'test@test.com',
    'Test@Test.com',
    'jane@example.com',
    'jane@mail.example.org',
    'someone@shop.test',
    'noemail@gmail.com',
    'none@yahoo.com',
    'na@aol.com',
  ])('email %p gives no email hash; the real phone still gives its hash', (email) => {
    const result = leadIdentityHashes(body({ email, phone: realPhone }), opts);
    expect(result).toEqual({ emailHash: null, phoneHash: identityHash(opts.hmacKey, 'phone', '+13129824410') });
  });

  test('two different people with the same placeholder phone share no key', () => {
    const alice = leadIdentityHashes(body({ email: 'alice.martin@outlook.com', phone: '000-000-0000' }), opts);
    const bob = leadIdentityHashes(body({ email: 'bob.nguyen@yahoo.com', phone: '(000) 000-0000' }), opts);
    const shared = [alice.emailHash, alice.phoneHash].filter((h) => h !== null && (h === bob.emailHash || h === bob.phoneHash));
    expect(shared).toEqual([]);
  });

  test('a lead whose only identity is a placeholder is accepted with no key at all', () => {
    expect(leadIdentityHashes(body({ email: 'test@test.com' }), opts)).toEqual({ emailHash: null, phoneHash: null });
    expect(leadIdentityHashes(body({ phone: '555-555-5555' }), opts)).toEqual({ emailHash: null, phoneHash: null });
    expect(leadIdentityHashes(body({ email: 'noemail@gmail.com', phone: '000-000-0000' }), opts)).toEqual({ emailHash: null, phoneHash: null });
  });

  test('a placeholder email does not hide a malformed phone: still 400', () => {
    const err = apiError(() => leadIdentityHashes(body({ email: 'test@test.com', phone: 'call me' }), opts));
    expect(fields(err)).toEqual(['phone']);
  });

  test('the configured lists are used (DEDUPE_PLACEHOLDER_EMAILS / _PHONES through lib/config.ts)', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@h:5432/d',
      IDENTITY_HMAC_KEY: opts.hmacKey,
      DEDUPE_PLACEHOLDER_EMAILS: '@leadforms.io,-na@',
      DEDUPE_PLACEHOLDER_PHONES: '+13129824410',
    });
    const withConfig = { ...opts, placeholderEmails: config.DEDUPE_PLACEHOLDER_EMAILS, placeholderPhones: config.DEDUPE_PLACEHOLDER_PHONES };
    // added entries are placeholders
    expect(leadIdentityHashes(body({ email: 'anyone@leadforms.io', phone: realPhone }), withConfig)).toEqual({ emailHash: null, phoneHash: null });
    // a removed default is a key again
    expect(leadIdentityHashes(body({ email: 'na@aol.com' }), withConfig).emailHash).toBe(identityHash(opts.hmacKey, 'email', 'na@aol.com'));
    // defaults still apply
    expect(leadIdentityHashes(body({ email: 'test@test.com', phone: '(415) 555-0132' }), withConfig)).toEqual({ emailHash: null, phoneHash: null });
    // without the configured lists, the same values are keys
    expect(leadIdentityHashes(body({ email: 'anyone@leadforms.io', phone: realPhone }), opts).emailHash).not.toBeNull();
  });
});
