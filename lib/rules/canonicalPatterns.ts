/**
 * `matches` patterns on `email` / `phone` that no lead can ever match, refused on write.
 *
 * Rules compare a lead's email and phone in canonical form (lib/rules/leadView.ts): the email trimmed, NFKC,
 * lower-cased (canonicalRuleEmail: no code point's canonical form holds A-Z); the phone in E.164, `+` and digits
 * (a lead's phone that is not a possible number is refused at the gateway). So `email matches "^Jane"` or
 * `phone matches "^\(415\)"` is stored, shown, and never matches anything.
 *
 * How: the check reads the program RE2 compiled the pattern into (re2js, the engine `matches` runs: regex.ts),
 * so it reads the pattern exactly as matching does (RE2 syntax, `(?i)`, classes, `\d`, `\pL` ...), and walks it
 * together with a small automaton of the canonical values: whether a match can be reached when every character
 * consumed is one a canonical value can hold where it stands. The phone is E.164: `+`, then a digit 1-9, then
 * digits, so `^` holds only before the `+` and `$` only after a digit (`^07`, `^1415`, `^\d` and `^\+0` can
 * never match); the email holds only characters NFKC and lower-casing leave as they are (no A-Z, `Ü`, `ﬁ`, full-width
 * letters ...), with `^` and `$` anywhere (NFKC turns a few letters into text with spaces, so whitespace is not
 * excluded). Word boundaries (\b, \B) are taken as passable. This over-approximates
 * what can match, so a pattern refused truly matches no canonical value (the search is unanchored: the match may
 * start anywhere in the value), while some never-matching patterns pass. A program of a shape this code does not
 * know (a later re2js) is never refused.
 */
import { EMPTY, OP, programOf, type Inst } from './re2Program';
import { compileRegex } from './regex';
import type { RuleProblem } from './validate';
import { forEachPredicate } from './walk';

/**
 * Where in a canonical value a match can stand (states 0..n-1), as a small automaton: `starts` the states a match
 * may begin in (any position: the search is unanchored), `step` the states after consuming one character the rune
 * instruction accepts there (none: no canonical value has such a character there), `atStart` / `atEnd` whether a
 * state can be the value's first / last position (for ^ and $).
 */
interface CanonicalForm {
  starts: number[];
  /** `inst` is a rune instruction; ANY: one that takes any character (`.`, `(?s).`). */
  step(state: number, inst: Inst | typeof ANY): number[];
  atStart(state: number): boolean;
  atEnd(state: number): boolean;
}

/** A rune instruction that takes any character. */
const ANY = 'any';
const code = (c: string) => c.codePointAt(0)!;
const DIGITS = [...'0123456789'].map(code);
const NONZERO_DIGITS = DIGITS.slice(1);

/**
 * The most digits a lead's canonical phone has: E.164 allows 15 (ITU-T E.164), but the gateway keeps any number
 * libphonenumber-js calls possible, and some are longer (+49 30 123456789012 3: 17 digits, Germany; the session 11
 * review). 20 is a country code's 3 and the 17 national digits libphonenumber's longest possible lengths allow.
 */
export const PHONE_MAX_DIGITS = 20;

/**
 * E.164: state 0 before the `+`, 1 after it (a country code starts with 1-9), 1 + k after its k-th digit (at most
 * PHONE_MAX_DIGITS): so `\d{21}` or `^\+\d{21}` can never match either.
 */
const phoneForm: CanonicalForm = {
  starts: Array.from({ length: PHONE_MAX_DIGITS + 2 }, (_, i) => i),
  step: (state, inst) => {
    if (state === 0) return inst === ANY || inst.matchRune(code('+')) ? [1] : [];
    if (state > PHONE_MAX_DIGITS) return [];
    return inst === ANY || (state === 1 ? NONZERO_DIGITS : DIGITS).some((r) => inst.matchRune(r)) ? [state + 1] : [];
  },
  atStart: (state) => state === 0,
  atEnd: (state) => state >= 2,
};

/**
 * Whether a character can stand in a canonical email: canonicalRuleEmail leaves it as it is (NFKC, lower case),
 * trimming aside (a canonical value holds spaces inside: NFKC turns a few characters into text with spaces).
 * So A-Z, but also `Ü`, `ẞ`, `Σ`, the Kelvin sign, `ﬁ` or full-width `ｊ` never stand in one. Sound: a canonical
 * value is NFKC and lower-case already, so each of its characters is left as it is (checked over every code point
 * in test/unit/rulesCanonicalPatterns.test.ts).
 */
export function canStandInCanonicalEmail(codePoint: number): boolean {
  const c = String.fromCodePoint(codePoint);
  return c.normalize('NFKC').toLowerCase().normalize('NFKC') === c;
}

/** A class wider than this many code points is taken to hold one that can stand (checking each costs time). */
const WIDE_CLASS = 4_096;

