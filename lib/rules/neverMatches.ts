import type { RuleProblem } from './validate';
import { forEachPredicate } from './walk';

/**
 * Rule parts that no lead can ever satisfy (or that hold for every lead, in a way nobody writes on purpose),
 * found on write so such a rule is a 400 naming the part instead of a stored rule that silently never
 * routes. Pure: the lead's shape is handed in (api/schemas/ruleLeadShape.ts derives it from the lead schema
 * and the gateway's normalisation), and evaluation semantics are operators.ts's, unchanged. Runs on a tree
 * validateConditions accepted, after normalizeConditionValues.
 */

/** What a stored lead can hold, as the rules read it (the payload after api/leadInput.ts). */
export interface LeadShape {
  /**
   * Top-level fields that are always strings when present. Each answers, for a non-empty string, why no
   * lead's field can be it (e.g. "country is an upper-case ISO 3166-1 alpha-2 code, e.g. US"), or undefined.
   */
  strings: Readonly<Record<string, (value: string) => string | undefined>>;
  /** Top-level fields that are objects of scalar values (attributes), with the pattern their keys follow. */
  objects: Readonly<Record<string, RegExp>>;
  /**
   * The key a field path names that no request body may carry (api/plugins/jsonBody.ts refuses it anywhere,
   * as prototype pollution: `__proto__`, `constructor.prototype`), or undefined. A lead carrying it is
   * answered 400 forbidden_key, so a rule on it can never match.
   */
  refusedKey: (segments: readonly string[]) => string | undefined;
}

/**
 * How a number or boolean value of an eq / neq / in / not_in predicate on `field` is written as a string the whole
 * rule check accepts (`phone eq 14157340132`: `{ value: "+14157340132" }`), or why no string form of it is
 * accepted (`{ reason }`, the check's own message). Supplied by the caller, who knows the whole check
 * (api/ruleConditions.ts): a suggestion made without it was refused when written back.
 */
export type AsWritten = (field: string, op: string, text: string) => { value: string } | { reason: string };

