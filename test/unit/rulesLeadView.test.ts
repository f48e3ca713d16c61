import { evaluateRules } from '../../lib/rules/evaluate';
import { canonicalRuleEmail, canonicalRulePhone, identityFieldsRead, ruleLeadView } from '../../lib/rules/leadView';
import type { Condition, LeadFields, RoutingRule } from '../../lib/rules/types';

/** The lead as rules see it: email and phone in the canonical form dedupe reads them in (newcomer walk s9, item 2). */
const US = { defaultPhoneCountry: 'US' };
let nextId = 0;
const rule = (conditions: Condition, over: Partial<RoutingRule> = {}): RoutingRule => ({
  id: `r-${++nextId}`, name: 'r', priority: nextId, sourceWorkspaceId: null, conditions,
  destinations: [{ workspaceId: 'buyer' }], distribution: 'priority', enabled: true, version: 1, ...over,
});
const matches = (lead: LeadFields, conditions: Condition, view = US) => evaluateRules(lead, 'src', [rule(conditions)], () => true, view).kind === 'matched';

describe('canonicalRulePhone (E.164 as dedupe parses it)', () => {
  test.each([
    ['+1 415 734 0132', 'US'],
    ['(415) 734-0132', 'US'],
    ['415.734.0132', 'US'],
    ['4157340132', 'US'],
    ['+14157340132', 'GB'], // written with its country code: the lead's country does not matter
    ['\uFF14\uFF11\uFF15-\uFF17\uFF13\uFF14-\uFF10\uFF11\uFF13\uFF12', 'US'], // full-width digits
    ['\u0664\u0661\u0665\u0667\u0663\u0664\u0660\u0661\u0663\u0662', 'US'], // Arabic-Indic digits
  ])('%s read in %s is +14157340132', (raw, country) => {
    expect(canonicalRulePhone(raw, country)).toBe('+14157340132');
  });

  test('a national number is read in the country given (the lead\'s, else DEFAULT_PHONE_COUNTRY)', () => {
    expect(canonicalRulePhone('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(canonicalRulePhone('(415) 555-0134', 'US')).toBe('+14155550134');
  });

  test('a phone that does not parse is compared as typed, trimmed', () => {
    expect(canonicalRulePhone('  call me  ', 'US')).toBe('call me');
    expect(canonicalRulePhone(' 12 ', 'US')).toBe('12');
  });
});

describe('canonicalRuleEmail (trimmed, NFKC, lower-case; no Gmail folding)', () => {
  test.each([
    ['Jane.Up@Outlook.com', 'jane.up@outlook.com'],
    ['  JANE@EXAMPLE.COM ', 'jane@example.com'],
    ['\uFF2A\uFF41\uFF4E\uFF45\uFF20\uFF25\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45\uFF0E\uFF43\uFF4F\uFF4D', 'jane@example.com'], // full-width
    ['J.Doe+Promo@GMail.com', 'j.doe+promo@gmail.com'], // dots and +tag kept: rules read the address as written
  ])('%s → %s', (raw, expected) => {
    expect(canonicalRuleEmail(raw)).toBe(expected);
  });
});

describe('ruleLeadView', () => {
  const lead = Object.freeze({ email: 'Jane.Up@Outlook.com', phone: '(415) 734-0132', state: 'CA', attributes: Object.freeze({ a: 1 }) });

  test('without a rule comparing email or phone, the lead itself (nothing computed)', () => {
    const rules = [rule({ field: 'state', op: 'eq', value: 'CA' }), rule({ field: 'phone', op: 'exists' }), rule({ field: 'email', op: 'not_exists' })];
    expect(identityFieldsRead(rules)).toEqual({ email: false, phone: false });
    expect(ruleLeadView(lead, rules, US)).toBe(lead);
  });

  test('a disabled rule does not count; the answer is computed once per rules array', () => {
    const rules = [rule({ field: 'phone', op: 'eq', value: '+14157340132' }, { enabled: false })];
    expect(ruleLeadView(lead, rules, US)).toBe(lead);
    const reading = [rule({ not: { any: [{ field: 'state', op: 'eq', value: 'TX' }, { field: 'phone', op: 'starts_with', value: '+1' }] } })];
    expect(identityFieldsRead(reading)).toBe(identityFieldsRead(reading));
    expect(identityFieldsRead(reading)).toEqual({ email: false, phone: true });
  });

  test('a copy with only the fields rules compare canonical; the lead (as stored and delivered) is unchanged', () => {
    const phoneOnly = ruleLeadView(lead, [rule({ field: 'phone', op: 'eq', value: '+14157340132' })], US);
    expect(phoneOnly).toEqual({ ...lead, phone: '+14157340132' });
    const both = ruleLeadView(lead, [rule({ all: [{ field: 'phone', op: 'eq', value: '+14157340132' }, { field: 'email', op: 'eq', value: 'jane.up@outlook.com' }] })], US);
    expect(both).toEqual({ ...lead, email: 'jane.up@outlook.com', phone: '+14157340132' });
    expect(both.attributes).toBe(lead.attributes);
    expect(lead).toEqual({ email: 'Jane.Up@Outlook.com', phone: '(415) 734-0132', state: 'CA', attributes: { a: 1 } });
  });

  test('the lead\'s own country decides how a national phone is read', () => {
    const rules = [rule({ field: 'phone', op: 'starts_with', value: '+44' })];
    expect(ruleLeadView({ phone: '020 7946 0018', country: 'GB' }, rules, US).phone).toBe('+442079460018');
    expect(ruleLeadView({ phone: '020 7946 0018' }, rules, { defaultPhoneCountry: 'GB' }).phone).toBe('+442079460018');
    expect(ruleLeadView({ phone: '(415) 734-0132' }, rules, US).phone).toBe('+14157340132');
  });
});

describe('rules match the canonical lead (evaluateRules)', () => {
  test.each(['+1 415 734 0132', '(415) 734-0132', '415-734-0132', '+14157340132'])('phone %s: eq "+14157340132", in, starts_with "+1415", neq never', (phone) => {
    expect(matches({ phone }, { field: 'phone', op: 'eq', value: '+14157340132' })).toBe(true);
    expect(matches({ phone }, { field: 'phone', op: 'in', value: ['+442079460018', '+14157340132'] })).toBe(true);
    expect(matches({ phone }, { field: 'phone', op: 'starts_with', value: '+1415' })).toBe(true);
    expect(matches({ phone }, { field: 'phone', op: 'neq', value: '+14157340132' })).toBe(false);
    expect(matches({ phone }, { field: 'phone', op: 'matches', value: '^\\+1415[0-9]{7}$' })).toBe(true); // matches sees E.164 too
  });

  test('a phone of another area code or country does not match', () => {
    expect(matches({ phone: '(212) 555-0134' }, { field: 'phone', op: 'starts_with', value: '+1415' })).toBe(false);
    expect(matches({ phone: '415 734 0132', country: 'GB' }, { field: 'phone', op: 'eq', value: '+14157340132' })).toBe(false);
  });

  test('email: case and full-width forms match the lower-case value; ends_with "@gmail.com" still matches dotted Gmail', () => {
    for (const email of ['Jane.Up@Outlook.com', 'JANE.UP@OUTLOOK.COM', '\uFF2A\uFF41\uFF4E\uFF45.\uFF35\uFF50@\uFF2F\uFF55\uFF54\uFF4C\uFF4F\uFF4F\uFF4B.com']) {
      expect(matches({ email }, { field: 'email', op: 'eq', value: 'jane.up@outlook.com' })).toBe(true);
      expect(matches({ email }, { field: 'email', op: 'in', value: ['jane.up@outlook.com'] })).toBe(true);
    }
    expect(matches({ email: 'J.Doe+x@Gmail.com' }, { field: 'email', op: 'ends_with', value: '@gmail.com' })).toBe(true);
    expect(matches({ email: 'J.Doe+x@Gmail.com' }, { field: 'email', op: 'eq', value: 'jdoe@gmail.com' })).toBe(false); // no dedupe folding
  });

  test('other fields are compared as before (case-sensitive eq)', () => {
    expect(matches({ state: 'ca', email: 'A@B.com' }, { all: [{ field: 'state', op: 'eq', value: 'CA' }, { field: 'email', op: 'exists' }] })).toBe(false);
  });
});
