// Health answers: liveness, and readiness with its dependency checks and the admission backlog.
import { WAITING_COUNT_CAP } from '../../lib/admission/backlogSummary';

const readiness = {
  type: 'object',
  required: ['status', 'checks'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: {
      type: 'object',
      required: ['postgres', 'temporal'],
      additionalProperties: false,
      properties: {
        postgres: { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { type: 'boolean' } } },
        temporal: { type: 'object', required: ['ok'], additionalProperties: false, properties: { ok: { type: 'boolean' } } },
      },
    },
    // Information only (never a reason for 503); absent when it cannot be read (lib/admission/backlogSummary.ts).
    admission: {
      type: 'object',
      description: 'The admission backlog: leads stored and waiting for their routing to start, and the leads in flight. Information only: a backlog never makes /ready fail. Absent when it cannot be read.',
      required: ['waiting', 'waitingCapped', 'oldestWaitingSeconds', 'inFlight'],
      additionalProperties: false,
      properties: {
        waiting: { type: 'integer', minimum: 0, maximum: WAITING_COUNT_CAP, description: `Leads waiting (past their TTL excluded), counted up to ${WAITING_COUNT_CAP}` },
        waitingCapped: { type: 'boolean', description: `true: the count stopped at ${WAITING_COUNT_CAP}; at least that many wait` },
        oldestWaitingSeconds: { type: 'integer', minimum: 0, description: 'Seconds since the oldest waiting lead was stored; 0 when none waits' },
        inFlight: { type: 'integer', minimum: 0, description: 'Leads started and not yet through their first routing attempt (bounded by ADMISSION_MAX_IN_FLIGHT)' },
      },
    },
  },
} as const;

/** routeDocs entries of /health and /ready (api/routes/health.ts): no credentials. */
export const healthRouteDocs = {
  health: {
    operationId: 'health',
    summary: 'Liveness: the process serves requests',
    tags: ['health'],
    security: [],
    response: { 200: { description: 'Up', type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', enum: ['ok'] } } } },
  },
  ready: {
    operationId: 'ready',
    summary: 'Readiness: Postgres and Temporal answer',
    tags: ['health'],
    security: [],
    response: {
      200: { ...readiness, description: 'Ready to accept leads' },
      503: { ...readiness, description: 'Not ready: `checks` says which dependency is down' },
    },
  },
} as const;