const EQUALITY = new Set(['eq', 'neq', 'in', 'not_in']);
const NUMERIC = new Set(['gt', 'gte', 'lt', 'lte', 'between']);
const PRESENCE = new Set(['exists', 'not_exists']);
const POSITIVE = new Set(['eq', 'in']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Predicates that compare a field with something the lead can never hold there:
 * - a field no lead has (`amount` instead of `attributes.amount`, `State`, `state.code`, `attributes.a.b`),
 *   including a key every request body is refused for (`attributes.__proto__`: shape.refusedKey);
 * - `attributes` itself (an object) under anything but exists/not_exists;
 * - a number comparison (gt, gte, lt, lte, between) on a top-level field, which is always a string;
 * - eq/neq/in/not_in with a number or boolean on a top-level string field, or with a string that field can
 *   never be (`country eq "us"`: the gateway upper-cases it): eq/in never hold, neq/not_in always hold.
 * Each problem names the field, op or value (`conditions.all[0].value[1]`). The empty string is left to
 * unmatchableValueProblems (validate.ts), which says why it differs for attributes. A number or boolean value's
 * problem says what to write instead only when `opts.asWritten` (else the field's own check) accepts it.
 */
export function leadShapeProblems(input: unknown, shape: LeadShape, path = 'conditions', opts: { asWritten?: AsWritten } = {}): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const known = [...Object.keys(shape.strings), ...Object.keys(shape.objects).map((o) => `${o}.<name>`)].join(', ');
  forEachPredicate(input, path, (c, p) => {
    if (typeof c.field !== 'string' || typeof c.op !== 'string') return;
    const segments = c.field.split('.');
    const [head = '', ...rest] = segments;
    const op = c.op;
    const refused = shape.refusedKey(segments);
    if (refused) {
      return void problems.push({ path: `${p}.field`, message: `is never in a lead: a "${refused}" key is refused in every request body (prototype pollution), so a lead carrying it is answered 400 forbidden_key` });
    }
    if (head in shape.strings) {
      if (rest.length) return void problems.push({ path: `${p}.field`, message: `is never in a lead: ${head} is a string, it has no "${rest.join('.')}"` });
      if (NUMERIC.has(op)) return void problems.push({ path: `${p}.op`, message: `"${op}" compares numbers, and ${head} is always a string in a lead: it never holds (use eq, in, matches ... with strings, or attributes.<name> for numbers)` });
      if (EQUALITY.has(op)) problems.push(...valueProblems(head, op, c.value, `${p}.value`, shape.strings[head] as (v: string) => string | undefined, opts.asWritten));
      return;
    }
    if (head in shape.objects) {
      if (rest.length === 0 && !PRESENCE.has(op)) {
        return void problems.push({ path: `${p}.field`, message: `is an object of named values, never equal to or compared with a value, so "${op}" never holds: compare ${head}.<name>` });
      }
      const names = shape.objects[head] as RegExp;
      if (rest.length === 1 && !names.test(rest[0] as string)) {
        return void problems.push({ path: `${p}.field`, message: `is never in a lead: ${head} names match ${names.source}` });
      }
      if (rest.length > 1) {
        return void problems.push({ path: `${p}.field`, message: `is never in a lead: ${head} values are strings, numbers or booleans, with nothing inside (use ${head}.${rest[0] ?? ''})` });
      }
      return;
    }
    problems.push({ path: `${p}.field`, message: `is not a lead field, so it is never present (lead fields: ${known})` });
  });
  return problems;
}

/** eq/neq/in/not_in values (a scalar or a list) a top-level string field can never equal. */
function valueProblems(field: string, op: string, value: unknown, path: string, why: (v: string) => string | undefined, asWritten?: AsWritten): RuleProblem[] {
  const outcome = POSITIVE.has(op) ? `"${op}" never holds` : `"${op}" always holds when ${field} is present`;
  const one = (v: unknown, at: string): RuleProblem[] => {
    if (typeof v !== 'string') {
      const text = String(v);
      const reason = why(text);
      const written = asWritten?.(field, op, text) ?? (reason ? { reason: `can never be a lead's ${field}: ${reason}` } : { value: text });
      const advice = 'value' in written ? `write ${JSON.stringify(written.value)}` : `and as the string ${JSON.stringify(text)} it ${written.reason}`;
      return [{ path: at, message: `is a ${typeof v}, and ${field} is always a string in a lead: they are never equal (eq/in never hold, neq/not_in always hold); ${advice}` }];
    }
    const reason = v === '' ? undefined : why(v);
    return reason ? [{ path: at, message: `can never be a lead's ${field}, so ${outcome}: ${reason}` }] : [];
  };
  return Array.isArray(value) ? value.flatMap((v, i) => one(v, `${path}[${i}]`)) : one(value, path);
}

/**
 * Groups that make a rule constant: `{"not": {"all": []}}` (or of any group that holds for every lead)
 * never holds, and `{"any": []}` holds for every lead (operators.ts: `any` of [] holds, as `all` of []
 * does), though "any of nothing" reads as "never". Both are refused: the first can never route a lead,
 * the second says the opposite of what it does; a catch-all is written without conditions or as
 * `{"all": []}`, which stays allowed. Each problem names the group (`conditions.all[1].not`).
 */
export function constantGroupProblems(input: unknown, path = 'conditions'): RuleProblem[] {
  const problems: RuleProblem[] = [];
  /** Whether the node holds for every lead (a tree of empty groups). */
  const alwaysHolds = (c: unknown, p: string): boolean => {
    if (!isObject(c)) return false;
    if (Array.isArray(c.all)) return c.all.map((child, i) => alwaysHolds(child, `${p}.all[${i}]`)).every(Boolean);
    if (Array.isArray(c.any)) {
      if (c.any.length === 0) {
        problems.push({ path: `${p}.any`, message: 'is empty: an empty "any" holds for every lead (no constraint), not for none; leave the group out, or write {"all": []} for a catch-all' });
        return true;
      }
      return c.any.map((child, i) => alwaysHolds(child, `${p}.any[${i}]`)).some(Boolean);
    }
    if ('not' in c) {
      if (alwaysHolds(c.not, `${p}.not`)) {
        problems.push({ path: `${p}.not`, message: 'holds for every lead (an empty group), so this "not" never holds and the rule can never match' });
      }
      return false;
    }
    return false;
  };
  alwaysHolds(input, path);
  return problems;
}
