import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Structured JSON logs. PII never reaches a log line (DESIGN §5.8): known PII and secret fields are
 * censored wherever they appear, so a careless `log.info({ lead })` stays safe.
 */
const SENSITIVE_KEYS = [
  'email', 'phone', 'firstName', 'lastName', // PII
  'authorization', 'apiKey', 'api_key', 'apiKeyHash', 'api_key_hash', 'signingSecret', 'signing_secret', 'adminToken', // secrets
];
// Each key at the top level and up to three levels down ({ req: { headers: { authorization } } }).
export const REDACT_PATHS = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: process.env.DD_SERVICE ?? 'lead-router' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level = 'info'): Logger {
  return pino(loggerOptions(level));
}

export type { Logger };
