import { WAITING_COUNT_CAP } from '../../lib/admission/backlogSummary';
import { sloReportSchema } from './sloReport';

/**
 * What the API answers, per route and per status (issue 7, "Also build"): the source of the OpenAPI
 * document (api/plugins/openapi.ts) and of Fastify's response serialization.
 *
 * Careful: Fastify serializes a response with the schema of its status (fast-json-stringify), which
 * DROPS every property the schema does not list. So each object below lists every property its handler
 * returns (api/leadView.ts, lib/store/workspaces.ts, lib/store/rules.ts, lib/maintenance/retryQueue.ts),
 * and shapes that are open by design (a decision trace, a rule's condition tree) say
 * `additionalProperties: true` or have no type at all. test/integration/openapi.test.ts checks the lists
 * against the real return values; adding a field to a handler means adding it here.
 *
 * Shared shapes are registered once (app.addSchema, by `$id`) and appear in the document as
 * `#/components/schemas/<$id>`; routes refer to them as `{ $ref: '<$id>#' }`.
 */
import { LEAD_STATUSES } from './adminLeads';
import { DISTRIBUTIONS } from '../../lib/rules/types';

const uuid = { type: 'string', format: 'uuid' } as const;
const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

// ---------------------------------------------------------------------------------------------------------
// Shared components
// ---------------------------------------------------------------------------------------------------------

