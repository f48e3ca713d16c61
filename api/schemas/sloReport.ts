/** The answer of GET /api/admin/slo: lib/slo/report.ts SloReport plus the firing alerts, as a response schema. */
const nullableNumber = { type: ['number', 'null'] } as const;
const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;

/** lib/slo/report.ts SloReport. */
export const sloReportSchema = {
  type: 'object',
  required: ['at', 'availability', 'latency', 'retryQueue', 'staleLocks', 'duplicateRatePercent1h', 'expirations24h', 'alerts'],
  additionalProperties: false,
  properties: {
    at: { type: 'string', format: 'date-time' },
    availability: {
      type: 'object',
      required: ['objective', 'percent30d', 'good30d', 'bad30d', 'errorBudgetRemaining', 'met', 'burnRates', 'tiers'],
      additionalProperties: false,
      properties: {
        objective: { type: 'number' },
        percent30d: nullableNumber,
        good30d: { type: 'integer' },
        bad30d: { type: 'integer' },
        errorBudgetRemaining: { type: 'number' },
        met: { type: 'boolean' },
        burnRates: { type: 'object', additionalProperties: { type: 'number' } },
        tiers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'severity', 'long', 'short', 'factor', 'longRate', 'shortRate', 'firing'],
            additionalProperties: false,
            properties: {
              id: { type: 'string' }, severity: { type: 'string', enum: ['page', 'ticket'] }, long: { type: 'string' }, short: { type: 'string' },
              factor: { type: 'number' }, longRate: { type: 'number' }, shortRate: { type: 'number' }, firing: { type: 'boolean' },
            },
          },
        },
      },
    },
    latency: {
      type: 'object',
      required: ['thresholdMs', 'p95Ms1h', 'routedLastHour', 'met', 'noData'],
      additionalProperties: false,
      properties: { thresholdMs: { type: 'number' }, p95Ms1h: nullableNumber, routedLastHour: { type: 'integer' }, met: { type: 'boolean' }, noData: { type: 'boolean' } },
    },
    retryQueue: {
      type: 'object',
      required: ['threshold', 'depth', 'byWorkspace', 'met'],
      additionalProperties: false,
      properties: { threshold: { type: 'integer' }, depth: { type: 'integer' }, byWorkspace: counts, met: { type: 'boolean' } },
    },
    staleLocks: { type: 'integer' },
    duplicateRatePercent1h: nullableNumber,
    expirations24h: { type: 'integer' },
    /** lib/alerting/firing.ts FiringAlert: the alerts firing as of the last evaluation (every minute). */
    alerts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'key', 'workspaceId', 'severity', 'title', 'status', 'firingSince', 'value', 'threshold', 'runbookUrl'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          key: { type: 'string' },
          workspaceId: { type: ['string', 'null'] },
          severity: { type: 'string', enum: ['critical', 'warning', 'info'] },
          title: { type: 'string' },
          status: { type: 'string', enum: ['firing'] },
          firingSince: { type: 'string', format: 'date-time' },
          value: nullableNumber,
          threshold: nullableNumber,
          runbookUrl: { type: 'string' },
        },
      },
    },
  },
} as const;
