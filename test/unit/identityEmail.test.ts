// Email identity keys (lib/identity.ts): spellings of one address normalize to one key (gmail dots and tags,
// Unicode, IDNA domains), and placeholder addresses many people share are never a key.
import {
  emailDedupeKey,
  identityHash,
  normalizeEmail,
  resolvePlaceholderEmails,
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
