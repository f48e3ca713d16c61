// Admin operations answers: the lead list, a lead's retry, a retry-queue pass, and the SLO report.
import { adminLeadsPageSchema } from './adminLeads';
import { AUTHED, WITH_BODY, errors } from './errorResponses';
import { ADMIN, uuid } from './responseParts';
import { sloReportSchema } from './sloReport';

/** routeDocs entries of the admin lead and SLO routes (api/routes/admin/leads.ts, api/routes/admin/slo.ts). */
export const opsRouteDocs = {
  listLeads: {
    operationId: 'listLeads',
    summary: 'Leads newest first; `stale=true`: routing leads whose lock is older than the stale threshold',
    tags: ['admin: leads'],
    security: ADMIN,
    response: {
      200: adminLeadsPageSchema,
      ...errors([400, ...AUTHED]),
    },
  },
  retryLead: {
    operationId: 'retryLead',
    summary: 'Retry one lead now (a failed lead is re-driven; a waiting one is woken)',
    tags: ['admin: leads'],
    security: ADMIN,
    response: {
      202: {
        description: 'Re-driven: the routing runs in its workflow',
        type: 'object',
        required: ['leadId', 'outcome', 'statusUrl'],
        additionalProperties: false,
        properties: { leadId: uuid, outcome: { type: 'string', enum: ['started', 'signalled'] }, statusUrl: { type: 'string' } },
      },
      ...errors([...WITH_BODY, 404, 409], { 409: 'The lead is routed or expired (`already_final`), or failed past its TTL (`past_ttl`)' }),
    },
  },
  processRetryQueue: {
    operationId: 'processRetryQueue',
    summary: 'Run one retry-queue pass now (what the every-minute schedule does)',
    tags: ['admin: leads'],
    security: ADMIN,
    response: {
      200: {
        description: 'What the pass did; `more`: due rows are left for another pass',
        type: 'object',
        required: ['scanned', 'orphans', 'redriven', 'running', 'finished', 'errors', 'more', 'durationMs'],
        additionalProperties: false,
        properties: {
          scanned: { type: 'integer' },
          orphans: { type: 'integer' },
          redriven: { type: 'integer' },
          running: { type: 'integer' },
          finished: { type: 'integer' },
          errors: { type: 'integer' },
          more: { type: 'boolean' },
          durationMs: { type: 'integer' },
        },
      },
      ...errors(WITH_BODY),
    },
  },
  slo: {
    operationId: 'getSlo',
    summary: 'The SLOs now: availability over 30 days, error budget, burn rates and alert tiers, p95 latency, retry queue depth',
    tags: ['admin: slo'],
    security: ADMIN,
    response: { 200: { description: 'The SLO report computed from Postgres at `at` (lib/slo/report.ts)', ...sloReportSchema }, ...errors(AUTHED) },
  },
} as const;
