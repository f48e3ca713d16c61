// Settings that take one of a few words (LOG_LEVEL) accept any case, as the on/off settings do, and a wrong word
// is refused in the words of every other setting's message, not zod's `Invalid option: expected one of "fatal"|…`.
import { ConfigError, loadConfig } from '../../lib/config';
import { oneOf } from '../../lib/config/parsers';

const VALID = { DATABASE_URL: 'postgres://router:secret@db:5432/router', IDENTITY_HMAC_KEY: '0123456789abcdef-hmac' } as const;

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected loadConfig to throw');
}

describe('LOG_LEVEL', () => {
  test.each([['SILENT', 'silent'], ['Info', 'info'], ['warn', 'warn'], ['DeBuG', 'debug']])('%s is read as %s (the walk: SILENT was refused)', (given, level) => {
    expect(loadConfig({ ...VALID, LOG_LEVEL: given }).LOG_LEVEL).toBe(level);
  });

  test('unset or blank is info', () => {
    expect([loadConfig({ ...VALID }).LOG_LEVEL, loadConfig({ ...VALID, LOG_LEVEL: '  ' }).LOG_LEVEL]).toEqual(['info', 'info']);
  });

  test.each(['verbose', 'silent!', 'in fo'])('%s is refused naming the words it takes, not zod\'s wording', (given) => {
    expect(problems({ ...VALID, LOG_LEVEL: given })).toEqual(['LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (in any case)']);
  });
});

describe('oneOf', () => {
  const schema = oneOf(['alpha', 'Beta']);
  test('gives the word in its own spelling, whatever the case written', () => {
    expect([schema.parse('ALPHA'), schema.parse('beta'), schema.parse('BETA')]).toEqual(['alpha', 'Beta', 'Beta']);
  });
  test('never repeats the value in its message', () => {
    const result = schema.safeParse('secret-looking');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['must be one of alpha, Beta (in any case)']);
  });
});
