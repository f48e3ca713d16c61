// regexWidth (lib/rules/regexWidth.ts) and the write-time refusal it backs (regex.ts regexProblem): a `matches`
// pattern that can keep more than MAX_REGEX_WIDTH threads alive per character is refused, naming why; the patterns
// rule authors write (the bench's, anchored lists, classes, case folds) are not.
import { RE2JS } from 're2js';
import { leadBodySchema } from '../../api/schemas/lead';
import { longestValue, MAX_REGEX_WIDTH, regexProblem } from '../../lib/rules/regex';
import { regexWidth } from '../../lib/rules/regexWidth';

const width = (pattern: string, limit = 10_000) => regexWidth(RE2JS.compile(pattern), limit);

describe('refused: wide patterns (the session 11 walk: (?:.?){990}\\d\\d took 126 ms on 1,000 characters)', () => {
  test.each([
    '(?:.?){990}\\d\\d', '(?:.?){100}', '.{0,500}x', '[\\s\\S]{200}', '(?:a|aa){100}', '(?:\\d?){80}$',
    // the second walk of session 11: accepted at a limit of 64, up to 8-11 ms per 1,000-character value with test()
    '.*a.{60}', '[ab]*a[ab]{60}', '.{0,500}[xa]b{9}', '\\w{3,64}@',
  ])('%s', (pattern) => {
    expect(regexProblem(pattern)).toMatch(/too costly to match.*more than 16 partial matches/);
  });
});

describe('accepted: what rule authors write', () => {
  test.each([
    '^9[0-4]\\d{3}$', '^(1|\\+1)?[2-9]\\d{2}[2-9]\\d{6}$', '@(gmail|yahoo|hotmail)\\.com$', '(?i)^(spring|summer)_', '^\\+1(415|650|408)',
    '^[0-2]\\d{4}$', '.*foo.*bar', '\\d{3}-\\d{4}', '(?i)^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$', '\\pL+', '[^a-z]', '',
    `^(?:${Array.from({ length: 400 }, (_, i) => String(10_000 + i * 7)).join('|')})$`, // 400 anchored zip codes
    `^(?:${Array.from({ length: 40 }, (_, i) => `campaign_${i}`).join('|')})$`,
    '^\\w{3,64}@', '.*a.{8}', '[A-Z]{2}\\d{6}', '(a+)+$',
  ])('%s', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });
});

test('a pattern with more character classes than the check tells apart is judged on merged classes, never on a sample (the session 11 review: 270 CJK characters hid a 950-wide tail)', () => {
  const lits = Array.from({ length: 270 }, (_, i) => String.fromCodePoint(0x4e00 + 3 * i)).join('');
  expect(regexProblem(`[${lits}]|\u4e0b[\u4e0bz]{950}!`)).toMatch(/too costly to match/);
});

test('the budget is per value: an email (254 characters at most) may track more than a 1,000-character attribute', () => {
  const domains = `@(?:${['gmail', 'yahoo', 'hotmail', 'outlook', 'aol', 'icloud', 'proton', 'gmx', 'web', 'mail', 'yandex', 'zoho', 'fastmail', 'tutanota', 'hey', 'me', 'live'].join('|')})\\.com$`;
  expect(regexProblem(domains, longestValue('email'))).toBeUndefined();
  expect(regexProblem('.*a.{40}', longestValue('email'))).toBeUndefined(); // 42 wide x 254 characters
  expect(regexProblem('.*a.{40}', longestValue('attributes.note'))).toMatch(/more than 16 partial matches/);
  expect(regexProblem('.*a.{80}', longestValue('email'))).toMatch(/more than 62 partial matches/);
});

test('longestValue is the lead schema\'s own maxLength (email, phone; attributes and every other text field at most 1,000)', () => {
  const props = (leadBodySchema as unknown as { properties: Record<string, { maxLength?: number; additionalProperties?: { maxLength?: number } }> }).properties;
  expect(longestValue('email')).toBe(props.email!.maxLength);
  expect(longestValue('phone')).toBe(props.phone!.maxLength);
  expect(longestValue('attributes.x')).toBe(props.attributes!.additionalProperties!.maxLength);
  for (const [field, schema] of Object.entries(props)) if (schema.maxLength !== undefined) expect({ field, max: longestValue(field) >= schema.maxLength }).toEqual({ field, max: true });
});

test('the width grows with what a pattern can track at once, and ^ keeps later positions from starting', () => {
  expect(width('abc')).toBeLessThanOrEqual(2); // a thread inside abc, and a new one starting at the next position
  expect(width('(?:.?){10}x')).toBeGreaterThanOrEqual(11);
  expect(width('(?:.?){20}x')).toBeGreaterThan(width('(?:.?){10}x')!);
  expect(width('a.{0,30}b')).toBeGreaterThanOrEqual(30);
  expect(width('^a.{0,30}b')).toBeLessThanOrEqual(3); // anchored: one start, so one thread per depth, not one per start
  expect(width('^(?:abc|abd|xyz)')).toBeLessThanOrEqual(3);
});

test('stops as soon as the limit is passed (a wide pattern is not explored in full)', () => {
  expect(width('(?:.?){990}\\d\\d', MAX_REGEX_WIDTH)).toBeGreaterThan(MAX_REGEX_WIDTH);
});
