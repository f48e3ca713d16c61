import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { asciiDigits } from '../input/digits';
import { PHONE_MAX_DIGITS } from './canonicalPatterns';
import { canonicalRuleEmail } from './leadView';
import type { RuleProblem } from './validate';
import { forEachPredicate } from './walk';

/**
 * Rule values on `email` and `phone` in the form a lead's are compared in (lib/rules/leadView.ts), on write:
 * normalizeConditionValues (normalize.ts) puts them in that form, identityValueProblems refuses the phone
 * values no canonical phone can be. Values of stored rules are not rewritten (they change on their next PUT).
 */

/** Operators whose email value is canonicalised like the lead's email (`matches` is a pattern: left as written). */
const EMAIL_OPS = new Set(['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'ends_with']);
/** Operators whose phone value is a whole number, stored in E.164. */
const PHONE_NUMBER_OPS = new Set(['eq', 'neq', 'in', 'not_in']);
/** Operators whose phone value is a piece of the E.164 form. */
const PHONE_PART_OPS = new Set(['contains', 'starts_with', 'ends_with']);

/**
 * The form a lead's phone is compared in: "+", a country code whose first digit is 1-9, then digits, at most
 * PHONE_MAX_DIGITS (20: longer than E.164's 15, as libphonenumber-js allows some countries: canonicalPatterns.ts).
 */
const E164_PREFIX = /^\+[1-9][0-9]{0,19}$/;
const DIGITS = /^[0-9]{1,20}$/;
const PLUS_DIGITS = /^(?:\+[1-9][0-9]{0,19}|[0-9]{1,20})$/;
const SEPARATORS = /[\s().-]/g;
const EXAMPLE = '"+14155550123"';

/** A phone value as text: NFKC (full-width ＋), digits of any script in ASCII, trimmed (as api/leadInput.ts does to a lead's). */
const phoneText = (v: string) => asciiDigits(v.normalize('NFKC')).trim();

/**
 * How normalizeConditionValues writes a string value of a predicate on `field` with `op`, or undefined when
 * the field is neither email nor phone (or the op is `matches`). Email: canonicalRuleEmail. Phone, eq / neq /
 * in / not_in: E.164 when it is a possible number written with its country code (`+1 415 734 0132` is stored as
 * `+14157340132`), else as typed (identityValueProblems then refuses it); contains / starts_with / ends_with:
 * NFKC with ASCII digits, trimmed.
 */
export function identityValueWriter(field: unknown, op: unknown): ((v: string) => string) | undefined {
  if (field === 'email' && EMAIL_OPS.has(op as string)) return canonicalRuleEmail;
  if (field === 'phone' && PHONE_NUMBER_OPS.has(op as string)) {
    return (v) => {
      const text = phoneText(v);
      const parsed = text.startsWith('+') ? parsePhoneNumberFromString(text) : undefined;
      return parsed?.isPossible() ? parsed.number : text;
    };
  }
  if (field === 'phone' && PHONE_PART_OPS.has(op as string)) return phoneText;
  return undefined;
}

/**
 * The E.164 form a phone value of an eq / neq / in / not_in predicate reads as: `+1 415 734 0132` as written, a
 * number without its country code (`14157340132`, `(415) 734-0132`) as a number of `defaultCountry`; undefined when
 * it is no possible number either way, or for another op. What identityValueProblems' "write ..." suggests.
 */
export function phoneNumberCandidate(op: string, v: string, defaultCountry: string): string | undefined {
  if (!PHONE_NUMBER_OPS.has(op)) return undefined;
  const text = phoneText(v);
  const parsed = text.startsWith('+') ? parsePhoneNumberFromString(text) : parsePhoneNumberFromString(text, defaultCountry as CountryCode);
  return parsed?.isPossible() ? parsed.number : undefined;
}

/**
 * Phone values that a lead's canonical phone (E.164) can never be compared with as meant, each naming the value
 * or list item (`conditions.all[0].value[1]`) and saying what to write:
 * - eq / neq / in / not_in: a valid number in E.164 (as normalizeConditionValues stores one written with its
 *   country code); a number written without it is refused with its E.164 form as read in `defaultPhoneCountry`;
 * - starts_with: `+` and digits (`+1415`: area code 415 in the US);
 * - contains / ends_with: digits (contains may start with `+`): the E.164 form holds nothing else.
 * Non-string values are left to leadShapeProblems. Runs on a tree validateConditions accepted, after
 * normalizeConditionValues.
 */
export function identityValueProblems(input: unknown, opts: { defaultPhoneCountry: string }, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  forEachPredicate(input, path, (c, p) => {
    if (c.field !== 'phone' || typeof c.op !== 'string') return;
    const op = c.op;
    const check = (v: unknown, at: string) => {
      if (typeof v !== 'string' || v === '') return;
      const message = PHONE_NUMBER_OPS.has(op) ? numberProblem(v, opts.defaultPhoneCountry) : PHONE_PART_OPS.has(op) ? partProblem(op, v) : undefined;
      if (message) problems.push({ path: at, message });
    };
    if (Array.isArray(c.value)) c.value.forEach((v, i) => check(v, `${p}.value[${i}]`));
    else check(c.value, `${p}.value`);
  });
  return problems;
}

/**
 * Why `v` is not a possible number in E.164 (+ country code, digits only), or undefined. Possible, not valid
 * (libphonenumber-js): a lead's phone is compared in E.164 whenever it is possible (lib/identity.ts
 * normalizePhone), +15555550100 included, so a rule must be able to name any such number.
 */
function numberProblem(v: string, defaultCountry: string): string | undefined {
  const parsed = parsePhoneNumberFromString(v);
  if (parsed?.isPossible() && parsed.number === v) return undefined;
  if (v.startsWith('+')) {
    return `is not a possible phone number (read with the country calling code it starts with): a lead's phone is compared in E.164, e.g. ${EXAMPLE}`;
  }
  const national = parsePhoneNumberFromString(v, defaultCountry as CountryCode);
  if (national?.isPossible()) {
    return `has no country code, and a lead's phone is compared in E.164: write "${national.number}" (read as a number of ${defaultCountry}), or the number with its own country code`;
  }
  return `is not a phone number in E.164, which is how a lead's phone is compared: write + then the country code and number, e.g. ${EXAMPLE}`;
}

/**
 * What is wrong with a value that is "+" (or not) and digits yet no part of an E.164 number: more than 15 digits, or
 * a "+" followed by 0 (no country code starts with 0); undefined for any other value.
 */
function digitsProblem(v: string): string | undefined {
  if (!/^\+?[0-9]+$/.test(v)) return undefined;
  if (v.replace('+', '').length > PHONE_MAX_DIGITS) return `has ${v.replace('+', '').length} digits, and a lead's phone has at most ${PHONE_MAX_DIGITS} (it is compared in E.164, e.g. "+14155550123"; a few countries' numbers run past E.164's 15)`;
  if (v.startsWith('+0')) return 'can never match: in E.164 the "+" is followed by a country code, which never starts with 0 (a lead\'s phone is compared in E.164, e.g. "+14155550123"; GB\'s "020 ..." is "+4420...")';
  return undefined;
}

/** Why `v` can never be part of an E.164 number as `op` reads it, or undefined. */
function partProblem(op: string, v: string): string | undefined {
  const stripped = v.replace(SEPARATORS, '');
  if (op === 'starts_with') {
    if (E164_PREFIX.test(v)) return undefined;
    const digits = digitsProblem(v);
    if (digits) return digits;
    const hint = E164_PREFIX.test(stripped) ? `: write "${stripped}"` : ' (area code 415 in the US is "+1415")';
    return `must be "+" and digits, the start of an E.164 number such as "+14155550123" (a lead's phone is compared in E.164)${hint}`;
  }
  const pattern = op === 'contains' ? PLUS_DIGITS : DIGITS;
  if (pattern.test(v)) return undefined;
  const digits = op === 'contains' || /^[0-9]+$/.test(v) ? digitsProblem(v) : undefined;
  if (digits) return digits;
  const hint = pattern.test(stripped) ? `: write "${stripped}"` : '';
  return `must be ${op === 'contains' ? 'digits (after an optional "+")' : 'digits'}: a lead's phone is compared in E.164 (e.g. "+14155550123"), which holds nothing else${hint}`;
}
