// The pure parts of the HTTP boundary's session-8 fixes: digits of any script, JSON depth before parsing,
// number messages by value, route patterns for 405, client-error answers, NFKC identity.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../api/errors';
import { AuthFailureThrottle } from '../../api/plugins/auth';
import { clientErrorResponse } from '../../api/plugins/clientErrors';
import { patternToRegExp } from '../../api/plugins/methodNotAllowed';
import { normalizeLeadInput } from '../../api/leadInput';
import { emailDedupeKey, normalizeEmail, phoneDedupeKey } from '../../lib/identity';
import { asciiDigits } from '../../lib/input/digits';
import { firstTooDeep } from '../../lib/input/jsonDepth';
import { MAX_DEPTH, numberTextProblem, sanitizeJson } from '../../lib/input/sanitize';
import { parse } from 'lossless-json';

describe('asciiDigits', () => {
  test.each([
    ['٤١٥-٥٥٥', '415-555'], // Arabic-Indic
    ['۴۱۵', '415'], // Extended Arabic-Indic (Persian, Urdu)
    ['४१५', '415'], // Devanagari
    ['４１５', '415'], // full-width
    ['𝟏𝟐𝟗', '129'], // mathematical bold (U+1D7CE…): runs of ten that touch
    ['𝟿𝟶', '90'], // mathematical monospace, the last run of that block
    ['+1 (415) 555-0123 x', '+1 (415) 555-0123 x'], // ASCII and non-digits unchanged
  ])('%s → %s', (input, output) => {
    expect(asciiDigits(input)).toBe(output);
  });
});

describe('firstTooDeep (before parsing)', () => {
  const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  test('the root is depth 0: 64 levels below it pass, 65 do not', () => {
    expect(firstTooDeep(nest(65), 64)).toBeUndefined();
    expect(firstTooDeep(nest(66), 64)).toBe('[0]'.repeat(65)); // the 66th array, at depth 65
  });
  test('names the path as the sanitiser does: keys, indexes, escapes decoded', () => {
    expect(firstTooDeep(`{"a":1,"b\\u0041":[0,${nest(3)}]}`, 2)).toBe('bA[1][0]');
    expect(firstTooDeep(`{"x":{"y":${nest(2)}}}`, 2)).toBe('x.y[0]');
    for (const text of [nest(66), `{"attributes":{"x":${nest(100)}}}`, `{"a":[1,{"b":${nest(70)}}]}`]) {
      const sanitized = sanitizeJson(parse(text));
      expect(sanitized.ok ? undefined : sanitized.problems[0]!.field).toBe(firstTooDeep(text, MAX_DEPTH));
    }
  });
  test('brackets and quotes inside strings do not count', () => {
    expect(firstTooDeep(`{"k":"[[[[[[\\"{{{{"}`, 1)).toBeUndefined();
  });
  test('30,000 levels, or text cut short, answer at once without a stack overflow', () => {
    expect(firstTooDeep('['.repeat(30_000), 64)).toBe('[0]'.repeat(65));
    expect(firstTooDeep('{"a":"unterminated', 64)).toBeUndefined();
  });
});

describe('numberTextProblem: by value, whatever the spelling', () => {
  test.each(['1e21', '1E21', '-1e21', '1000000000000000000000', '2.5e300', '1e16', '9007199254740993'])('%s is beyond 2^53 − 1', (text) => {
    expect(numberTextProblem(text)).toMatch(/^is beyond ±9007199254740991 \(2\^53 − 1\)/);
  });
  test.each([
    ['1.00000000000000000001', /more significant digits/],
    ['1e999', /too large/],
    ['1e-400', /too close to zero/],
  ])('%s: %s', (text, message) => {
    expect(numberTextProblem(text)).toMatch(message);
  });
  test.each(['0', '0.1', '9007199254740991', '1e15', '2.5e-3'])('%s is accepted', (text) => {
    expect(numberTextProblem(text)).toBeUndefined();
  });
});

describe('patternToRegExp (405 Allow)', () => {
  test('a :param is one segment, * is anything, literals are literal', () => {
    const lead = patternToRegExp('/api/leads/:id');
    expect(['/api/leads/abc', '/api/leads/route'].map((p) => lead.test(p))).toEqual([true, true]);
    expect(['/api/leads/a/b', '/api/leads/', '/api/leadsX/a'].map((p) => lead.test(p))).toEqual([false, false, false]);
    expect(patternToRegExp('/docs/*').test('/docs/static/x.js')).toBe(true);
    expect(patternToRegExp('/openapi.json').test('/openapiXjson')).toBe(false);
  });
});

describe('clientErrorResponse (Node parser errors in the API shape)', () => {
  test.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_METHOD', 400, 'invalid_request'],
    [undefined, 400, 'invalid_request'],
  ])('%s → %i %s, with a correct Content-Length', (code, status, apiCode) => {
    const raw = clientErrorResponse(code);
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({ error: { code: apiCode, message: expect.any(String) } });
  });
});

describe('email and phone in compatibility forms: one identity', () => {
  test('full-width address, @ and . normalize to the ASCII address', () => {
    expect(normalizeEmail('ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe('john@example.com');
    expect(emailDedupeKey('john＠outlook.com')).toEqual(emailDedupeKey('john@outlook.com'));
    expect(emailDedupeKey('ｊｏｈｎ＠ｏｕｔｌｏｏｋ．ｃｏｍ')).toEqual({ kind: 'key', value: 'john@outlook.com' });
  });
  test('a phone in other digits is the same E.164 key', () => {
    const ascii = phoneDedupeKey('415 555 2671', 'US');
    expect(ascii).toEqual({ kind: 'key', value: '+14155552671' });
    for (const phone of ['٤١٥ ٥٥٥ ٢٦٧١', '４１５－５５５－２６７１', '४१५ ५५५ २६७१']) expect([phone, phoneDedupeKey(phone, 'US')]).toEqual([phone, ascii]);
  });
  test('the boundary stores email and phone in that form, and leaves names as typed', () => {
    expect(normalizeLeadInput({ externalId: 'x', email: ' ｊｏｈｎ＠ｏｕｔｌｏｏｋ．ｃｏｍ ', phone: '＋１ ٤١٥', firstName: 'Ｊｏｈｎ' })).toEqual({
      externalId: 'x',
      email: 'john@outlook.com',
      phone: '+1 415',
      firstName: 'Ｊｏｈｎ',
    });
  });
});

describe('AuthFailureThrottle: the 429 says how long to wait, with the Retry-After number', () => {
  test('after its failures per minute, "retry after N seconds" where N is the header', async () => {
    const throttle = new AuthFailureThrottle(2);
    const request = { ip: '203.0.113.7', headers: { authorization: 'Bearer wrong' } } as unknown as FastifyRequest;
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) } as unknown as FastifyReply;
    await throttle.recordFailure(request);
    await throttle.recordFailure(request);
    const err = await throttle.check(request, reply).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const seconds = Number(headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect((err as ApiError).message).toBe(`too many failed authentications (2 per minute); retry after ${seconds} second${seconds === 1 ? '' : 's'} (Retry-After)`);
  });
});
