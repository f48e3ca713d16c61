// Lead answers: the Lead view, POST /api/leads/route's 200 and 202, and the docs of the two lead routes.
import { LEAD_STATUSES } from './adminLeads';
import { AUTHED, WITH_BODY, errors } from './errorResponses';
import { SOURCE, ADMIN, dateTime, nullableDateTime, nullableInt, nullableUuid, ref, uuid } from './responseParts';

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
    description: 'the decision trace: `rules` tried in order (why each did or did not match, destinations considered), `dedupe`, `excluded`; while a decided lead waits for a retry, the trace of its pending decision (matched rules only: `unmatchedRulesOmitted: true`); null before the first decision',
  },
  pendingDecision: {
    type: ['object', 'null'],
    description: 'an undecided lead whose attempt chose a buyer that has not accepted it yet (delivery failed, retry scheduled; or delivering now): the buyer, the rule version that chose it (GET /api/admin/rules/{ruleId}/versions/{ruleVersion}) and when. null otherwise (a finished lead: see destinationWorkspaceId and matchedRule*)',
    required: ['destinationWorkspaceId', 'ruleId', 'ruleVersion', 'decidedAt'],
    additionalProperties: false,
    properties: { destinationWorkspaceId: uuid, ruleId: nullableUuid, ruleVersion: nullableInt, decidedAt: dateTime },
  },
  retry: {
    type: ['object', 'null'],
    description: 'the retry an undecided lead waits for (the retry ledger, lead_routing_queue); null when none is scheduled',
    required: ['attempt', 'failedAttempts', 'nextAttemptAt', 'kind', 'reason'],
    additionalProperties: false,
    properties: {
      attempt: { type: 'integer', description: 'the attempt that ended in this wait' },
      failedAttempts: { type: 'integer', description: 'failed attempts so far that count toward ROUTING_MAX_ATTEMPTS' },
      nextAttemptAt: dateTime,
      kind: { type: 'string', enum: ['backoff', 'wait'], description: '`backoff`: after a failed attempt; `wait`: for a cap reset or an original lead in flight (not counted)' },
      reason: { type: ['string', 'null'], examples: ['delivery_failed: HTTP 500'] },
    },
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
  'duplicateOfLeadId', 'attempts', 'lastError', 'decision', 'pendingDecision', 'retry', 'createdAt', 'routingStartedAt', 'routedAt', 'updatedAt', 'expiresAt', 'workflowId',
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

/** routeDocs entries of the source-facing lead routes (api/routes/leads.ts). */
export const leadRouteDocs = {
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
} as const;
