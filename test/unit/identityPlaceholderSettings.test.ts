// The DEDUPE_PLACEHOLDER_* settings (lib/identity.ts): defaults, extra and removed entries, refused entries.
import {
  DEFAULT_PLACEHOLDER_EMAILS,
  DEFAULT_PLACEHOLDER_PHONES,
  emailDedupeKey,
  phoneDedupeKey,
  resolvePlaceholderEmails,
  resolvePlaceholderPhones,
} from '../../lib/identity';

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
