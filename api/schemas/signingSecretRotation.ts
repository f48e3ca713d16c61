// POST /api/admin/workspaces/:id/signing-secret: its body and its answers (api/routes/admin/signingSecret.ts).
import { DEFAULT_OVERLAP_MINUTES, IDEMPOTENCY_KEY_HOURS, MAX_OVERLAP_MINUTES } from '../../lib/store/signingSecrets';
import { ADMIN, nullableDateTime } from './responseParts';
import { errors, WITH_BODY } from './errorResponses';

export interface SigningSecretRotationBody {
  overlapMinutes?: number;
  force?: boolean;
}

/** `{ "overlapMinutes": N }`, N a whole number of minutes 0..10080 (a week); no body, or `{}`, is the default 1440. */
export const signingSecretRotationBodySchema = {
  type: 'object',
  description: `Optional: no body, or {}, is an overlap of ${DEFAULT_OVERLAP_MINUTES} minutes.`,
  'x-optional-body': true, // api/plugins/openapi.ts: documented as not required
  additionalProperties: false,
  properties: {
    overlapMinutes: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_OVERLAP_MINUTES,
      default: DEFAULT_OVERLAP_MINUTES,
      description: `How long the secret replaced keeps signing deliveries beside the new one, in minutes (0: retired at once; at most ${MAX_OVERLAP_MINUTES}, a week). Default ${DEFAULT_OVERLAP_MINUTES} (a day).`,
    },
    force: {
      type: 'boolean',
      description: 'Rotate even during an earlier rotation\'s overlap, dropping the secret that rotation replaced (without it: 409 rotation_in_progress).',
    },
  },
} as const;

export interface SigningSecretRotationHeaders {
  'idempotency-key'?: string;
}

/** The optional Idempotency-Key header: 1-255 visible ASCII characters (a UUID is usual). */
export const signingSecretRotationHeadersSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$', // one or more: an empty key is refused by this message, not twice
      'x-error-message': { pattern: 'must be 1-255 visible ASCII characters (no spaces), such as a UUID' },
      description: `Makes a repeat safe: the same key for the same partner within ${IDEMPOTENCY_KEY_HOURS} h rotates nothing and answers the same 201 again (header Idempotent-Replayed: true), with the same secret while it is still the current one. 1-255 visible ASCII characters, e.g. a UUID.`,
    },
  },
} as const;

/** routeDocs entry (spread into api/schemas/responses.ts through workspaceRouteDocs). */
export const signingSecretRouteDocs = {
  rotateSigningSecret: {
    operationId: 'rotateSigningSecret',
    summary: "Give a partner a new signing secret; the old one keeps signing beside it for `overlapMinutes` (each delivery then carries `v1=<new>,v1=<old>`)",
    tags: ['admin: workspaces'],
    security: ADMIN,
    response: {
      201: {
        description: 'The new secret, and when the old one stops signing (shown again only to a repeat with the same Idempotency-Key while it is the current secret)',
        type: 'object',
        // Documented as sent (api/routes/admin/signingSecret.ts): a client tells a replay from a new rotation by it.
        headers: {
          'Idempotent-Replayed': { type: 'string', enum: ['true'], description: 'Sent (as `true`) only when this answer repeats an earlier rotation with the same Idempotency-Key: nothing was rotated now' },
        },
        required: ['signingSecret', 'previousSecretExpiresAt'],
        additionalProperties: false,
        properties: {
          signingSecret: { type: 'string', description: 'verifies our deliveries from now on (`whsec_...`)' },
          previousSecretExpiresAt: { ...nullableDateTime, description: 'when the old secret stops signing; null when it stopped at once (overlapMinutes 0)' },
        },
      },
      ...errors([...WITH_BODY, 404, 409], { 409: 'The workspace is a source (not_a_partner); an earlier rotation\'s overlap is still running (rotation_in_progress: send force); the Idempotency-Key was used with another body (idempotency_key_reused) or its secret has been rotated away since (idempotency_key_superseded)' }),
    },
  },
} as const;
