// Bounds on the admin API's numeric and URL inputs (api/schemas/admin.ts, lib/rules/validate.ts): values that
// used to be stored and then made routing throw (a weight of 5e-324) or leads fail (a delivery URL without a
// host) are refused with the field named, and the values just inside the bounds stay accepted.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { deliveryUrlProblem, MAX_WEIGHT, MIN_WEIGHT, ruleBodySchema, workspaceBodySchema, workspacePatchSchema } from '../../api/schemas/admin';
import { MAX_CONDITION_NUMBER, unmatchableValueProblems, validateConditions } from '../../lib/rules/validate';

// The body validator's options (api/plugins/validation.ts): strict types, every error, no coercion.
const ajv = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false }));
const ruleValid = ajv.compile(ruleBodySchema);
const workspaceValid = ajv.compile(workspaceBodySchema);
const patchValid = ajv.compile(workspacePatchSchema);
const uuid = '0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b';
const uuid2 = '1b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b';

const failing = (validate: ValidateFunction, body: unknown) => (validate(body) ? [] : (validate.errors ?? []).map((e) => e.instancePath));

describe('destination weight', () => {
  const rule = (weights: unknown[]) => ({ name: 'R', priority: 1, distribution: 'weighted', destinations: weights.map((weight, i) => ({ workspaceId: i ? uuid2 : uuid, weight })) });

  test.each([5e-324, 1e-300, 0.000999, 0, -1, 1_000_000.5, 1e308, '1'])('refuses %p, naming the destination', (w) => {
    expect(failing(ruleValid, rule([1, w]))).toContain('/destinations/1/weight');
  });

  test.each([MIN_WEIGHT, 0.0015, 1, 2.5, MAX_WEIGHT])('accepts %p', (w) => {
    expect(failing(ruleValid, rule([w, 1]))).toEqual([]);
  });

  test('the bounds keep the SQL ordering key (assigned + 1) / weight finite and ordered for any counter', () => {
    const maxCounter = 2 ** 63; // rule_destination_counters.assigned is a bigint
    expect(Number.isFinite((maxCounter + 1) / MIN_WEIGHT)).toBe(true);
    // the next assignment of the smallest weight still orders after the current one
    expect((1e15 + 2) / MIN_WEIGHT).toBeGreaterThan((1e15 + 1) / MIN_WEIGHT);
  });

  test('priority stays a whole number 0 .. 1,000,000', () => {
    for (const priority of [-1, 1.5, 1_000_001, 1e308]) expect(failing(ruleValid, { ...rule([1]), priority })).toContain('/priority');
    for (const priority of [0, 1_000_000]) expect(failing(ruleValid, { ...rule([1]), priority })).toEqual([]);
  });
});

describe('workspace caps and rate limit', () => {
  const partner = (caps: Record<string, unknown>) => ({ name: 'P', kind: 'partner', caps });

  test.each(['hourly', 'daily', 'monthly'])('%s cap refuses negative, zero, fractional, huge and text', (period) => {
    for (const v of [-1, 0, 2.5, 10_000_001, 1e12, '5']) {
      expect(failing(workspaceValid, partner({ [period]: v }))).toContain(`/caps/${period}`);
      expect(failing(patchValid, { caps: { [period]: v } })).toContain(`/caps/${period}`);
    }
    expect(failing(workspaceValid, partner({ [period]: 10_000_000 }))).toEqual([]);
    expect(failing(patchValid, { caps: { [period]: null } })).toEqual([]);
  });

  test('rateLimitPerMinute refuses fractional and huge', () => {
    for (const v of [0, 1.5, 1_000_001]) expect(failing(workspaceValid, { name: 'S', kind: 'source', rateLimitPerMinute: v })).toContain('/rateLimitPerMinute');
  });
});

