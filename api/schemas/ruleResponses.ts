// Rule answers: the Rule shape with and without its versions, the simulated Decision, and the rule routes' docs.
import { DISTRIBUTIONS } from '../../lib/rules/types';
import { AUTHED, WITH_BODY, errors } from './errorResponses';
import { ADMIN, dateTime, nullableDateTime, nullableUuid, openObject, ref, uuid } from './responseParts';

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
  deletedAt: { ...nullableDateTime, description: 'null for a live rule; when it was deleted otherwise (a deleted rule never routes, and its versions stay readable)' },
} as const;
const ruleRequired = ['id', 'name', 'priority', 'sourceWorkspaceId', 'conditions', 'destinations', 'distribution', 'enabled', 'version', 'createdAt', 'updatedAt', 'deletedAt'];

/** One stored definition (lib/store/rules.ts RuleVersion): the routing_rules row as it was, snake_case. */
const ruleVersionSchema = {
  type: 'object',
  required: ['version', 'definition', 'createdAt'],
  additionalProperties: false,
  properties: { version: { type: 'integer' }, definition: openObject, createdAt: dateTime },
} as const;

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
      description: 'every definition the rule has had; leads keep the version that routed them (a delete is the last version)',
      items: ruleVersionSchema,
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

/** routeDocs entries of the admin rule routes (api/routes/admin/rules.ts), simulation included. */
export const ruleRouteDocs = {
  createRule: {
    operationId: 'createRule',
    summary: 'Create a routing rule',
    tags: ['admin: rules'],
    security: ADMIN,
    response: { 201: ref('Rule', 'Created'), ...errors(WITH_BODY) },
  },
  listRules: {
    operationId: 'listRules',
    summary: 'Rules in evaluation order (deleted ones only with `includeDeleted=true`)',
    tags: ['admin: rules'],
    security: ADMIN,
    response: {
      200: { description: 'The rules', type: 'object', required: ['rules'], additionalProperties: false, properties: { rules: { type: 'array', items: { $ref: 'Rule#' } } } },
      ...errors([400, ...AUTHED]),
    },
  },
  getRule: {
    operationId: 'getRule',
    summary: 'A rule with every version it has had',
    tags: ['admin: rules'],
    security: ADMIN,
    description: 'A deleted rule is answered too (`deletedAt` set): leads\' decision traces name its versions.',
    response: { 200: ref('RuleWithVersions', 'The rule'), ...errors([400, ...AUTHED, 404]) },
  },
  listRuleVersions: {
    operationId: 'listRuleVersions',
    summary: 'Every version a rule has had, oldest first, deleted rule or not',
    tags: ['admin: rules'],
    security: ADMIN,
    response: {
      200: {
        description: 'The versions',
        type: 'object',
        required: ['ruleId', 'deletedAt', 'versions'],
        additionalProperties: false,
        properties: { ruleId: uuid, deletedAt: ruleProperties.deletedAt, versions: { type: 'array', items: ruleVersionSchema } },
      },
      ...errors([400, ...AUTHED, 404]),
    },
  },
  getRuleVersion: {
    operationId: 'getRuleVersion',
    summary: 'One version of a rule: what decided a lead (its matchedRuleId and matchedRuleVersion), deleted rule or not',
    tags: ['admin: rules'],
    security: ADMIN,
    response: {
      200: {
        description: 'The version',
        type: 'object',
        required: ['ruleId', 'deletedAt', ...ruleVersionSchema.required],
        additionalProperties: false,
        properties: { ruleId: uuid, deletedAt: ruleProperties.deletedAt, ...ruleVersionSchema.properties },
      },
      ...errors([400, ...AUTHED, 404]),
    },
  },
  replaceRule: {
    operationId: 'replaceRule',
    summary: 'Replace a rule (its version goes up; leads keep the version that routed them); a deleted rule is a 404',
    tags: ['admin: rules'],
    security: ADMIN,
    response: { 200: ref('Rule', 'The new definition'), ...errors([...WITH_BODY, 404]) },
  },
  deleteRule: {
    operationId: 'deleteRule',
    summary: 'Delete a rule (soft: it stops routing and leaves the default list; it and its versions stay readable by id)',
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
} as const;
