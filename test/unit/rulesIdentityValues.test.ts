import { RULE_LEAD_SHAPE } from '../../api/schemas/ruleLeadShape';
import { identityValueProblems } from '../../lib/rules/identityValues';
import { leadShapeProblems } from '../../lib/rules/neverMatches';
import { normalizeConditionValues } from '../../lib/rules/normalize';
import { validateConditions } from '../../lib/rules/validate';

/** Rule values on email and phone are written in the form a lead's are compared in; keys no body can carry are refused. */
const US = { defaultPhoneCountry: 'US' };
const value = (c: unknown) => (normalizeConditionValues(c) as { value: unknown }).value;
const problems = (c: unknown) => identityValueProblems(normalizeConditionValues(c), US);

describe('normalizeConditionValues on email and phone', () => {
  test('email values are NFKC and lower-cased for every op but matches', () => {
    for (const op of ['eq', 'neq', 'contains', 'starts_with', 'ends_with']) {
      expect(value({ field: 'email', op, value: ' Jane.Up@Outlook.COM ' })).toBe('jane.up@outlook.com');
    }
    expect(value({ field: 'email', op: 'in', value: ['A@B.com', '\uFF21\uFF20\uFF22.com'] })).toEqual(['a@b.com', 'a@b.com']);
    expect(value({ field: 'email', op: 'matches', value: '^Jane' })).toBe('^Jane');
  });

  test('a phone number written with its country code is stored in E.164', () => {
    expect(value({ field: 'phone', op: 'eq', value: '+1 415 734 0132' })).toBe('+14157340132');
    expect(value({ field: 'phone', op: 'not_in', value: ['+1 (415) 734-0132', '+44 20 7946 0018'] })).toEqual(['+14157340132', '+442079460018']);
    expect(value({ field: 'phone', op: 'starts_with', value: '\uFF0B\uFF11\uFF14\uFF11\uFF15' })).toBe('+1415'); // full-width
  });

  test('other fields keep their case; a national phone is left as typed for identityValueProblems', () => {
    expect(value({ field: 'state', op: 'eq', value: 'Ca' })).toBe('Ca');
    expect(value({ field: 'attributes.email', op: 'eq', value: 'A@B.com' })).toBe('A@B.com');
    expect(value({ field: 'phone', op: 'eq', value: '(415) 734-0132' })).toBe('(415) 734-0132');
  });
});

