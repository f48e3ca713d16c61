// Workspace answers: the Workspace shape, its creation answer with the secret, and the workspace routes' docs.
import { AUTHED, WITH_BODY, errors } from './errorResponses';
import { ADMIN, dateTime, nullableDateTime, nullableInt, ref, uuid } from './responseParts';
import { signingSecretRouteDocs } from './signingSecretRotation';

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
  previousSecretExpiresAt: { ...nullableDateTime, description: 'partners: when the secret replaced by the last rotation stops signing, while that overlap runs; null when none runs (sources: null)' },
  signingSecretRotatedAt: { ...nullableDateTime, description: 'partners: when the signing secret was last rotated; null when never (sources: null)' },
  createdAt: dateTime,
  updatedAt: dateTime,
} as const;
const workspaceRequired = ['id', 'name', 'kind', 'apiKeyPrefix', 'deliveryUrl', 'timezone', 'caps', 'rateLimitPerMinute', 'enabled', 'previousSecretExpiresAt', 'signingSecretRotatedAt', 'createdAt', 'updatedAt'];

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

/** routeDocs entries of the admin workspace routes (api/routes/admin/workspaces.ts). */
export const workspaceRouteDocs = {
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
  getWorkspace: {
    operationId: 'getWorkspace',
    summary: 'One workspace (no key, no secret; for a partner, whether a signing-secret rotation\'s overlap runs)',
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: { 200: ref('Workspace', 'The workspace'), ...errors([400, ...AUTHED, 404]) },
  },
  updateWorkspace: {
    operationId: 'updateWorkspace',
    summary: 'Change a workspace (only the fields sent; null clears a delivery URL, a cap or a rate limit)',
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: { 200: ref('Workspace', 'The updated workspace'), ...errors([...WITH_BODY, 404]) },
  },
  rotateApiKey: {
    operationId: 'rotateApiKey',
    summary: 'Give a source a new API key (the old one stops working: at once here, within AUTH_CACHE_TTL_MS on other gateway processes)',
    description: 'Not idempotent: an `Idempotency-Key` header is refused (400 naming idempotency-key), as the key is shown once and stored hashed, so a repeat cannot answer the same key. If an answer was lost, rotate again: the key of the last answer is the one that works.',
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: { 200: ref('WorkspaceCreated', 'The source with its new `apiKey`, shown only here'), ...errors([...WITH_BODY, 404, 409]) },
  },
  ...signingSecretRouteDocs,
} as const;
