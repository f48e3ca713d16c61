import { countOf, rateLimitText, retryAfterText, withArticle } from '../../api/errors';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { isCode, withLeadChecks } from '../../api/plugins/validation';
import { leadBodySchema } from '../../api/schemas/lead';

describe('message grammar (api/errors.ts)', () => {
  test.each([
    ['hourly', 'an hourly'], ['unspecified (0.0.0.0/8, ::)', 'an unspecified (0.0.0.0/8, ::)'], ['daily', 'a daily'],
    ['monthly', 'a monthly'], ['link-local (fe80::/10)', 'a link-local (fe80::/10)'], ['source', 'a source'], ['partner', 'a partner'], ['other', 'an other'],
  ])('withArticle(%j) is %j', (word, said) => expect(withArticle(word)).toBe(said));

  test('counts: singular for 1, plural otherwise', () => {
    expect([countOf(1, 'request'), countOf(0, 'request'), countOf(2, 'request')]).toEqual(['1 request', '0 requests', '2 requests']);
    expect(retryAfterText(1)).toBe('retry after 1 second (Retry-After)');
    expect(rateLimitText(1, 60)).toBe('rate limit of 1 request per 1 minute exceeded; retry after 60 seconds (Retry-After)');
  });
});

describe('field formats (api/plugins/validation.ts)', () => {
  // The lead schema's own `email`, compiled with the checks the API adds (withLeadChecks): what a lead's 400 runs.
  const email = withLeadChecks(addFormats(new Ajv({ allErrors: true, strict: false }))).compile(leadBodySchema.properties.email);
  const failed = (s: string) => (email(s) ? [] : (email.errors ?? []).map((e) => e.keyword));

  test('an email has at most 64 bytes before the @ (RFC 5321 §4.5.3.1.1), UTF-8 counted, a check of its own', () => {
    expect(failed(`${'a'.repeat(64)}@outlook.com`)).toEqual([]);
    expect(failed(`${'a'.repeat(65)}@outlook.com`)).toEqual(['x-max-local-part-bytes']);
    expect(failed(`${'ж'.repeat(32)}@outlook.com`)).toEqual([]); // 64 bytes
    expect(failed(`${'ж'.repeat(33)}@outlook.com`)).toEqual(['x-max-local-part-bytes']); // 66 bytes
    expect(failed('jürgen@example.de')).toEqual([]);
    expect(failed('not-an-address')).toEqual(['format']);
  });

  test('a code holds no format character (Cf), the astral ones included; other letters and spaces are fine', () => {
    for (const s of ['C\u200DA', 'C\u200BA', 'C\u00ADA', 'C\uFEFFA', 'C\u2060A', 'C\u{E0041}A', 'C\u0600A']) expect([s, isCode(s)]).toEqual([s, false]);
    for (const s of ['CA', 'SW1A 1AA', 'Île-de-France', '1010-001', 'NY']) expect([s, isCode(s)]).toEqual([s, true]);
  });
});