/** The one error shape (DESIGN §8): {"error": {"code", "message", "details"?}}. */
export const errorSchema = {
  $id: 'Error',
  title: 'Error',
  description: 'Every 4xx/5xx answer. `code` is stable (e.g. invalid_request, unauthorized, not_found, rate_limited); `details` names each bad field of a 400.',
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', examples: ['invalid_request'] },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'message'],
            additionalProperties: false,
            properties: {
              field: { type: 'string', description: 'dotted path of the field, e.g. `attributes.loanAmount`, or `(root)`' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

const leadProperties = {
  leadId: uuid,
  externalId: { type: 'string' },
  sourceWorkspaceId: uuid,
  status: { type: 'string', enum: [...LEAD_STATUSES] },
  result: { type: ['string', 'null'], enum: ['success', 'duplicate', 'failed', null] },
  destinationWorkspaceId: nullableUuid,
  matchedRuleId: nullableUuid,
  matchedRuleVersion: nullableInt,
  duplicateOfLeadId: nullableUuid,
  attempts: { type: 'integer' },
  lastError: { type: ['string', 'null'] },
  decision: {
    type: ['object', 'null'],
    additionalProperties: true,
    description: 'the decision trace: `rules` tried in order (why each did or did not match, destinations considered), `dedupe`, `excluded`; null before the first decision',
  },
  createdAt: dateTime,
  routingStartedAt: nullableDateTime,
  routedAt: nullableDateTime,
  updatedAt: dateTime,
  expiresAt: dateTime,
  workflowId: { type: 'string' },
  temporalUiUrl: { type: 'string', description: 'admin callers only: the lead workflow in the Temporal Web UI' },
} as const;
const leadRequired = [
  'leadId', 'externalId', 'sourceWorkspaceId', 'status', 'result', 'destinationWorkspaceId', 'matchedRuleId', 'matchedRuleVersion',
  'duplicateOfLeadId', 'attempts', 'lastError', 'decision', 'createdAt', 'routingStartedAt', 'routedAt', 'updatedAt', 'expiresAt', 'workflowId',
];

/** api/leadView.ts: routing state and the why, never the person's details. */
export const leadSchema = {
  $id: 'Lead',
  title: 'Lead',
  type: 'object',
  required: leadRequired,
  additionalProperties: false,
  properties: leadProperties,
} as const;

/** POST /api/leads/route answered 200: a repeat of an externalId, or a lead that finished within `?wait`. */
export const routedLeadSchema = {
  $id: 'RouteLeadResult',
  title: 'RouteLeadResult',
  type: 'object',
  required: [...leadRequired, 'statusUrl'],
  additionalProperties: false,
  properties: {
    ...leadProperties,
    statusUrl: { type: 'string', examples: ['/api/leads/0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b'] },
    repeated: { type: 'boolean', enum: [true], description: 'present when this externalId had been sent before by this source' },
  },
} as const;

export const leadAcceptedSchema = {
  $id: 'LeadAccepted',
  title: 'LeadAccepted',
  description: 'Stored: the lead will be routed whatever Temporal is doing at this moment. Poll `statusUrl`.',
  type: 'object',
  required: ['leadId', 'status', 'statusUrl'],
  additionalProperties: false,
  properties: { leadId: uuid, status: leadProperties.status, statusUrl: routedLeadSchema.properties.statusUrl },
} as const;

const workspaceProperties = {
  id: uuid,
  name: { type: 'string' },
  kind: { type: 'string', enum: ['source', 'partner'] },
  apiKeyPrefix: { type: ['string', 'null'], description: 'sources: enough of the key to recognise it, never to use it' },
  deliveryUrl: { type: ['string', 'null'] },
  timezone: { type: 'string' },
  caps: {
    type: 'object',
    required: ['hourly', 'daily', 'monthly'],
    additionalProperties: false,
    properties: { hourly: nullableInt, daily: nullableInt, monthly: nullableInt },
  },
  rateLimitPerMinute: { type: ['integer', 'null'], description: 'sources: requests per minute; null means the service default' },
  enabled: { type: 'boolean' },
  createdAt: dateTime,
  updatedAt: dateTime,
} as const;
const workspaceRequired = ['id', 'name', 'kind', 'apiKeyPrefix', 'deliveryUrl', 'timezone', 'caps', 'rateLimitPerMinute', 'enabled', 'createdAt', 'updatedAt'];

/** lib/store/workspaces.ts Workspace: no key hash, no signing secret. */
export const workspaceSchema = {
  $id: 'Workspace',
  title: 'Workspace',
  type: 'object',
  required: workspaceRequired,
  additionalProperties: false,
  properties: workspaceProperties,
} as const;

export const workspaceCreatedSchema = {
  $id: 'WorkspaceCreated',
  title: 'WorkspaceCreated',
  description: 'The new workspace with its secret, shown only in this answer: `apiKey` for a source, `signingSecret` for a partner.',
  type: 'object',
  required: workspaceRequired,
  additionalProperties: false,
  properties: {
    ...workspaceProperties,
    apiKey: { type: 'string', description: 'source only: send as `Authorization: Bearer <apiKey>`' },
    signingSecret: { type: 'string', description: 'partner only: verifies the signature of our deliveries' },
  },
} as const;

const openObject = { type: 'object', additionalProperties: true } as const;

const ruleProperties = {
  id: uuid,
  name: { type: 'string' },
  priority: { type: 'integer' },
  sourceWorkspaceId: nullableUuid,
  conditions: { ...openObject, description: 'condition tree: a predicate {field, op, value?} or {all: [...]}, {any: [...]}, {not: ...}' },
  destinations: {
    type: 'array',
    items: {
      type: 'object',
      required: ['workspaceId'],
      additionalProperties: false,
      properties: { workspaceId: uuid, weight: { type: 'number' } },
    },
  },
  distribution: { type: 'string', enum: [...DISTRIBUTIONS] },
  enabled: { type: 'boolean' },
  version: { type: 'integer' },
  createdAt: dateTime,
  updatedAt: dateTime,
} as const;
const ruleRequired = ['id', 'name', 'priority', 'sourceWorkspaceId', 'conditions', 'destinations', 'distribution', 'enabled', 'version', 'createdAt', 'updatedAt'];

export const ruleSchema = {
  $id: 'Rule',
  title: 'Rule',
  type: 'object',
  required: ruleRequired,
  additionalProperties: false,
  properties: ruleProperties,
} as const;

export const ruleWithVersionsSchema = {
  $id: 'RuleWithVersions',
  title: 'RuleWithVersions',
  type: 'object',
  required: [...ruleRequired, 'versions'],
  additionalProperties: false,
  properties: {
    ...ruleProperties,
    versions: {
      type: 'array',
      description: 'every definition the rule has had; leads keep the version that routed them',
      items: {
        type: 'object',
        required: ['version', 'definition', 'createdAt'],
        additionalProperties: false,
        properties: { version: { type: 'integer' }, definition: openObject, createdAt: dateTime },
      },
    },
  },
} as const;

/** lib/routing/decide.ts Decision: `kind` plus kind-specific fields and the trace, open by design. */
export const decisionSchema = {
  $id: 'Decision',
  title: 'Decision',
  type: 'object',
  required: ['kind', 'trace'],
  additionalProperties: true,
  properties: {
    kind: { type: 'string', enum: ['assigned', 'duplicate', 'original_in_flight', 'no_match', 'capped'] },
    trace: { ...openObject, description: 'rules tried in order, why each matched or not, destinations considered' },
  },
} as const;

export const SHARED_SCHEMAS = [
  errorSchema, leadSchema, routedLeadSchema, leadAcceptedSchema, workspaceSchema, workspaceCreatedSchema, ruleSchema, ruleWithVersionsSchema, decisionSchema,
];

// ---------------------------------------------------------------------------------------------------------
// Per-status answers
// ---------------------------------------------------------------------------------------------------------

const ref = (id: string, description: string) => ({ description, $ref: `${id}#` });

const ERROR_DESCRIPTIONS = {
  400: 'Invalid request: bad JSON, or a body / query / path parameter that fails validation (`details` names each field)',
  401: 'Missing or invalid credentials',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body larger than 64 KiB',
  415: 'Content-Type is not application/json (or its charset is not UTF-8)',
  429: 'Over the rate limit; retry after the `retry-after` seconds',
  503: 'The database (Postgres) is unreachable: nothing was changed; retry the same request after `retry-after` seconds',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Error answers with the shared shape; `descriptions` overrides the generic text of a status. */
function errors(statuses: ErrorStatus[], descriptions: Partial<Record<ErrorStatus, string>> = {}) {
  return Object.fromEntries(statuses.map((s) => [s, ref('Error', descriptions[s] ?? ERROR_DESCRIPTIONS[s])]));
}

/** What every authenticated route may answer before its handler runs. */
const AUTHED: ErrorStatus[] = [401, 429, 503];
/** ...and a route that reads a JSON body (any POST/PUT/PATCH/DELETE: a body is parsed when one is sent). */
const WITH_BODY: ErrorStatus[] = [400, 401, 413, 415, 429, 503];

const SOURCE = [{ sourceApiKey: [] }];
const ADMIN = [{ adminToken: [] }];

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

/**
 * Per route: what the OpenAPI document says of it besides its request schemas (operationId, summary, tag,
 * security) and its `response` schemas. Route files spread one of these into their `schema`.
 */
export const routeDocs = {
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

  routeLead: {
    operationId: 'routeLead',
    summary: 'Send a lead to be routed',
    description: 'Stores the lead and answers 202 once it is stored, whatever the load or the state of Temporal: its routing starts at once when there is room, otherwise as room frees, in order (admission control). `?wait=<ms>` (max 10000) waits for the outcome within that deadline; a lead still waiting to start is answered 202 at the deadline. Re-sending an `externalId` answers 200 with the same lead (idempotent).',
    tags: ['leads'],
    security: SOURCE,
    response: {
      200: ref('RouteLeadResult', 'A repeat of this externalId (`repeated: true`), or a lead whose routing finished within `?wait`'),
      202: ref('LeadAccepted', 'Stored: it will be routed, whatever Temporal is doing at this moment'),
      ...errors(WITH_BODY, { 503: 'The lead store (Postgres) is unreachable: nothing was stored; retry the same request. Never answered for load or a Temporal outage' }),
    },
  },
  getLead: {
    operationId: 'getLead',
    summary: 'A lead\'s routing status, result, destination and decision trace',
    description: 'A source sees only its own leads (others\' ids answer 404); the admin token sees every lead.',
    tags: ['leads'],
    security: [...SOURCE, ...ADMIN],
    response: { 200: ref('Lead', 'The lead'), ...errors([400, ...AUTHED, 404]) },
  },

  createWorkspace: {
    operationId: 'createWorkspace',
    summary: 'Create a source (gets an API key) or a partner (gets a signing secret)',
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: { 201: ref('WorkspaceCreated', 'Created; the secret is shown only here'), ...errors(WITH_BODY) },
  },
  listWorkspaces: {
    operationId: 'listWorkspaces',
    summary: 'Workspaces, oldest first',
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: {
      200: { description: 'The workspaces', type: 'object', required: ['workspaces'], additionalProperties: false, properties: { workspaces: { type: 'array', items: { $ref: 'Workspace#' } } } },
      ...errors([400, ...AUTHED]),
    },
  },
  updateWorkspace: {
    operationId: 'updateWorkspace',
    summary: 'Change a workspace (only the fields sent; null clears a delivery URL, a cap or a rate limit)',
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: { 200: ref('Workspace', 'The updated workspace'), ...errors([...WITH_BODY, 404]) },
  },

  createRule: {
    operationId: 'createRule',
    summary: 'Create a routing rule',
    tags: ['admin: rules'],
    security: ADMIN,
    response: { 201: ref('Rule', 'Created'), ...errors(WITH_BODY) },
  },
  listRules: {
    operationId: 'listRules',
    summary: 'Rules in evaluation order',
    tags: ['admin: rules'],
    security: ADMIN,
    response: {
      200: { description: 'The rules', type: 'object', required: ['rules'], additionalProperties: false, properties: { rules: { type: 'array', items: { $ref: 'Rule#' } } } },
      ...errors(AUTHED),
    },
  },
  getRule: {
    operationId: 'getRule',
    summary: 'A rule with every version it has had',
    tags: ['admin: rules'],
    security: ADMIN,
    response: { 200: ref('RuleWithVersions', 'The rule'), ...errors([400, ...AUTHED, 404]) },
  },
  replaceRule: {
    operationId: 'replaceRule',
    summary: 'Replace a rule (its version goes up; leads keep the version that routed them)',
    tags: ['admin: rules'],
    security: ADMIN,
    response: { 200: ref('Rule', 'The new definition'), ...errors([...WITH_BODY, 404]) },
  },
  deleteRule: {
    operationId: 'deleteRule',
    summary: 'Delete a rule (soft: leads keep pointing at it)',
    tags: ['admin: rules'],
    security: ADMIN,
    response: { 204: { description: 'Deleted', type: 'null' }, ...errors([...WITH_BODY, 404]) },
  },
  simulateRouting: {
    operationId: 'simulateRouting',
    summary: 'What-if: the decision and trace routing would make for a lead now; writes nothing',
    tags: ['admin: rules'],
    security: ADMIN,
    response: {
      200: { description: 'The decision', type: 'object', required: ['decision'], additionalProperties: false, properties: { decision: { $ref: 'Decision#' } } },
      ...errors(WITH_BODY),
    },
  },

  listLeads: {
    operationId: 'listLeads',
    summary: 'Leads newest first; `stale=true`: routing leads whose lock is older than the stale threshold',
    tags: ['admin: leads'],
    security: ADMIN,
    response: {
      200: { description: 'The leads, each with its Temporal Web UI link', type: 'object', required: ['leads'], additionalProperties: false, properties: { leads: { type: 'array', items: { $ref: 'Lead#' } } } },
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
