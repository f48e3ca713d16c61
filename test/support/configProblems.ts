import { ConfigError, loadConfig } from '../../lib/config';

/** The least an environment needs to pass lib/config.ts: tests add the one setting they try. */
export const VALID_ENV = {
  DATABASE_URL: 'postgres://router:secret@db:5432/router',
  IDENTITY_HMAC_KEY: '0123456789abcdef-hmac',
} as const;

/** The problems loadConfig reports for `env` (each names its variable); throws if it accepts `env`. */
export function configProblems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw new Error(`expected a ConfigError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected loadConfig to throw');
}