describe('delivery URL', () => {
  const refused = [
    'http://',
    'https://',
    'http:///path',
    'https://user:pass@buyer.example/hook',
    'https://token@buyer.example/hook',
    'ftp://buyer.example/hook',
    'javascript:alert(1)',
    'http://buyer.example:99999/hook',
    'http://buyer example/hook',
    `https://buyer.example/${'a'.repeat(2000)}`,
  ];
  test.each(refused)('refuses %s (schema and parser)', (url) => {
    expect(failing(workspaceValid, { name: 'P', kind: 'partner', deliveryUrl: url })).toContain('/deliveryUrl');
    expect(failing(patchValid, { deliveryUrl: url })).toContain('/deliveryUrl');
    expect(deliveryUrlProblem(url)).toEqual(expect.any(String)); // refused; its words (the slip named, else the rule): boundaryReaders.test.ts
  });

  test('the parser refuses what the pattern cannot see: an IPv4 octet over 255', () => {
    expect(failing(workspaceValid, { name: 'P', kind: 'partner', deliveryUrl: 'http://999.1.1.1/hook' })).toEqual([]);
    expect(deliveryUrlProblem('http://999.1.1.1/hook')).toBeDefined();
  });

  test.each([
    'https://buyer.example/leads?x=1#f',
    'http://127.0.0.1:8080/hook',
    'http://localhost:3000',
    'http://10.0.0.5/hook',
    'http://[::1]:9000/hook',
    'https://xn--bcher-kva.example/hook',
  ])('accepts %s (loopback and private addresses included)', (url) => {
    expect(failing(workspaceValid, { name: 'P', kind: 'partner', deliveryUrl: url })).toEqual([]);
    expect(deliveryUrlProblem(url)).toBeUndefined();
  });
});

describe('condition numbers', () => {
  const pred = (op: string, value: unknown, field = 'attributes.loanAmount') => ({ all: [{ field, op, value }] });
  const paths = (c: unknown) => validateConditions(c).map((p) => p.path);

  test.each<[string, unknown, string]>([
    ['gt', MAX_CONDITION_NUMBER + 2, 'conditions.all[0].value'],
    ['lte', -1e300, 'conditions.all[0].value'],
    ['eq', 1e20, 'conditions.all[0].value'],
    ['between', [0, 1e16], 'conditions.all[0].value[1]'],
    ['in', [1, 2, MAX_CONDITION_NUMBER + 2], 'conditions.all[0].value[2]'],
    ['not_in', [-1e17], 'conditions.all[0].value[0]'],
  ])('%s %p is refused at %s', (op, value, path) => {
    expect(paths(pred(op, value))).toEqual([path]);
  });

  test.each<[string, unknown]>([
    ['gte', MAX_CONDITION_NUMBER],
    ['between', [-MAX_CONDITION_NUMBER, MAX_CONDITION_NUMBER]],
    ['lt', 0.000001],
    ['eq', 'a string is not bounded as a number'],
  ])('%s %p is accepted', (op, value) => {
    expect(paths(pred(op, value))).toEqual([]);
  });
});

describe('unmatchableValueProblems: empty eq/in values on top-level fields', () => {
  test('eq "" on a top-level field is named', () => {
    expect(unmatchableValueProblems({ all: [{ field: 'state', op: 'eq', value: '' }] })).toEqual([
      { path: 'conditions.all[0].value', message: expect.stringMatching(/not_exists/) },
    ]);
  });

  test('an "" item of an in list is named by index, also under any/not', () => {
    const tree = { any: [{ not: { field: 'product', op: 'in', value: ['loan', ''] } }] };
    expect(unmatchableValueProblems(tree).map((p) => p.path)).toEqual(['conditions.any[0].not.value[1]']);
  });

  test('attributes may be "" (a form field sent blank), and other operators are left alone', () => {
    expect(unmatchableValueProblems({ all: [
      { field: 'attributes.note', op: 'eq', value: '' },
      { field: 'attributes.note', op: 'in', value: [''] },
      { field: 'state', op: 'neq', value: '' },
      { field: 'state', op: 'eq', value: 'TX' },
    ] })).toEqual([]);
  });
});
