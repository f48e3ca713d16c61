// Identity keys for cross-partner dedupe (lib/identity.ts): two spellings of one person's email or
// phone must normalize to the same key, and the keyed hash must be stable (stored hashes depend on it).
import { identityHash, normalizeEmail, normalizePhone } from '../../lib/identity';

describe('normalizeEmail', () => {
  test.each<[string, string]>([
    ['jane@example.com', 'jane@example.com'],
    ['  jane@example.com\t', 'jane@example.com'],
    ['Jane.Doe@Example.COM', 'jane.doe@example.com'],
    // gmail: dots and +tags are ignored, googlemail.com is the same mailbox
    ['jane.doe@gmail.com', 'janedoe@gmail.com'],
    ['j.a.n.e.d.o.e@gmail.com', 'janedoe@gmail.com'],
    ['janedoe+newsletter@gmail.com', 'janedoe@gmail.com'],
    ['Jane.Doe+a+b@GMAIL.com', 'janedoe@gmail.com'],
    ['jane.doe@googlemail.com', 'janedoe@gmail.com'],
    [' JANE.DOE+x@GoogleMail.Com ', 'janedoe@gmail.com'],
    // other providers: dots and +tags may be meaningful, keep them
    ['jane.doe@example.com', 'jane.doe@example.com'],
    ['jane+tag@example.com', 'jane+tag@example.com'],
    ['jane.doe+tag@outlook.com', 'jane.doe+tag@outlook.com'],
    // only the exact gmail domains are special
    ['jane.doe@gmail.co.uk', 'jane.doe@gmail.co.uk'],
    ['jane.doe@mail.gmail.com', 'jane.doe@mail.gmail.com'],
    ['jane.doe@notgmail.com', 'jane.doe@notgmail.com'],
  ])('%p -> %p', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  test('spellings of one gmail mailbox share one key', () => {
    const spellings = ['JaneDoe@gmail.com', 'jane.doe@gmail.com', 'jane.doe+promo@googlemail.com', ' J.A.N.E.D.O.E@Gmail.com '];
    expect(new Set(spellings.map(normalizeEmail))).toEqual(new Set(['janedoe@gmail.com']));
  });

  test.each([
    'no-at',
    '@x.com',
    'a@',
    '@',
    '',
    '   ',
    '  @example.com  ',
    'jane@  ',
    // a gmail address whose local part is only dots / a tag is empty once normalized
    '+tag@gmail.com',
    '...@gmail.com',
    '.+tag@googlemail.com',
  ])('%p is not an email', (raw) => {
    expect(normalizeEmail(raw)).toBeUndefined();
  });
});

describe('normalizePhone', () => {
  test.each<[string, string, string]>([
    // United States
    ['(415) 555-0132', 'US', '+14155550132'],
    ['415-555-0132', 'US', '+14155550132'],
    ['415.555.0132', 'US', '+14155550132'],
    ['4155550132', 'US', '+14155550132'],
    ['1-415-555-0132', 'US', '+14155550132'],
    ['+1 (415) 555-0132', 'GB', '+14155550132'],
    ['011 44 20 7946 0958', 'US', '+442079460958'],
    // United Kingdom
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['07700 900123', 'GB', '+447700900123'],
    ['0044 20 7946 0958', 'GB', '+442079460958'],
    ['  +44 20 7946 0958  ', 'US', '+442079460958'],
    // Germany
    ['030 12345678', 'DE', '+493012345678'],
    ['0151 23456789', 'DE', '+4915123456789'],
    ['+49 (0)30 901820', 'US', '+4930901820'],
    ['0049 30 12345678', 'DE', '+493012345678'],
    // France
    ['01 23 45 67 89', 'FR', '+33123456789'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['+33 6 12 34 56 78', 'US', '+33612345678'],
    ['00 33 1 23 45 67 89', 'DE', '+33123456789'],
    // India
    ['098765 43210', 'IN', '+919876543210'],
    ['09876543210', 'IN', '+919876543210'],
    ['+91-98765-43210', 'US', '+919876543210'],
    // Brazil
    ['(11) 91234-5678', 'BR', '+5511912345678'],
    ['+55 (11) 91234-5678', 'US', '+5511912345678'],
    // Australia
    ['(02) 9876 5432', 'AU', '+61298765432'],
    ['0412 345 678', 'AU', '+61412345678'],
    ['+61 412 345 678', 'US', '+61412345678'],
  ])('%p (default %s) -> %s', (raw, country, expected) => {
    expect(normalizePhone(raw, country)).toBe(expected);
  });

  test('a national number is read in the default country, so the default changes the result', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958', 'US')).toBeUndefined();
  });

  test('an international number ignores the default country', () => {
    for (const country of ['US', 'GB', 'DE', 'IN', 'AU']) expect(normalizePhone('+44 20 7946 0958', country)).toBe('+442079460958');
  });

  test.each<[string, string]>([
    ['', 'US'],
    ['   ', 'US'],
    ['abc', 'US'],
    ['not a phone', 'US'],
    ['+', 'US'],
    ['+44', 'US'],
    ['12', 'US'],
    ['555', 'US'],
    ['415 555 013', 'US'],
    ['+1 415 555 0132 5555', 'US'],
    ['+999 123 456', 'US'],
    ['0044 20 7946 0958', 'US'], // 00 is not the US international prefix
  ])('%p (default %s) is not a phone number', (raw, country) => {
    expect(normalizePhone(raw, country)).toBeUndefined();
  });
});

describe('identityHash', () => {
  const KEY = 'test-hmac-key-0123456789';

  test('is hex SHA-256 length', () => {
    expect(identityHash(KEY, 'email', 'jane@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('is deterministic per key', () => {
    expect(identityHash(KEY, 'phone', '+14155550132')).toBe(identityHash(KEY, 'phone', '+14155550132'));
  });

  test('is stable across releases (stored hashes must keep matching)', () => {
    // HMAC-SHA256(key, "<kind>:<normalized>"): changing this scheme orphans every stored identity hash.
    expect(identityHash(KEY, 'email', 'jane@example.com')).toBe('3c9b5c8a416c5a4256602ea78f6db257eccc93192d23567f3557c80e91f2e9f6');
    expect(identityHash(KEY, 'phone', '+14155550132')).toBe('067241ab3a5729c167bd6ae4f64ffe97b87e6a7b653e2260c5d174f39fc4c752');
  });

  test('differs by key', () => {
    expect(identityHash(KEY, 'email', 'jane@example.com')).not.toBe(identityHash(`${KEY}-other`, 'email', 'jane@example.com'));
  });

  test('differs by kind for the same normalized value', () => {
    expect(identityHash(KEY, 'email', '+14155550132')).not.toBe(identityHash(KEY, 'phone', '+14155550132'));
  });

  test('differs by value and does not contain it', () => {
    const a = identityHash(KEY, 'email', 'jane@example.com');
    expect(a).not.toBe(identityHash(KEY, 'email', 'john@example.com'));
    expect(a).not.toContain('jane');
  });
});
