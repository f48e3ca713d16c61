// Session 10's newcomer walk: query booleans refused `1`/`0` while on/off settings took them. One parser, one table:
// this file is the settings' side; test/integration/apiNits.test.ts and httpConsistency.test.ts are the query's.
import { loadConfig } from '../../lib/config';
import { parseBoolean } from '../../lib/config/parsers';
import { configProblems, VALID_ENV } from '../support/configProblems';
import { BOOLEAN_SPELLINGS } from '../support/booleanSpellings';

test.each(BOOLEAN_SPELLINGS)('parseBoolean(%j) is %s', (text, expected) => {
  expect(parseBoolean(text)).toBe(expected);
});

test.each(BOOLEAN_SPELLINGS)('the setting METRICS_ENABLED=%j: %s (undefined: refused, naming it)', (text, expected) => {
  if (expected === undefined) expect(configProblems({ ...VALID_ENV, METRICS_ENABLED: text })).toEqual(['METRICS_ENABLED: must be true or false (or 1 / 0)']);
  else expect(loadConfig({ ...VALID_ENV, METRICS_ENABLED: text }).METRICS_ENABLED).toBe(expected);
});
