// `matches` on email / phone refused on write when no canonical value can match (lib/rules/canonicalPatterns.ts),
// and through the admin API's condition check (api/ruleConditions.ts). Sound: a refused pattern matches none of a
// set of canonical values, and a lead's email/phone put in canonical form by the same code routing uses.
import { ruleConditionProblems } from '../../api/ruleConditions';
import { canMatchOver, canonicalForms, canonicalPatternProblems, canStandInCanonicalEmail } from '../../lib/rules/canonicalPatterns';
import { canonicalRuleEmail, canonicalRulePhone } from '../../lib/rules/leadView';
import { compileRegex } from '../../lib/rules/regex';

const matches = (field: string, value: string) => ({ field, op: 'matches', value });
const refused = (field: 'email' | 'phone', pattern: string) => canonicalPatternProblems(matches(field, pattern)).length > 0;

describe('email: canonical form is trimmed, NFKC, lower-case', () => {
  test.each([
    '^Jane', 'Jane', '@Example\\.com$', '[A-Z]+@', '^[A-Z]', '(?:JANE|DOE)\\.', '(?:Doe)+',
    // Not only A-Z: what NFKC or lower-casing rewrites (the newcomer walk of session 11: ^jÜrgen@ was stored).
    '^jÜrgen@', 'É', 'ẞ', 'Σ', '\\x{212A}', 'ﬁ', '^ｊａｎｅ', '[À-Ö]', 'Ⅰ',
  ])('%s can never match: refused', (pattern) => {
    expect(refused('email', pattern)).toBe(true);
  });

  test.each([
    '^jane', '(?i)^Jane', '(?i:J)ane', '[A-Za-z]+@', 'Jane|jane', 'jane|JANE\\.', '^J?ane', '\\w+@gmail\\.com$', '.', '', '\\pL+', '[^a-z]',
    '^jürgen@', '(?i)^JÜRGEN', 'ß', 'σ', 'ς', 'é', 'fi', ' ', '\\s', '[À-ÿ]', '(?i)Σ',
  ])('%s can match: accepted', (pattern) => {
    expect(refused('email', pattern)).toBe(false);
  });
});

describe('phone: canonical form is E.164, "+" and digits', () => {
  test.each([
    '^\\(415\\)', '415-555', '^1 415', 'ext', '[a-z]', '\\s', '^\\+1\\.415', '\\(?415\\)',
    // Where a character stands: E.164 starts with "+" and a country code 1-9 (a newcomer's national patterns).
    '^07', '^06', '^1415', '^\\d', '^[0-9]', '^\\+0', '\\+0', '\\+$', '^$', '4\\+', '(?m)^0',
    // More digits than a lead's phone can have (20: E.164's 15, and libphonenumber's longer possible numbers).
    '\\d{21}', '^\\+\\d{21}', '\\+1\\d{20}',
  ])('%s can never match: refused', (pattern) => {
    expect(refused('phone', pattern)).toBe(true);
  });

  test.each([
    '^\\+1415', '1415', '415[- ]?555', '\\(?415\\)?', '\\d{3}', '^\\+1 ?415', '.*', 'x|\\+1', '[[:digit:]]+$', '\\+\\pN', '^\\+44',
    '^\\+447', '^.', '^\\+', '0123$', '\\b415', '^(?:\\+1)?415|^\\+1415', '7911',
    '\\d{15}', '^\\+\\d{15}$', '^\\+1\\d{14}$',
    // A 17-digit German number is a possible one, so a lead's phone (the session 11 review).
    '^\\+49\\d{15}$', '\\d{16}', '\\d{17}',
  ])('%s can match: accepted', (pattern) => {
    expect(refused('phone', pattern)).toBe(false);
  });
});

test('the problem names the value in place (nested, under not) and says why with the canonical form', () => {
  const problems = canonicalPatternProblems({ all: [matches('state', '^CA'), { not: { any: [matches('email', '^Jane')] } }, matches('phone', '^\\(415\\)')] });
  expect(problems.map((p) => p.path)).toEqual(['conditions.all[1].not.any[0].value', 'conditions.all[2].value']);
  expect(problems[0]!.message).toMatch(/lower-case.*\(\?i\)/s);
  expect(problems[1]!.message).toMatch(/E\.164.*\+14155550123/);
});