/** The email: one state, any character that can stand in a canonical email (canStandInCanonicalEmail). */
const emailForm: CanonicalForm = {
  starts: [0],
  step: (_state, inst) => {
    if (inst === ANY) return [0];
    const runes = inst.runes;
    if (runes.length === 1) {
      const r = runes[0]!;
      if (canStandInCanonicalEmail(r)) return [0];
      // (?i): the instruction also takes the rune's lower case, which may stand.
      const lower = String.fromCodePoint(r).toLowerCase().normalize('NFKC');
      const l = lower.codePointAt(0)!;
      return String.fromCodePoint(l) === lower && inst.matchRune(l) && canStandInCanonicalEmail(l) ? [0] : [];
    }
    for (let i = 0; i + 1 < runes.length; i += 2) {
      const [lo, hi] = [runes[i]!, runes[i + 1]!];
      if (hi - lo >= WIDE_CLASS) return [0];
      for (let r = lo; r <= hi; r++) if (canStandInCanonicalEmail(r)) return [0];
    }
    return [];
  },
  atStart: () => true,
  atEnd: () => true,
};

/**
 * Whether `pattern` (RE2 syntax) can match somewhere in some value of the canonical form `form`: a search over
 * pairs (instruction, state of the form). True when the pattern does not compile (regexProblem reports that) or
 * its program is not one this code reads.
 */
export function canMatchOver(pattern: string, form: CanonicalForm): boolean {
  const compiled = compileRegex(pattern);
  if (!compiled.ok) return true;
  const prog = programOf(compiled.re);
  if (!prog) return true;
  const seen = new Set<string>();
  const stack: Array<[number, number]> = form.starts.map((state) => [prog.start, state]);
  while (stack.length > 0) {
    const [pc, state] = stack.pop()!;
    const key = `${pc}:${state}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const inst = prog.inst[pc];
    if (!inst) return true;
    switch (inst.op) {
      case OP.MATCH:
        return true;
      case OP.FAIL:
        break;
      case OP.ALT:
      case OP.ALT_MATCH:
        stack.push([inst.out, state], [inst.arg, state]);
        break;
      case OP.CAPTURE:
      case OP.NOP:
        stack.push([inst.out, state]);
        break;
      case OP.EMPTY_WIDTH: {
        // Canonical values hold no newline: a line's start or end is the value's. Word boundaries: passable.
        const needsStart = (inst.arg & (EMPTY.BEGIN_LINE | EMPTY.BEGIN_TEXT)) !== 0;
        const needsEnd = (inst.arg & (EMPTY.END_LINE | EMPTY.END_TEXT)) !== 0;
        if ((!needsStart || form.atStart(state)) && (!needsEnd || form.atEnd(state))) stack.push([inst.out, state]);
        break;
      }
      case OP.RUNE_ANY:
      case OP.RUNE_ANY_NOT_NL:
        for (const next of form.step(state, ANY)) stack.push([inst.out, next]);
        break;
      case OP.RUNE:
      case OP.RUNE1:
        for (const next of form.step(state, inst)) stack.push([inst.out, next]);
        break;
      default:
        return true; // an instruction this code does not know: never refuse on a guess
    }
  }
  return false;
}

const EMAIL_MESSAGE = 'can never match: a lead\'s email is compared in canonical form (trimmed, NFKC, lower-case, e.g. "jane.doe@example.com"), '
  + 'and this pattern needs a character that form never holds (an upper-case letter such as A-Z or Ü, a ligature such as ﬁ, a '
  + 'full-width letter ...): write the pattern in that form (lower case and NFKC: Ü as ü, ﬁ as fi, ｊ as j, İ as i\u0307); '
  + '(?i) helps only where a letter\'s lower case is one letter that form holds';
const PHONE_MESSAGE = 'can never match: a lead\'s phone is compared in E.164 ("+14155550123": "+", a country code, then digits; '
  + '"07911 123456" in GB is "+447911123456"), and this pattern needs another character (a space, "(", "-", a letter ...) or '
  + 'another start (a national "0" or a digit right after ^), or more than 20 digits: e.g. "^\\+1415" for area code 415 in the US, '
  + '"^\\+447" for UK mobiles';

/**
 * `matches` predicates on `email` / `phone` whose pattern no canonical value can match, each naming the value
 * (`conditions.all[0].value`) and saying why, with the canonical form. Run on a tree validateConditions accepted
 * (invalid patterns are reported there). Patterns on other fields are not looked at.
 */
export function canonicalPatternProblems(input: unknown, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  forEachPredicate(input, path, (c, p) => {
    if (c.op !== 'matches' || typeof c.value !== 'string') return;
    if (c.field === 'email' && !canMatchOver(c.value, emailForm)) problems.push({ path: `${p}.value`, message: EMAIL_MESSAGE });
    if (c.field === 'phone' && !canMatchOver(c.value, phoneForm)) problems.push({ path: `${p}.value`, message: PHONE_MESSAGE });
  });
  return problems;
}

/** The canonical forms rules compare email and phone in, for canMatchOver. */
export const canonicalForms = { email: emailForm, phone: phoneForm } as const;
