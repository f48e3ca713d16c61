// The readers behind session 11's boundary fixes, each alone: duplicate keys in JSON text (lib/input/duplicateKeys.ts),
// an Authorization header (api/plugins/auth.ts readBearer), a time zone's spelling (lib/timeZone.ts) and a delivery
// URL's usual slips (api/schemas/admin.ts deliveryUrlProblem).
import { readBearer } from '../../api/plugins/auth';
import { deliveryUrlProblem } from '../../api/schemas/admin';
import { duplicateKeys } from '../../lib/input/duplicateKeys';
import { zoneNameProblem, zoneSpelling } from '../../lib/timeZone';

describe('duplicateKeys: every key given twice in one object, by path, whatever its values', () => {
  test.each<[string, string, Array<{ path: string; times: number }>]>([
    ['none', '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}', []],
    ['equal values at the root', '{"a":1,"a":1}', [{ path: 'a', times: 2 }]],
    ['three times', '{"a":1,"a":2,"a":1}', [{ path: 'a', times: 3 }]],
    ['nested', '{"x":{"y":{"z":null,"z":null}}}', [{ path: 'x.y.z', times: 2 }]],
    ['in list items, by index', '{"l":[1,[2,{"k":1,"k":1}],{"m":1,"m":1}]}', [{ path: 'l[1][1].k', times: 2 }, { path: 'l[2].m', times: 2 }]],
    ['the same name in two Unicode forms', '{"caf\\u00e9":1,"cafe\\u0301":1}', [{ path: 'café', times: 2 }]],
    ['escaped the same name', '{"a":1,"\\u0061":1}', [{ path: 'a', times: 2 }]],
    ['a key named like a path is not a path', '{"a.b":1,"a":{"b":1}}', []],
  ])('%s', (_name, text, found) => expect(duplicateKeys(text)).toEqual(found));
});

describe('readBearer: what is wrong with an Authorization header, never repeating it', () => {
  test.each([
    [undefined, { problem: 'missing Authorization: Bearer <key>' }],
    ['Bearer abc', { token: 'abc' }],
    ['bearer   abc  ', { token: 'abc' }],
    ['Basic abc', { problem: 'the Authorization scheme must be Bearer, not "Basic": send Authorization: Bearer <key>' }],
    ['lr_live_secret', { problem: 'the Authorization scheme must be Bearer, not another one (or none): send Authorization: Bearer <key>' }],
    ['Bearer', { problem: 'Authorization: Bearer has no token after it: send Authorization: Bearer <key>' }],
    ['Bearer a b', { problem: 'the token after Bearer has a space in it, and a token has none: send Authorization: Bearer <key>' }],
  ])('%j', (header, read) => expect(readBearer(header, 'key')).toEqual(read));
});

describe('zoneNameProblem: a name refused for its case or its spaces is told the spelling to send', () => {
  test.each([
    ['America/New_York', undefined],
    ['Asia/Kolkata', undefined],
    ['america/new_york', 'must be spelt exactly America/New_York (time zone names are case-sensitive)'],
    ['America/New_York ', 'has whitespace at its start or end: send "America/New_York"'],
    ['\tutc', 'has whitespace at its start or end: send "UTC" (time zone names are case-sensitive)'],
    ['ASIA/KOLKATA', 'must be spelt exactly Asia/Kolkata (time zone names are case-sensitive)'],
    ['+05:30', 'must be an IANA time zone name such as America/New_York or UTC (not an offset such as +05:30)'],
    ['Mars/Olympus ', 'has whitespace at its start or end, and must be an IANA time zone name such as America/New_York or UTC (not an offset such as +05:30)'],
  ])('%j', (zone, problem) => expect(zoneNameProblem(zone)).toBe(problem));

  test('zoneSpelling finds a zone whatever its case, and nothing for a name no zone has', () => {
    expect([zoneSpelling('europe/paris'), zoneSpelling('ASIA/TOKYO'), zoneSpelling('mars/olympus')]).toEqual(['Europe/Paris', 'Asia/Tokyo', undefined]);
  });
});

describe('deliveryUrlProblem: the usual slips named', () => {
  test.each([
    ['http://b.example:99999/h', 'has port 99999, out of range: a port is 1-65535'],
    ['http://b.example:0/h', 'has port 0, out of range: a port is 1-65535'],
    ['http://[::1]:70000/h', 'has port 70000, out of range: a port is 1-65535'],
    ['http://b.example:80a/h', 'has a port that is not a number: a port is a whole number from 1 to 65535'],
    ['http://b.example:/h', 'has ":" after the host but no port: write the port (1-65535) or leave the ":" out'],
    ['http://b.example/%zz', 'has "%zz", which is not a percent-escape: a % starts %XX, two hex digits (write a % itself as %25)'],
    ['http://b.example/a%', 'has "%", which is not a percent-escape: a % starts %XX, two hex digits (write a % itself as %25)'],
    ['http://b.example/a b', expect.stringMatching(/^must be an http:\/\/ or https:\/\/ URL .*a space as %20/)], // the general rule shows how
    ['http://bücher.example/', expect.stringMatching(/punycode \(bücher\.example as xn--bcher-kva\.example\)$/)],
    ['http://u:p@b.example/', 'must not hold a user name or password (user:pass@host): a URL is printed in logs and traces; buyers check our signature instead'],
    ['b.example/hook', 'must start with http:// or https://'],
    ['http://b.example:8080/h%20ok', undefined],
    ['HTTPS://[::1]:443/', undefined],
    ['http://[::1]/hook', undefined], // the colons of an IPv6 host are not a port
    ['http://[fe80::1]/', expect.stringMatching(/^must not point at a link-local/)],
  ])('%s', (url, problem) => expect(deliveryUrlProblem(url)).toEqual(problem));
});
