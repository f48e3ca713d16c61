// Identity keys for cross-partner dedupe (lib/identity.ts): two spellings of one person's email or
// phone must normalize to the same key, and the keyed hash must be stable (stored hashes depend on it).
// A value many people share (an invalid number, a placeholder) must never be a key.
import {
  DEFAULT_PLACEHOLDER_EMAILS,
  DEFAULT_PLACEHOLDER_PHONES,
  emailDedupeKey,
  identityHash,
  normalizeEmail,
  normalizePhone,
  phoneDedupeKey,
  resolvePlaceholderEmails,
  resolvePlaceholderPhones,
} from '../../lib/identity';

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
    // Unicode: NFC, so a decomposed é (e + U+0301) and a precomposed one are one address; Unicode spaces trim
    ['jose\u0301@outlook.com', 'jos\u00e9@outlook.com'],
    ['JOSE\u0301@OUTLOOK.COM', 'jos\u00e9@outlook.com'],
    ['\u00a0jane@outlook.com\u2003', 'jane@outlook.com'],
    ['\ufeffjane@outlook.com', 'jane@outlook.com'],
  ])('%p -> %p', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  test('canonically equal spellings hash equally', () => {
    const key = 'test-hmac-key-0123456789';
    const composed = normalizeEmail('ren\u00e9e@outlook.com')!;
    const decomposed = normalizeEmail('rene\u0301e@outlook.com')!;
    expect(identityHash(key, 'email', decomposed)).toBe(identityHash(key, 'email', composed));
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

  test('Unicode spaces around a number are trimmed', () => {
    expect(normalizePhone('\u00a0(415) 867-2301\u2003', 'US')).toBe('+14158672301');
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

describe('phoneDedupeKey: only a valid, real number is a key', () => {
  test.each<[string, string, string]>([
    ['(415) 867-2301', 'US', '+14158672301'],
    ['+1 212 736 3100', 'GB', '+12127363100'],
    ['(303) 555-0200', 'US', '+13035550200'], // 555 outside 0100-0199 is an ordinary number
    ['020 7183 8750', 'GB', '+442071838750'],
    ['0161 496 1000', 'GB', '+441614961000'], // next to, not in, the Manchester drama range
    ['07911 123456', 'GB', '+447911123456'],
    ['+49 30 901820', 'US', '+4930901820'],
    ['+33 6 71 23 48 90', 'US', '+33671234890'],
    ['+61 2 9374 4000', 'US', '+61293744000'],
    ['\u00a0(646) 409-7731 ', 'US', '+16464097731'],
  ])('%p (default %s) is the key %s', (raw, country, value) => {
    expect(phoneDedupeKey(raw, country)).toEqual({ kind: 'key', value });
  });

  test.each<[string, string]>([
    ['abc', 'US'],
    ['12', 'US'],
    ['415 555 013', 'US'],
    ['+1 415 555 0132 5555', 'US'],
    ['020 7183 8750', 'US'],
  ])('%p (default %s) is impossible (the API answers 400)', (raw, country) => {
    expect(phoneDedupeKey(raw, country)).toEqual({ kind: 'impossible' });
  });

  // Possible lengths, but not numbers that can be assigned (libphonenumber-js isValid()).
  test.each<[string, string, string]>([
    ['000-000-0000', 'US', '+10000000000'], // the fault: source A's Alice
    ['(000) 000-0000', 'US', '+10000000000'], // ... and source B's Bob
    ['555-555-5555', 'US', '+15555555555'],
    ['(555) 555-5555', 'US', '+15555555555'],
    ['1234567890', 'US', '+11234567890'],
    ['(212) 123-4567', 'US', '+12121234567'],
    ['999-999-9999', 'US', '+19999999999'],
    ['0000000000', 'GB', '+44000000000'],
    ['07700 900123', 'GB', '+447700900123'],
    ['01632 960001', 'GB', '+441632960001'],
  ])('%p (default %s) is not valid: accepted, no key', (raw, country, value) => {
    expect(phoneDedupeKey(raw, country)).toEqual({ kind: 'not_valid', value });
  });

  // Valid numbers that are fictional or fillers.
  test.each<[string, string, string, string]>([
    // NANP: 555-0100..0199 in any area code, and 555-1212 (directory assistance)
    ['(415) 555-0132', 'US', '+14155550132', '+1???55501??'],
    ['+1 303 555 0100', 'US', '+13035550100', '+1???55501??'],
    ['303-555-0199', 'US', '+13035550199', '+1???55501??'],
    ['1-800-555-0150', 'US', '+18005550150', '+1???55501??'],
    ['(212) 555-1212', 'US', '+12125551212', '+1???5551212'],
    ['+1 416 555 0123', 'US', '+14165550123', '+1???55501??'], // Canada shares the NANP
    // UK: Ofcom drama ranges
    ['020 7946 0958', 'GB', '+442079460958', '+442079460???'],
    ['+44 20 7946 0000', 'US', '+442079460000', '+442079460???'],
    ['0113 496 0123', 'GB', '+441134960123', '+441134960???'],
    ['0161 496 0999', 'GB', '+441614960999', '+441614960???'],
    ['0191 498 0555', 'GB', '+441914980555', '+441914980???'],
    ['028 9649 6123', 'GB', '+442896496123', '+442896496???'],
    ['029 2018 0456', 'GB', '+442920180456', '+442920180???'],
    // Australia: ACMA's fictitious mobiles
    ['0491 570 156', 'AU', '+61491570156', '+6149157????'],
    ['0491 570 006', 'AU', '+61491570006', '+6149157????'],
    ['+61 491 579 760', 'US', '+61491579760', '+6149157????'],
    // repeated / sequential digits, any country
    ['212-222-2222', 'US', '+12122222222', 'repeated'],
    ['06 00 00 00 00', 'FR', '+33600000000', 'repeated'],
    ['(415) 456-7890', 'US', '+14154567890', 'sequential'],
    ['01 23 45 67 89', 'FR', '+33123456789', 'sequential'],
    ['(02) 9876 5432', 'AU', '+61298765432', 'sequential'],
    ['030 12345678', 'DE', '+493012345678', 'sequential'],
    ['098765 43210', 'IN', '+919876543210', 'sequential'],
  ])('%p (default %s) is a placeholder: accepted, no key', (raw, country, value, matched) => {
    expect(phoneDedupeKey(raw, country)).toEqual({ kind: 'placeholder', value, matched });
  });

  test('without the digit rules, the ranges still apply; validity is not configurable', () => {
    const only = resolvePlaceholderPhones('-repeated,-sequential');
    if (!('entries' in only)) throw new Error(only.problem);
    expect(phoneDedupeKey('212-222-2222', 'US', only.entries)).toEqual({ kind: 'key', value: '+12122222222' });
    expect(phoneDedupeKey('(415) 555-0132', 'US', only.entries).kind).toBe('placeholder');
    // validity is not configurable: an invalid number is never a key
    expect(phoneDedupeKey('000-000-0000', 'US', only.entries).kind).toBe('not_valid');
  });
});

describe('emailDedupeKey: placeholders are never a key', () => {
  test.each<[string, string]>([
    ['jane.doe@outlook.com', 'jane.doe@outlook.com'],
    [' J.A.N.E.DOE+x@googlemail.com', 'janedoe@gmail.com'],
    ['john@example.co.uk', 'john@example.co.uk'], // a registered domain, not the reserved example.com
    ['user@exampl.com', 'user@exampl.com'],
    ['testing@outlook.com', 'testing@outlook.com'], // only the exact local part "test" is junk
    ['nana@outlook.com', 'nana@outlook.com'],
    ['contact@latest.com', 'contact@latest.com'], // ends with "test.com" but is not test.com
  ])('%p is the key %p', (raw, value) => {
    expect(emailDedupeKey(raw)).toEqual({ kind: 'key', value });
  });

  test.each<[string, string, string]>([
    // RFC 2606 / RFC 6761 reserved names, and their subdomains
    ['jane@example.com', 'jane@example.com', '@example.com'],
    ['Jane@EXAMPLE.NET', 'jane@example.net', '@example.net'],
    ['jane@example.org', 'jane@example.org', '@example.org'],
    ['jane@mail.example.com', 'jane@mail.example.com', '@example.com'],
    ['jane@example.com.', 'jane@example.com.', '@example.com'],
    ['jane@shop.test', 'jane@shop.test', '@test'],
    ['jane@acme.example', 'jane@acme.example', '@example'],
    ['jane@nowhere.invalid', 'jane@nowhere.invalid', '@invalid'],
    ['jane@localhost', 'jane@localhost', '@localhost'],
    // common junk
    ['test@test.com', 'test@test.com', '@test.com'],
    ['TEST@TEST.COM ', 'test@test.com', '@test.com'],
    ['anyone@test.com', 'anyone@test.com', '@test.com'],
    ['test@gmail.com', 'test@gmail.com', 'test@'],
    ['noemail@yahoo.com', 'noemail@yahoo.com', 'noemail@'],
    ['no.email@gmail.com', 'noemail@gmail.com', 'noemail@'],
    ['noemail+lead7@yahoo.com', 'noemail+lead7@yahoo.com', 'noemail@'],
    ['none@none.com', 'none@none.com', 'none@'],
    ['na@na.com', 'na@na.com', 'na@'],
    ['N/A@aol.com', 'n/a@aol.com', 'n/a@'],
    ['no-reply@outlook.com', 'no-reply@outlook.com', 'no-reply@'],
  ])('%p is a placeholder: accepted, no key', (raw, value, matched) => {
    expect(emailDedupeKey(raw)).toEqual({ kind: 'placeholder', value, matched });
  });

  test.each(['no-at', '@x.com', 'a@', ''])('%p is malformed (the API answers 400)', (raw) => {
    expect(emailDedupeKey(raw)).toEqual({ kind: 'malformed' });
  });

  test('a configured entry matches every spelling of the address', () => {
    const list = resolvePlaceholderEmails('Leads.Desk@Gmail.com');
    if (!('entries' in list)) throw new Error(list.problem);
    expect(emailDedupeKey('leadsdesk+x@googlemail.com', list.entries)).toEqual({ kind: 'placeholder', value: 'leadsdesk@gmail.com', matched: 'leadsdesk@gmail.com' });
    expect(emailDedupeKey('leadsdesk@gmail.com').kind).toBe('key'); // not with the defaults alone
  });
});

describe('resolvePlaceholderEmails / resolvePlaceholderPhones (DEDUPE_PLACEHOLDER_* settings)', () => {
  const entries = (r: { entries: string[] } | { problem: string }) => {
    if (!('entries' in r)) throw new Error(r.problem);
    return r.entries;
  };

  test.each([undefined, '', ' , ,'])('%p means the built-in defaults', (setting) => {
    expect(entries(resolvePlaceholderEmails(setting))).toEqual(DEFAULT_PLACEHOLDER_EMAILS);
    expect(entries(resolvePlaceholderPhones(setting))).toEqual(DEFAULT_PLACEHOLDER_PHONES);
  });

  test('entries extend the defaults, in their canonical spelling, once each', () => {
    expect(entries(resolvePlaceholderEmails(' @Mailinator.COM , donotcall@ ,@mailinator.com,@example.com'))).toEqual([
      ...DEFAULT_PLACEHOLDER_EMAILS,
      '@mailinator.com',
      'donotcall@',
    ]);
    expect(entries(resolvePlaceholderPhones('+15005550006, +4478*,+1???5551234'))).toEqual([...DEFAULT_PLACEHOLDER_PHONES, '+15005550006', '+4478*', '+1???5551234']);
  });

  test('-entry removes a default', () => {
    const emails = entries(resolvePlaceholderEmails('-na@,-@TEST.com'));
    expect(emails).not.toContain('na@');
    expect(emails).not.toContain('@test.com');
    expect(emails).toHaveLength(DEFAULT_PLACEHOLDER_EMAILS.length - 2);
    expect(emailDedupeKey('na@acme.io', emails)).toEqual({ kind: 'key', value: 'na@acme.io' });
    const phones = entries(resolvePlaceholderPhones('-sequential'));
    expect(phones).toEqual(DEFAULT_PLACEHOLDER_PHONES.filter((p) => p !== 'sequential'));
    expect(phoneDedupeKey('(415) 456-7890', 'US', phones)).toEqual({ kind: 'key', value: '+14154567890' });
  });

  test.each<[string, RegExp]>([
    ['nope', /"nope" is not an email placeholder/],
    ['@', /"@" is not an email placeholder/],
    ['a@b@c', /"a@b@c" is not an email placeholder/],
    ['@.com', /"@.com" is not/],
    ['jane doe@x.com', /"jane doe@x.com" is not/],
    ['-@gmail.com', /"-@gmail.com" removes nothing: @gmail.com is not a built-in default/],
  ])('email setting %p is refused', (setting, message) => {
    const r = resolvePlaceholderEmails(setting);
    expect('problem' in r && r.problem).toMatch(message);
  });

  test.each<[string, RegExp]>([
    ['555-555-5555', /"555-555-5555" is not a phone placeholder \(an E\.164 pattern/],
    ['+1 415 555 0100', /is not a phone placeholder/],
    ['+0123', /is not a phone placeholder/],
    ['+1*5', /is not a phone placeholder/],
    ['+1234567890123456', /is not a phone placeholder/],
    ['sequentially', /is not a phone placeholder/],
    ['-+15005550006', /removes nothing/],
  ])('phone setting %p is refused', (setting, message) => {
    const r = resolvePlaceholderPhones(setting);
    expect('problem' in r && r.problem).toMatch(message);
  });

  test('every bad entry is reported in one problem', () => {
    const r = resolvePlaceholderPhones('x,+1???55501??,y');
    expect('problem' in r && r.problem).toBe(
      [
        '"x" is not a phone placeholder (an E.164 pattern such as +1???55501?? or +447700900*, with ? for one digit and a final * for the rest; or repeated / sequential)',
        '"y" is not a phone placeholder (an E.164 pattern such as +1???55501?? or +447700900*, with ? for one digit and a final * for the rest; or repeated / sequential)',
      ].join('; '),
    );
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

describe('email domains in their IDNA ASCII form (found by review)', () => {
  test.each([
    ['full-width letters from a CJK input method', 'a@ＥＸＡＭＰＬＥ.com', 'a@example.com'],
    ['an IDN domain in Unicode', 'jürgen@exämple.de', 'jürgen@xn--exmple-cua.de'],
    ['the same IDN domain in punycode', 'jürgen@xn--exmple-cua.de', 'jürgen@xn--exmple-cua.de'],
  ])('%s', (_name, raw, normalized) => {
    expect(normalizeEmail(raw)).toBe(normalized);
  });
});

describe('invisible and compatibility forms in the local part (found by review)', () => {
  test.each([
    ['a combining grapheme joiner', 'jane\u034F@gmail.com', 'jane@gmail.com'],
    ['a variation selector', 'test\uFE0F@foo.com', 'test@foo.com'],
    ['full-width letters', 'ｎｏｅｍａｉｌ@x.com', 'noemail@x.com'],
  ])('%s does not make another address', (_name, raw, normalized) => {
    expect(normalizeEmail(raw)).toBe(normalized);
  });

  test('configured IDN and full-width placeholder domains match addresses in their ASCII form', () => {
    const list = resolvePlaceholderEmails('@bücher.de,@ＭＹＣＯ.com');
    if (!('entries' in list)) throw new Error(list.problem);
    expect(emailDedupeKey('a@bücher.de', list.entries)).toMatchObject({ kind: 'placeholder', matched: '@xn--bcher-kva.de' });
    expect(emailDedupeKey('a@xn--bcher-kva.de', list.entries)).toMatchObject({ kind: 'placeholder' });
    expect(emailDedupeKey('someone@myco.com', list.entries)).toMatchObject({ kind: 'placeholder', matched: '@myco.com' });
  });
});
