/**
 * What the API answers, per route and per status (issue 7, "Also build"): the source of the OpenAPI
 * document (api/plugins/openapi.ts) and of Fastify's response serialization.
 *
 * Careful: Fastify serializes a response with the schema of its status (fast-json-stringify), which
 * DROPS every property the schema does not list. So each object (in the per-resource files below) lists
 * every property its handler returns (api/leadView.ts, lib/store/workspaces.ts, lib/store/rules.ts,
 * lib/maintenance/retryQueue.ts), and shapes that are open by design (a decision trace, a rule's condition
 * tree) say `additionalProperties: true` or have no type at all. test/integration/openapi.test.ts checks the
 * lists against the real return values; adding a field to a handler means adding it to its schema.
 *
 * Shared shapes are registered once (app.addSchema, by `$id`) and appear in the document as
 * `#/components/schemas/<$id>`; routes refer to them as `{ $ref: '<$id>#' }`.
 *
 * The shapes and route docs live per resource (leadResponses, workspaceResponses, ruleResponses,
 * healthResponses, opsResponses; errors in errorResponses); this file is their index: the shared schemas
 * in registration order and every route's docs.
 */
import { errorSchema } from './errorResponses';
import { healthRouteDocs } from './healthResponses';
import { leadAcceptedSchema, leadRouteDocs, leadSchema, routedLeadSchema } from './leadResponses';
import { opsRouteDocs } from './opsResponses';
import { decisionSchema, ruleRouteDocs, ruleSchema, ruleWithVersionsSchema } from './ruleResponses';
import { workspaceCreatedSchema, workspaceRouteDocs, workspaceSchema } from './workspaceResponses';

export { errorSchema } from './errorResponses';
export { leadAcceptedSchema, leadSchema, routedLeadSchema } from './leadResponses';
export { decisionSchema, ruleSchema, ruleWithVersionsSchema } from './ruleResponses';
export { workspaceCreatedSchema, workspaceSchema } from './workspaceResponses';

/** Every shared shape, registered once by `$id` (api/plugins/openapi.ts), in this order. */
export const SHARED_SCHEMAS = [
  errorSchema, leadSchema, routedLeadSchema, leadAcceptedSchema, workspaceSchema, workspaceCreatedSchema, ruleSchema, ruleWithVersionsSchema, decisionSchema,
];

/**
 * Per route: what the OpenAPI document says of it besides its request schemas (operationId, summary, tag,
 * security) and its `response` schemas. Route files spread one of these into their `schema`.
 */
export const routeDocs = {
  ...healthRouteDocs,
  ...leadRouteDocs,
  ...workspaceRouteDocs,
  ...ruleRouteDocs,
  ...opsRouteDocs,
} as const;
