/** JSON schemas of the admin endpoints. */
import { leadBodySchema, VISIBLE_AT_BOTH_ENDS, type LeadBody } from './lead';
import { DISTRIBUTIONS, type Condition, type Distribution, type RuleDestination } from '../../lib/rules/types';

const cap = { type: 'integer', minimum: 1, maximum: 10_000_000 } as const;

export interface WorkspaceBody {
  name: string;
  kind: 'source' | 'partner';
  deliveryUrl?: string;
  timezone?: string;
  caps?: { hourly?: number; daily?: number; monthly?: number };
  rateLimitPerMinute?: number | null;
  enabled?: boolean;
}

/** Requests per minute for one source; 1,000,000/min (~16,700/s) is far past what one gateway serves. */
const rateLimit = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

export const workspaceBodySchema = {
  type: 'object',
  required: ['name', 'kind'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: VISIBLE_AT_BOTH_ENDS, 'x-error-message': 'must be 1-200 characters on one line that do not start or end with whitespace or invisible characters' },
    kind: { type: 'string', enum: ['source', 'partner'] },
    deliveryUrl: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    caps: { type: 'object', additionalProperties: false, properties: { hourly: cap, daily: cap, monthly: cap } },
    rateLimitPerMinute: { ...rateLimit, type: ['integer', 'null'] }, // null: the service default
    enabled: { type: 'boolean' },
  },
} as const;

export interface WorkspacePatchBody {
  name?: string;
  deliveryUrl?: string | null;
  timezone?: string;
  caps?: { hourly?: number | null; daily?: number | null; monthly?: number | null };
  rateLimitPerMinute?: number | null;
  enabled?: boolean;
}

const nullableCap = { type: ['integer', 'null'], minimum: 1, maximum: 10_000_000 } as const;

/** A partial update: only the fields sent change; null clears a delivery URL or a cap. */
export const workspacePatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: workspaceBodySchema.properties.name,
    deliveryUrl: { type: ['string', 'null'], format: 'uri', pattern: '^https?://', maxLength: 2000 },
    timezone: workspaceBodySchema.properties.timezone,
    caps: { type: 'object', additionalProperties: false, properties: { hourly: nullableCap, daily: nullableCap, monthly: nullableCap } },
    rateLimitPerMinute: { ...rateLimit, type: ['integer', 'null'] },
    enabled: { type: 'boolean' },
  },
} as const;

export const workspaceListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { kind: { type: 'string', enum: ['source', 'partner'] } },
} as const;

export interface RuleBody {
  name: string;
  priority: number;
  sourceWorkspaceId?: string | null;
  conditions?: Condition;
  destinations: RuleDestination[];
  distribution?: Distribution;
  enabled?: boolean;
}

export const ruleBodySchema = {
  type: 'object',
  required: ['name', 'priority', 'destinations'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: VISIBLE_AT_BOTH_ENDS, 'x-error-message': 'must be 1-200 characters on one line that do not start or end with whitespace or invisible characters' },
    priority: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    sourceWorkspaceId: { type: ['string', 'null'], format: 'uuid' },
    // The tree's shape is checked by lib/rules/validate.ts, which names the exact path of a problem.
    conditions: { type: 'object' },
    destinations: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        required: ['workspaceId'],
        additionalProperties: false,
        properties: { workspaceId: { type: 'string', format: 'uuid' }, weight: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 } },
      },
    },
    distribution: { type: 'string', enum: [...DISTRIBUTIONS] },
    enabled: { type: 'boolean' },
  },
} as const;

export interface SimulateBody {
  sourceWorkspaceId: string;
  lead: Omit<LeadBody, 'externalId'> & { externalId?: string };
}

export const simulateBodySchema = {
  type: 'object',
  required: ['sourceWorkspaceId', 'lead'],
  additionalProperties: false,
  properties: {
    sourceWorkspaceId: { type: 'string', format: 'uuid' },
    // The lead exactly as a source would send it, except that externalId is optional here.
    lead: { ...leadBodySchema, required: [] },
  },
} as const;
