/**
 * The one table of on/off spellings (lib/config/parsers.ts parseBoolean), for the tests of both boundaries that read
 * booleans as text: settings (test/unit/booleanSpellings.test.ts) and query parameters (test/integration/apiNits.test.ts,
 * test/integration/httpConsistency.test.ts). undefined: refused.
 */
export const BOOLEAN_SPELLINGS: ReadonlyArray<[string, boolean | undefined]> = [
  ['true', true], ['TRUE', true], ['True', true], ['1', true],
  ['false', false], ['FALSE', false], ['fAlSe', false], ['0', false],
  ['yes', undefined], ['no', undefined], ['on', undefined], ['off', undefined], ['2', undefined], ['01', undefined], ['t', undefined],
];
