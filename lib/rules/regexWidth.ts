/**
 * How many threads a `matches` pattern can keep alive at once while re2js scans a lead's value: its cost per input
 * character (each new state of its lazy DFA is built from that many, or its NFA steps them). re2js runs in linear
 * time, but the factor is that width: `(?:.?){990}\d\d` keeps ~990 threads alive and took 126 ms on a
 * 1,000-character attribute (the newcomer walk of session 11), where a rule's whole evaluation has a few
 * microseconds (issue 10: decide p95 < 2 ms with 1,000 rules); the limit and what it buys: regex.ts MAX_REGEX_WIDTH.
 * The program-size cap (regex.ts) does not catch it: a list of 990 anchored zip codes is as large and costs 7 µs.
 *
 * How: the pike VM's thread list after each character (and a lazy DFA's state) is a set of the program's rune
 * instructions, so the widest list is the largest state of the subset construction over the program, explored from
 * the start over one representative character of each class of characters the instructions tell apart, with a new
 * thread at every position (the search is unanchored; `^` holds at the start only), widest state first, so that a
 * width that grows with the input is found within a few states. Empty-width tests other than `^` are taken as
 * passable and a match ends no thread, so the width found is never below re2js's. The search stops once the width
 * exceeds the limit, or after EXPLORE_STATES states (then the widest seen counts). A pattern that is one literal
 * (re2js searches it as a string) has width 1.
 */
import type { RE2JS } from 're2js';
import { EMPTY, OP, programOf, type Inst, type Prog } from './re2Program';

/** At most this many DFA states are explored per pattern (typical patterns have a few dozen). */
const EXPLORE_STATES = 2_000;
/** At most this many character classes are told apart (a wider pattern's classes are merged: fewer, coarser states). */
const MAX_CLASSES = 512;

const isRune = (op: number) => op === OP.RUNE || op === OP.RUNE1 || op === OP.RUNE_ANY || op === OP.RUNE_ANY_NOT_NL;

/**
 * The widest thread list re2js can hold for `re` (see the module comment), or undefined when the program is not one
 * this code reads. Stops early, answering a number above `limit`, as soon as a state is wider than `limit`.
 */
export function regexWidth(re: RE2JS, limit: number): number | undefined {
  if ((re as unknown as { re2Input?: { prefixComplete?: unknown } }).re2Input?.prefixComplete === true) return 1;
  const prog = programOf(re);
  if (!prog) return undefined;
  try {
    return explore(prog, limit);
  } catch (err) {
    if (err instanceof UnknownInstruction) return undefined;
    throw err;
  }
}

class UnknownInstruction extends Error {}

/** The rune instructions reachable from `pcs` without consuming, `^` passable only when `atStart`. */
function closure(prog: Prog, pcs: Iterable<number>, atStart: boolean, into: Set<number>): void {
  const stack = [...pcs];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pc = stack.pop()!;
    if (seen.has(pc)) continue;
    seen.add(pc);
    const inst = prog.inst[pc];
    if (!inst) throw new UnknownInstruction();
    switch (inst.op) {
      case OP.ALT:
      case OP.ALT_MATCH:
        stack.push(inst.out, inst.arg);
        break;
      case OP.CAPTURE:
      case OP.NOP:
        stack.push(inst.out);
        break;
      case OP.EMPTY_WIDTH:
        if (atStart || (inst.arg & EMPTY.BEGIN_TEXT) === 0) stack.push(inst.out);
        break;
      case OP.MATCH:
      case OP.FAIL:
        break;
      default:
        if (!isRune(inst.op)) throw new UnknownInstruction();
        into.add(pc);
    }
  }
}

/**
 * The classes of characters the program's rune instructions tell apart (case folds included), as inclusive
 * [lo, hi] ranges. Past MAX_CLASSES, neighbouring classes are merged: an instruction then counts as taking a merged
 * range when it takes any character of it, so the width found can only grow (never a sample that misses one).
 */
