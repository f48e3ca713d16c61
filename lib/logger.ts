import pino, { type Logger, type LoggerOptions } from 'pino';
import { envSetting } from './config/parsers';

/**
 * Structured JSON logs. PII never reaches a log line (DESIGN §5.8): known PII and secret fields are
 * censored wherever they appear, so a careless `log.info({ lead })` stays safe.
 */
const SENSITIVE_KEYS = [
  'email', 'phone', 'firstName', 'lastName', // PII
  'authorization', 'apiKey', 'api_key', 'apiKeyHash', 'api_key_hash', 'signingSecret', 'signing_secret', 'secret', 'previousSecret', 'previous_signing_secret', 'adminToken', // secrets
];
// Each key at the top level and up to three levels down ({ req: { headers: { authorization } } }).
export const REDACT_PATHS = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

/**
 * Errors as log fields, with database errors reduced to what identifies them (issue 7, item 7).
 * A Postgres error carries the offending values in `detail`, `where` and often its `message`
 * (`invalid input syntax for type uuid: "…"`, `Key (email_hash)=(…)`), and knex prefixes the message
 * with the SQL; any of these can hold a lead's PII. So a database error is logged by its SQLSTATE
 * `code`, `constraint`, `routine`, table and column only, never its text. Other errors keep pino's
 * standard form; causes are serialized by the same rules.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & Record<string, unknown>;
  const cause = depth < 5 && e.cause !== undefined ? { cause: serializeError(e.cause, depth + 1) } : {};
  if (isDatabaseError(e)) {
    const pick = (k: string) => (typeof e[k] === 'string' ? { [k]: e[k] } : {});
    return {
      type: 'DatabaseError',
      message: `database error ${e.code}`,
      code: e.code,
      ...pick('severity'), ...pick('constraint'), ...pick('routine'), ...pick('schema'), ...pick('table'), ...pick('column'), ...pick('dataType'),
      ...cause,
    };
  }
  // pino's own serializer folds the causes' messages and stacks into this error's; ours keeps each
  // error's own text, so a database error's text cannot leak through a wrapper.
  return { ...(pino.stdSerializers.err(err) as unknown as Record<string, unknown>), message: e.message, stack: e.stack, ...cause };
}

/** pg's DatabaseError (pg-protocol): a five-character SQLSTATE plus the server's severity. */
function isDatabaseError(e: Record<string, unknown>): boolean {
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: { err: serializeError, error: serializeError },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: envSetting(process.env, 'DD_SERVICE') ?? 'lead-router' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level = 'info'): Logger {
  return pino(loggerOptions(level));
}

export type { Logger };
