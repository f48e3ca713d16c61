// Phone identity keys (lib/identity.ts): numbers normalize to E.164 in the default country, and only a
// valid, real number is a key (invalid, fictional and filler numbers are accepted without one).
import { normalizePhone, phoneDedupeKey, resolvePlaceholderPhones } from '../../lib/identity';

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
