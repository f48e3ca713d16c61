/**
 * Regexes for the `matches` operator: RE2 syntax run by re2js, a pure-JS port of RE2 whose matching time
 * is linear in the input (no backtracking, so no ReDoS from a rule author's pattern). Each pattern is
 * compiled once and cached, successes and failures alike, in a bounded map.
 */
import { RE2JS } from 're2js';
import { regexWidth } from './regexWidth';

export const MAX_PATTERN_LENGTH = 500;
/**
 * Linear time is linear in pattern size x input size: `[\s\S]{1000}` compiles to ~1,000 instructions and
 * costs ~1,000 steps per input character. Patterns above this many instructions are refused on write.
 */
export const MAX_PROGRAM_SIZE = 2_000;
/**
 * What a pattern may cost per value: the threads it can keep alive at once (regexWidth.ts: what building each new
 * state of re2js's lazy DFA, or each step of its NFA, costs per character) times the longest value the field can
 * hold. Measured with `test()` (what `matches` runs, operators.ts) on 300 random 1,000-character values of `a`/`b`:
 * `.*a.{n}` took at most 0.7 ms at width 10, 1.9 ms at 18, 3.3 ms at 34 and 8 ms at 62 (session 11's second walk:
 * 11 ms), and `.{0,500}[xa]b{9}` (width 502) 15 ms at p50, 98 ms at most; a pattern's prefilter (a literal it
 * needs) makes most values far cheaper, but not all. 16 threads over 1,000 characters keeps a rule's worst value
 * near 2 ms; on a shorter field the same budget allows more threads (an email's 254 characters: 62, so a list of
 * domains `@(?:gmail|yahoo|...)\.com$` passes). The patterns rule authors write track a handful
 * (`^9[0-4]\d{3}$`: 1, `@(gmail|yahoo|hotmail)\.com$`: 4, `.*foo.*bar`: 5, `\d{3}-\d{4}`: 5).
 */
export const MAX_MATCH_STEPS = 16 * 1_000;
/** The threads allowed on the longest field (1,000 characters: MAX_MATCH_STEPS / 1,000). */
export const MAX_REGEX_WIDTH = 16;

/**
 * The longest value a lead's `field` can hold, characters (api/schemas/lead.ts's maxLength: email 254, phone 40;
 * attributes and the other text fields at most 1,000; test/unit/regexWidth.test.ts checks them against the schema).
 */
export function longestValue(field: string): number {
  return LONGEST_VALUE[field] ?? LONGEST_ANY_VALUE;
}
const LONGEST_ANY_VALUE = 1_000;
const LONGEST_VALUE: Readonly<Record<string, number>> = Object.freeze({ email: 254, phone: 40 });
const CACHE_LIMIT = 10_000;

export type CompiledRegex = { ok: true; re: RE2JS } | { ok: false; error: string };

const cache = new Map<string, CompiledRegex>();

/** Compiles (or returns the cached) regex; never throws. */
export function compileRegex(pattern: string): CompiledRegex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let result: CompiledRegex;
  try {
    result = { ok: true, re: RE2JS.compile(pattern) };
  } catch (err) {
    result = { ok: false, error: describeError(pattern, err) };
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, result);
  return result;
}

/**
 * Why a pattern cannot be stored, or undefined when it can. `longest`: the longest value it will be run on
 * (longestValue(field)), for its cost (MAX_MATCH_STEPS); the longest any field holds when not given.
 */
export function regexProblem(pattern: string, longest = LONGEST_ANY_VALUE): string | undefined {
  const compiled = compileRegex(pattern);
  if (!compiled.ok) return compiled.error;
  const size = compiled.re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return `is too complex for a routing rule (compiles to ${size} instructions, at most ${MAX_PROGRAM_SIZE}): use smaller repeat counts`;
  }
  const limit = Math.max(1, Math.floor(MAX_MATCH_STEPS / longest));
  const width = regexWidth(compiled.re, limit);
  if (width !== undefined && width > limit) {
    return `is too costly to match: it can track more than ${limit} partial matches at once for each character of a lead's value `
      + '(a repeat of something optional or of any character, such as (?:.?){20} or .{0,500}, or an unanchored bounded '
      + 'repeat such as \\w{3,64}): anchor it (^\\w{3,64}@ tracks one), use smaller repeat counts, or use in / contains / starts_with';
  }
  return undefined;
}

const LOOKAROUND = /\(\?<?[=!]/;
const BACKREFERENCE = /\\[1-9]|\\k[<{']|\\g[{<\d-]|\(\?P=/;

function describeError(pattern: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const reason = raw.replace(/^error parsing regexp:\s*/, '');
  const unsupported: string[] = [];
  if (BACKREFERENCE.test(pattern)) unsupported.push('backreferences');
  if (LOOKAROUND.test(pattern)) unsupported.push('lookahead/lookbehind');
  const hint = unsupported.length > 0 ? ` (RE2 does not support ${unsupported.join(' or ')}: matching must run in linear time)` : '';
  return `is not a valid RE2 regular expression: ${reason}${hint}`;
}

/** For tests: how many patterns are cached. */
export function regexCacheSize(): number {
  return cache.size;
}
