// Session 10's newcomer walk: a blank `TEMPORAL_NAMESPACE=` silently meant `default`. That is the rule, for every
// setting: blank (empty or only spaces) is unset, and the documented default applies. Readers outside loadConfig
// followed other rules (an empty DD_SERVICE tag, `make dev` waiting on namespace "", a blank notify list refused).
import { CONFIG_VARIABLES, loadConfig } from '../../lib/config';
import { envSetting } from '../../lib/config/parsers';
import { loggerOptions } from '../../lib/logger';
import { monitorSettings } from '../../monitors/monitorsSettings';
import { configProblems, VALID_ENV } from '../support/configProblems';

const BLANKS = ['', ' ', '\t', '  \n'];

test.each(BLANKS.map((b) => [JSON.stringify(b), b]))('envSetting: %s is unset', (_name, blank) => {
  expect(envSetting({ X: blank }, 'X')).toBeUndefined();
  expect(envSetting({}, 'X')).toBeUndefined();
  expect(envSetting({ X: ' v ' }, 'X')).toBe(' v '); // a value is left as written: its own check says what is wrong
});

describe('every loadConfig setting: blank is unset', () => {
  const required = new Set(Object.keys(VALID_ENV));
  test.each(CONFIG_VARIABLES.filter((name) => !required.has(name)))('%s blank: the same config as unset', (name) => {
    const unset = loadConfig({ ...VALID_ENV });
    for (const blank of BLANKS) expect(loadConfig({ ...VALID_ENV, [name]: blank })).toEqual(unset);
  });
  test.each([...required])('%s blank: "is required", as when unset', (name) => {
    for (const blank of BLANKS) expect(configProblems({ ...VALID_ENV, [name]: blank })).toEqual(configProblems({ ...VALID_ENV, [name]: undefined }));
  });
  test('the reported example: TEMPORAL_NAMESPACE= is the default namespace', () => {
    expect(loadConfig({ ...VALID_ENV, TEMPORAL_NAMESPACE: '' }).TEMPORAL_NAMESPACE).toBe('default');
  });
});

describe('settings read outside loadConfig follow the same rule', () => {
  const saved = process.env.DD_SERVICE;
  afterEach(() => {
    if (saved === undefined) delete process.env.DD_SERVICE;
    else process.env.DD_SERVICE = saved;
  });
  test('DD_SERVICE blank: the logs\' service is the default, not ""', () => {
    process.env.DD_SERVICE = ' ';
    expect(loggerOptions('info').base).toEqual({ service: 'lead-router' });
  });
  test.each(['DATADOG_NOTIFY_CRITICAL', 'DATADOG_NOTIFY_WARNING', 'DATADOG_NOTIFY_INFO', 'ALERT_RENOTIFY_MINUTES', 'RUNBOOK_BASE_URL'])('monitors:sync\'s %s blank: the default', (name) => {
    for (const blank of BLANKS) expect(monitorSettings({ [name]: blank })).toEqual(monitorSettings({}));
  });
});
