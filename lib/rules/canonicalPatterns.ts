/**
 * `matches` patterns on `email` / `phone` that no lead can ever match, refused on write.
 *
 * Rules compare a lead's email and phone in canonical form (lib/rules/leadView.ts): the email trimmed, NFKC,
 * lower-cased (canonicalRuleEmail: no code point's canonical form holds A-Z); the phone in E.164, `+` and digits
 * (a lead's phone that is not a possible number is refused at the gateway). So `email matches "^Jane"` or
 * `phone matches "^\(415\)"` is stored, shown, and never matches anything.
 *
 * How: the check reads the program RE2 compiled the pattern into (re2js, the engine `matches` runs: regex.ts),
 * so it reads the pattern exactly as matching does (RE2 syntax, `(?i)`, classes, `\d`, `\pL` ...), and asks whether
 * a match can be reached when every character consumed is one a canonical value can hold: for the phone `+` or
 * 0-9; for the email anything but A-Z. Empty-width assertions (^, $, \b) are taken as passable. This over-
 * approximates what can match, so a pattern refused truly matches no canonical value (a substring of one included:
 * the search is unanchored), while some never-matching patterns pass. A program of a shape this code does not know
 * (a later re2js) is never refused.
 */
import { RE2JS } from 're2js';
import { compileRegex } from './regex';
import type { RuleProblem } from './validate';

/** re2js's instruction codes (Inst in re2js, as RE2/J and Go's regexp/syntax number them). */
const OP = { ALT: 1, ALT_MATCH: 2, CAPTURE: 3, EMPTY_WIDTH: 4, FAIL: 5, MATCH: 6, NOP: 7, RUNE: 8, RUNE1: 9, RUNE_ANY: 10, RUNE_ANY_NOT_NL: 11 } as const;

interface Inst { op: number; out: number; arg: number; runes: Int32Array; matchRune(r: number): boolean }
interface Prog { start: number; inst: Inst[] }

/** Whether a rune instruction consumes at least one character a canonical value can hold. */
type Alphabet = (inst: Inst) => boolean;

const PHONE_RUNES = [...'+0123456789'].map((c) => c.codePointAt(0)!);
const [UPPER_A, UPPER_Z] = [0x41, 0x5a];
const isUpper = (r: number) => r >= UPPER_A && r <= UPPER_Z;

const phoneAlphabet: Alphabet = (inst) => PHONE_RUNES.some((r) => inst.matchRune(r));

const emailAlphabet: Alphabet = (inst) => {
  const runes = inst.runes;
  if (runes.length === 1) return !isUpper(runes[0]!) || inst.matchRune(runes[0]! | 0x20); // (?i): its lower case
  for (let i = 0; i + 1 < runes.length; i += 2) if (runes[i]! < UPPER_A || runes[i + 1]! > UPPER_Z) return true;
  return false;
};

/** The compiled program of `re`, or undefined if re2js no longer exposes it as this code reads it. */
function programOf(re: RE2JS): Prog | undefined {
  const prog = (re as unknown as { re2Input?: { prog?: Prog } }).re2Input?.prog;
  return prog && Array.isArray(prog.inst) && Number.isInteger(prog.start) ? prog : undefined;
}

/**
 * Whether `pattern` (RE2 syntax) can match some text made only of characters `alphabet` accepts. True when the
 * pattern does not compile (regexProblem reports that) or its program is not one this code reads.
 */
export function canMatchOver(pattern: string, alphabet: Alphabet): boolean {
  const compiled = compileRegex(pattern);
  if (!compiled.ok) return true;
  const prog = programOf(compiled.re);
  if (!prog) return true;
  const seen = new Set<number>();
  const stack = [prog.start];
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (seen.has(pc)) continue;
    seen.add(pc);
    const inst = prog.inst[pc];
    if (!inst) return true;
    switch (inst.op) {
      case OP.MATCH:
        return true;
      case OP.FAIL:
        break;
      case OP.ALT:
      case OP.ALT_MATCH:
        stack.push(inst.out, inst.arg);
        break;
      case OP.CAPTURE:
      case OP.EMPTY_WIDTH:
      case OP.NOP:
        stack.push(inst.out);
        break;
      case OP.RUNE_ANY:
      case OP.RUNE_ANY_NOT_NL:
        stack.push(inst.out);
        break;
      case OP.RUNE:
      case OP.RUNE1:
        if (alphabet(inst)) stack.push(inst.out);
        break;
      default:
        return true; // an instruction this code does not know: never refuse on a guess
    }
  }
  return false;
}

const EMAIL_MESSAGE = 'can never match: a lead\'s email is compared in canonical form (trimmed, NFKC, lower-case, e.g. "jane.doe@example.com"), '
  + 'and this pattern needs an upper-case letter A-Z: write it in lower case, or start the pattern with (?i)';
const PHONE_MESSAGE = 'can never match: a lead\'s phone is compared in E.164 ("+14155550123": "+" and digits only), '
  + 'and this pattern needs another character (a space, "(", "-", a letter ...): e.g. "^\\+1415" for area code 415 in the US';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `matches` predicates on `email` / `phone` whose pattern no canonical value can match, each naming the value
 * (`conditions.all[0].value`) and saying why, with the canonical form. Run on a tree validateConditions accepted
 * (invalid patterns are reported there). Patterns on other fields are not looked at.
 */
export function canonicalPatternProblems(input: unknown, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const visit = (c: unknown, p: string) => {
    if (!isObject(c)) return;
    if (Array.isArray(c.all)) return c.all.forEach((child, i) => visit(child, `${p}.all[${i}]`));
    if (Array.isArray(c.any)) return c.any.forEach((child, i) => visit(child, `${p}.any[${i}]`));
    if ('not' in c) return visit(c.not, `${p}.not`);
    if (c.op !== 'matches' || typeof c.value !== 'string') return;
    if (c.field === 'email' && !canMatchOver(c.value, emailAlphabet)) problems.push({ path: `${p}.value`, message: EMAIL_MESSAGE });
    if (c.field === 'phone' && !canMatchOver(c.value, phoneAlphabet)) problems.push({ path: `${p}.value`, message: PHONE_MESSAGE });
  };
  visit(input, path);
  return problems;
}

export const canonicalAlphabets = { email: emailAlphabet, phone: phoneAlphabet } as const;
