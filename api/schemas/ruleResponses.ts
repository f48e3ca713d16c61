// Rule answers: the Rule shape with and without its versions, the simulated Decision, and the rule routes' docs.
import { DISTRIBUTIONS } from '../../lib/rules/types';
import { AUTHED, WITH_BODY, errors } from './errorResponses';
import { ADMIN, dateTime, nullableUuid, openObject, ref, uuid } from './responseParts';

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
} as const;