test('other fields, other operators and invalid patterns are not this check\'s to refuse', () => {
  expect(canonicalPatternProblems(matches('state', '^[A-Z]{2}$'))).toEqual([]);
  expect(canonicalPatternProblems(matches('attributes.code', '\\('))).toEqual([]);
  expect(canonicalPatternProblems({ field: 'email', op: 'contains', value: 'Jane' })).toEqual([]);
  expect(canMatchOver('(unclosed', canonicalForms.phone)).toBe(true); // validate.ts reports it
});

test('sound: a refused pattern matches no canonical value of sample leads', () => {
  const emails = ['Jane.Doe@Example.com', ' JANE@EXAMPLE.COM ', 'ｊａｎｅ@example.com', 'KELVIN@example.com', 'o\u0130@example.com'].map(canonicalRuleEmail);
  const phones = [canonicalRulePhone('(415) 555-0123', 'US'), canonicalRulePhone('+44 20 7946 0958', 'US'), canonicalRulePhone('０２０ ７９４６ ０９５８', 'GB')];
  const found = (pattern: string, values: string[]) => {
    const compiled = compileRegex(pattern);
    return compiled.ok && values.some((v) => compiled.re.matcher(v).find());
  };
  const emailPatterns = ['^Jane', 'J', '[A-Z]', '[^a-z]', 'jane', '(?i)JANE', 'K', '\\x{212A}'];
  const phonePatterns = ['\\(', '^\\+1', '415', '[a-z]', '\\d', ' ', '-', '^\\+44', '^07', '^1415', '^\\d', '\\+0', '\\+$', '^$', '(?m)^0'];
  for (const p of emailPatterns) if (refused('email', p)) expect(found(p, emails)).toBe(false);
  for (const p of phonePatterns) if (refused('phone', p)) expect(found(p, phones)).toBe(false);
  expect(phones).toEqual(['+14155550123', '+442079460958', '+442079460958']);
});

test('the admin API\'s condition check refuses it with a 400-ready problem naming the field', () => {
  const { problems } = ruleConditionProblems({ all: [matches('email', '^Jane')] }, { defaultPhoneCountry: 'US' });
  expect(problems).toEqual([{ path: 'conditions.all[0].value', message: expect.stringContaining('can never match') }]);
  expect(ruleConditionProblems({ all: [matches('email', '(?i)^Jane')] }, { defaultPhoneCountry: 'US' }).problems).toEqual([]);
});

test('sound for every code point: a character of a canonical email is one canStandInCanonicalEmail accepts', () => {
  const refusedOnes: number[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates: no email holds one (the gateway refuses them)
    // Between two letters: a character NFKC turns into text with spaces keeps them inside the value.
    for (const ch of canonicalRuleEmail(`a${String.fromCodePoint(cp)}a`)) {
      if (!canStandInCanonicalEmail(ch.codePointAt(0)!)) refusedOnes.push(cp);
    }
  }
  expect(refusedOnes).toEqual([]);
});

test('sound over many E.164 numbers: a pattern refused for the phone finds none of them', () => {
  // Deterministic pseudo-random numbers of every length E.164 allows (country code 1-9 first, 2-15 digits).
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647);
  const numbers = Array.from({ length: 2_000 }, () => {
    const length = 2 + (next() % 14);
    return `+${1 + (next() % 9)}${Array.from({ length: length - 1 }, () => next() % 10).join('')}`;
  });
  const candidates = ['^07', '^06', '^1415', '^\\d', '^[0-9]', '^\\+0', '\\+0', '\\+$', '^$', '4\\+', '(?m)^0', '^\\(415\\)', '415-555', '\\s',
    '^\\+1415', '1415', '\\d{3}', '^\\+44', '^.', '0123$', '\\b415', '7911', '^\\+\\d{2,15}$', '\\d{15}', '\\d{16}', '^\\+\\d{15}$'];
  for (const pattern of candidates) {
    const compiled = compileRegex(pattern);
    if (!compiled.ok) throw new Error(pattern);
    const hit = numbers.find((n) => compiled.re.matcher(n).find());
    // Refused implies no hit; a hit implies accepted (the two checks cannot disagree the other way round).
    if (refused('phone', pattern)) expect({ pattern, hit }).toEqual({ pattern, hit: undefined });
    if (hit !== undefined) expect({ pattern, refused: refused('phone', pattern) }).toEqual({ pattern, refused: false });
  }
});