describe('identityValueProblems', () => {
  test('valid E.164 values and prefixes pass', () => {
    expect(problems({ all: [
      { field: 'phone', op: 'eq', value: '+1 415 734 0132' },
      { field: 'phone', op: 'in', value: ['+14157340132', '+442079460018'] },
      { field: 'phone', op: 'starts_with', value: '+1415' },
      { field: 'phone', op: 'ends_with', value: '0132' },
      { field: 'phone', op: 'contains', value: '+1415' },
      { field: 'phone', op: 'matches', value: '^\\+1' },
      { field: 'phone', op: 'exists' },
    ] })).toEqual([]);
  });

  test('a possible number that is not an assigned one (+1 555 555 0100) passes: a lead\'s phone is compared in E.164 whenever it is possible', () => {
    expect(problems({ all: [{ field: 'phone', op: 'eq', value: '+15555550100' }] })).toEqual([]);
  });

  test('a national number is refused with the E.164 form to write', () => {
    const [p, ...rest] = problems({ all: [{ field: 'phone', op: 'eq', value: '(415) 734-0132' }] });
    expect(rest).toEqual([]);
    expect(p).toEqual({ path: 'conditions.all[0].value', message: expect.stringContaining('write "+14157340132" (read as a number of US)') });
  });

  test('each list item is named; an invalid international number and a non-number say how to write one', () => {
    const found = problems({ any: [{ field: 'phone', op: 'in', value: ['+14157340132', '+999 123456789', 'call me'] }] });
    expect(found.map((p) => p.path)).toEqual(['conditions.any[0].value[1]', 'conditions.any[0].value[2]']);
    expect(found[0]!.message).toMatch(/not a (valid|possible) phone number.*E\.164, e\.g\. "\+14155550123"/);
    expect(found[1]!.message).toMatch(/not a phone number in E\.164.*\+ then the country code/);
  });

  test('starts_with must be + and digits, with the form to write when separators are all that is wrong', () => {
    expect(problems({ field: 'phone', op: 'starts_with', value: '+1 415' })).toEqual([{ path: 'conditions.value', message: expect.stringMatching(/must be "\+" and digits.*write "\+1415"/) }]);
    expect(problems({ field: 'phone', op: 'starts_with', value: '415' })[0]!.message).toMatch(/area code 415 in the US is "\+1415"/);
    expect(problems({ field: 'phone', op: 'starts_with', value: '+123456789012345678901' })).toHaveLength(1); // longer than any lead's phone
  });

  test('"+" then 0, or more than 20 digits, can never be part of a lead\'s phone: refused saying which (the newcomer walk of session 11: starts_with "+0" was stored)', () => {
    for (const [op, value] of [['starts_with', '+0'], ['starts_with', '+044'], ['contains', '+0'], ['contains', '+07911']]) {
      expect(problems({ field: 'phone', op, value })).toEqual([{ path: 'conditions.value', message: expect.stringMatching(/country code, which never starts with 0/) }]);
    }
    expect(problems({ field: 'phone', op: 'starts_with', value: '+123456789012345678901' })[0]!.message).toMatch(/has 21 digits, and a lead's phone has at most 20/);
    expect(problems({ field: 'phone', op: 'contains', value: '123456789012345678901' })[0]!.message).toMatch(/has 21 digits/);
    expect(problems({ field: 'phone', op: 'ends_with', value: '123456789012345678901' })[0]!.message).toMatch(/has 21 digits/);
    // Longer than E.164's 15, yet possible for libphonenumber: a German number of 17 digits is a lead's phone (the review).
    for (const [op, value] of [['starts_with', '+1'], ['starts_with', '+441234567890123'], ['contains', '0123'], ['contains', '+4420'], ['ends_with', '0'],
      ['starts_with', '+4930123456789012'], ['contains', '4930123456789012'], ['eq', '+49301234567890123']]) {
      expect(problems({ field: 'phone', op, value })).toEqual([]);
    }
  });

  test('contains and ends_with hold digits only (E.164 holds nothing else)', () => {
    expect(problems({ field: 'phone', op: 'ends_with', value: '734-0132' })[0]!.message).toMatch(/must be digits.*write "7340132"/);
    expect(problems({ field: 'phone', op: 'ends_with', value: '+0132' })).toHaveLength(1);
    expect(problems({ field: 'phone', op: 'contains', value: 'x' })).toHaveLength(1);
  });

  test('email values are never refused here (their form is normalized, their shape is leadShapeProblems\')', () => {
    expect(problems({ field: 'email', op: 'eq', value: 'Jane@X.com' })).toEqual([]);
  });
});

describe('field paths no lead can carry (forbidden body keys, empty segments)', () => {
  const shape = (field: string) => leadShapeProblems({ field, op: 'exists' }, RULE_LEAD_SHAPE);
  test.each(['attributes.__proto__', '__proto__', 'attributes.constructor.prototype', 'constructor.prototype'])('%s is refused as a key no body may carry', (field) => {
    expect(shape(field)).toEqual([{ path: 'conditions.field', message: expect.stringMatching(/is refused in every request body.*forbidden_key/) }]);
  });

  test('attributes.constructor (a scalar a lead can carry) is allowed', () => {
    expect(shape('attributes.constructor')).toEqual([]);
  });

  test.each(['attributes..x', 'attributes.', '.state', 'attributes.a b', 'attributes.1x'])('%s is not a field path', (field) => {
    expect(validateConditions({ field, op: 'exists' }).map((p) => p.path)).toEqual(['conditions.field']);
  });
});
