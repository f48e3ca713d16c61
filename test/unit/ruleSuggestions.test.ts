// Session 10's newcomer walk: `phone eq 14157340132` was refused with `write "14157340132"`, and writing that was
// refused in turn (a phone is compared in E.164). Every "write …" a rule check suggests must be accepted as written.
import { ruleConditionProblems } from '../../api/ruleConditions';

const settings = { defaultPhoneCountry: 'US' };
const check = (conditions: unknown) => ruleConditionProblems(conditions, settings).problems;

/** The value a suggestion asks for: `write "+14157340132"` → +14157340132 (the quoted text is JSON). */
const suggested = (message: string): string | undefined => {
  const quoted = /write ("(?:[^"\\]|\\.)*")/.exec(message)?.[1];
  return quoted === undefined ? undefined : (JSON.parse(quoted) as string);
};

/** The predicate with the value at `path` (`conditions.value` or `conditions.value[2]`) replaced. */
function withValueAt(predicate: { field: string; op: string; value: unknown }, path: string, value: string) {
  const item = /^conditions\.value\[(\d+)\]$/.exec(path);
  if (!item) return { ...predicate, value };
  const list = [...(predicate.value as unknown[])];
  list[Number(item[1])] = value;
  return { ...predicate, value: list };
}

const FIELDS = ['phone', 'email', 'postalCode', 'state', 'country', 'product', 'attributes.score'];
const VALUES: unknown[] = [14157340132, 4157340132, 12, 0, -5, 1.5, 2139, true, false, '4157340132', '(415) 734-0132', '+1 (415) 734-0132', 'us', 'Jane@Example.COM'];
const PHONE_PARTS: Array<[string, string]> = [['starts_with', '+1 415'], ['starts_with', '1-415'], ['ends_with', '734-0132'], ['contains', '(415)'], ['contains', '+1 415']];

const cases = [
  ...FIELDS.flatMap((field) => ['eq', 'neq'].flatMap((op) => VALUES.map((value) => ({ field, op, value })))),
  ...FIELDS.flatMap((field) => ['in', 'not_in'].map((op) => ({ field, op, value: VALUES }))),
  ...PHONE_PARTS.map(([op, value]) => ({ field: 'phone', op, value })),
];

test('the reported example: phone eq 14157340132 suggests the E.164 form, which is accepted', () => {
  const [problem] = check({ field: 'phone', op: 'eq', value: 14157340132 });
  expect(suggested(problem!.message)).toBe('+14157340132');
  expect(check({ field: 'phone', op: 'eq', value: '+14157340132' })).toEqual([]);
});

test('every suggestion the rule check gives, written back, is accepted (phone, email, postal code, state, country, product, attributes.*)', () => {
  const refused: string[] = [];
  let suggestions = 0;
  for (const predicate of cases) {
    for (const problem of check(predicate)) {
      const value = suggested(problem.message);
      if (value === undefined) continue;
      suggestions++;
      const again = check(withValueAt(predicate, problem.path, value)).filter((p) => p.path === problem.path);
      if (again.length) refused.push(`${JSON.stringify(predicate)} at ${problem.path}: suggested ${JSON.stringify(value)}, then ${again[0]!.message}`);
    }
  }
  expect(refused).toEqual([]);
  expect(suggestions).toBeGreaterThan(40); // the table does exercise suggestions on every kind of field
});

test('a number no string form of which the field accepts says why, and suggests nothing', () => {
  for (const [field, value] of [['email', 12], ['country', true], ['phone', 12]] as const) {
    const [problem] = check({ field, op: 'eq', value });
    expect({ field, suggestion: suggested(problem!.message), says: problem!.message.includes(`as the string "${String(value)}"`) }).toEqual({ field, suggestion: undefined, says: true });
  }
});

test('a number on an attribute is no problem (attributes hold numbers)', () => {
  expect(check({ field: 'attributes.score', op: 'eq', value: 12 })).toEqual([]);
});