function characterClasses(prog: Prog): Array<[number, number]> {
  const bounds = new Set<number>([0, 10, 11, 0x110000]); // `.` without (?s) tells "\n" apart
  const addRune = (r: number) => {
    bounds.add(r);
    bounds.add(r + 1);
  };
  for (const inst of prog.inst) {
    if (inst.op !== OP.RUNE && inst.op !== OP.RUNE1) continue;
    const runes = inst.runes;
    if (runes.length === 1) {
      addRune(runes[0]!);
      // A folding instruction takes the rune's other cases too.
      for (const other of [String.fromCodePoint(runes[0]!).toLowerCase(), String.fromCodePoint(runes[0]!).toUpperCase()]) {
        const cp = other.codePointAt(0)!;
        if (String.fromCodePoint(cp) === other) addRune(cp);
      }
    } else {
      for (let i = 0; i + 1 < runes.length; i += 2) {
        bounds.add(runes[i]!);
        bounds.add(runes[i + 1]! + 1);
      }
    }
  }
  const sorted = [...bounds].filter((b) => b <= 0x110000).sort((x, y) => x - y);
  const classes: Array<[number, number]> = [];
  for (let i = 0; i + 1 < sorted.length; i++) classes.push([sorted[i]!, sorted[i + 1]! - 1]);
  if (classes.length <= MAX_CLASSES) return classes;
  const per = Math.ceil(classes.length / MAX_CLASSES);
  const merged: Array<[number, number]> = [];
  for (let i = 0; i < classes.length; i += per) merged.push([classes[i]![0], classes[Math.min(i + per, classes.length) - 1]![1]]);
  return merged;
}

function explore(prog: Prog, limit: number): number {
  const first = new Set<number>();
  closure(prog, [prog.start], true, first);
  const restart = new Set<number>();
  closure(prog, [prog.start], false, restart);
  const classes = characterClasses(prog);
  const key = (s: Set<number>) => [...s].sort((a, b) => a - b).join(',');
  const seen = new Set<string>([key(first)]);
  const frontier: Array<Set<number>> = [first];
  let widest = first.size;
  while (frontier.length > 0 && seen.size <= EXPLORE_STATES && widest <= limit) {
    // The widest state next: a width that grows with each character is followed to its end first.
    let pick = 0;
    for (let i = 1; i < frontier.length; i++) if (frontier[i]!.size > frontier[pick]!.size) pick = i;
    const state = frontier[pick]!;
    frontier[pick] = frontier[frontier.length - 1]!;
    frontier.pop();
    for (const [lo, hi] of classes) {
      const after = new Set<number>(restart);
      const outs: number[] = [];
      for (const pc of state) if (takesAnyOf(prog.inst[pc]!, lo, hi)) outs.push(prog.inst[pc]!.out);
      closure(prog, outs, false, after);
      widest = Math.max(widest, after.size);
      if (widest > limit) break;
      const k = key(after);
      if (!seen.has(k)) {
        seen.add(k);
        frontier.push(after);
      }
    }
  }
  return widest;
}

/** Whether the rune instruction takes some character in [lo, hi] (exactly its class's answer when not merged). */
function takesAnyOf(inst: Inst, lo: number, hi: number): boolean {
  if (inst.op === OP.RUNE_ANY) return true;
  if (inst.op === OP.RUNE_ANY_NOT_NL) return !(lo === 10 && hi === 10);
  const runes = inst.runes;
  if (runes.length === 1) {
    // The rune, or (folding) one of its other cases, inside the range.
    const r = runes[0]!;
    const candidates = [r, ...[String.fromCodePoint(r).toLowerCase(), String.fromCodePoint(r).toUpperCase()].map((c) => c.codePointAt(0)!)];
    return candidates.some((c) => c >= lo && c <= hi && inst.matchRune(c)) || (hi - lo < 64 && anyIn(inst, lo, hi));
  }
  for (let i = 0; i + 1 < runes.length; i += 2) if (runes[i]! <= hi && runes[i + 1]! >= lo) return true;
  return false;
}

/** Whether the instruction takes one of the (few) characters of [lo, hi]: a fold this code does not list. */
function anyIn(inst: Inst, lo: number, hi: number): boolean {
  for (let c = lo; c <= hi; c++) if (inst.matchRune(c)) return true;
  return false;
}
