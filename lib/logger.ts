import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Structured JSON logs. PII never reaches a log line (DESIGN §5.8): known PII and secret fields are
 * censored wherever they appear, so a careless `log.info({ lead })` stays safe.
 */
export const REDACT_PATHS = [
  'email', 'phone', 'firstName', 'lastName',
  '*.email', '*.phone', '*.firstName', '*.lastName',
  '*.*.email', '*.*.phone', '*.*.firstName', '*.*.lastName',
  'req.headers.authorization', 'headers.authorization',
  'apiKey', '*.apiKey', 'signingSecret', '*.signingSecret', 'adminToken',
];

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
