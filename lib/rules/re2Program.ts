/**
 * The program re2js compiles a pattern into, as this code reads it: for checks that must read a pattern exactly as
 * matching does (canonicalPatterns.ts: can it match a canonical email / phone; regexWidth.ts: how many threads can
 * it run at once). re2js does not document it: its shape is Go's regexp/syntax Prog (RE2/J's), read through
 * `re2Input.prog`; a later re2js that changes it makes programOf answer undefined, and both checks then refuse
 * nothing (their unit tests fail, so the change is seen).
 */
import type { RE2JS } from 're2js';

/** re2js's instruction codes (Inst in re2js, as RE2/J and Go's regexp/syntax number them). */
export const OP = { ALT: 1, ALT_MATCH: 2, CAPTURE: 3, EMPTY_WIDTH: 4, FAIL: 5, MATCH: 6, NOP: 7, RUNE: 8, RUNE1: 9, RUNE_ANY: 10, RUNE_ANY_NOT_NL: 11 } as const;

/** One instruction: `out` (and `arg` for ALT) the next ones; `runes` a rune instruction's ranges (pairs) or rune. */
export interface Inst { op: number; out: number; arg: number; runes: Int32Array; matchRune(r: number): boolean }
export interface Prog { start: number; inst: Inst[] }

/** re2js's empty-width flags (Utils.EMPTY_*, Go's syntax.EmptyOp): what an EMPTY_WIDTH instruction requires. */
export const EMPTY = { BEGIN_LINE: 1, END_LINE: 2, BEGIN_TEXT: 4, END_TEXT: 8 } as const;

/** The compiled program of `re`, or undefined if re2js no longer exposes it as this code reads it. */
export function programOf(re: RE2JS): Prog | undefined {
  const prog = (re as unknown as { re2Input?: { prog?: Prog } }).re2Input?.prog;
  return prog && Array.isArray(prog.inst) && Number.isInteger(prog.start) ? prog : undefined;
}
