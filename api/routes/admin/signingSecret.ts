import type { FastifyInstance } from 'fastify';
import { generateSigningSecret } from '../../../lib/apiKeys';
import { getWorkspace } from '../../../lib/store/workspaces';
import { DEFAULT_OVERLAP_MINUTES, rotatePartnerSigningSecret } from '../../../lib/store/signingSecrets';
import type { RouteDeps } from '../../app';
import { ApiError, notFound } from '../../errors';
import { idParamsSchema } from '../../schemas/params';
import { routeDocs } from '../../schemas/responses';
import { signingSecretRotationBodySchema, type SigningSecretRotationBody } from '../../schemas/signingSecretRotation';

/**
 * POST /api/admin/workspaces/:id/signing-secret: a partner's new signing secret (a leaked one, or a routine
 * rotation), shown once in the 201 answer. The old secret keeps signing beside the new one for
 * `overlapMinutes` (default 1440; 0 retires it at once), so each delivery carries `v1=<new>,v1=<old>` and the
 * buyer, verifying with either, switches without a failed delivery (lib/delivery/signing.ts). Rotating again
 * during an overlap is a 409 rotation_in_progress (a request sent twice would drop the secret the buyer has)
 * unless the body says `"force": true`, which drops the older one: at most two secrets sign. A source is 409
 * not_a_partner, an unknown id 404, a bad body 400 naming the field.
 */
export function adminSigningSecretRoutes(app: FastifyInstance, { db, auth }: Pick<RouteDeps, 'db' | 'auth'>) {
  app.post<{ Params: { id: string }; Body: SigningSecretRotationBody }>(
    '/api/admin/workspaces/:id/signing-secret',
    {
      onRequest: auth.admin,
      // No body is the default overlap, like `{}`: the schema then sees an object (and fills in the default).
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: { ...routeDocs.rotateSigningSecret, params: idParamsSchema, body: signingSecretRotationBodySchema },
    },
    async (request, reply) => {
      const current = await getWorkspace(db, request.params.id);
      if (!current) throw notFound('workspace');
      if (current.kind !== 'partner') {
        throw new ApiError(409, 'not_a_partner', `workspace ${current.id} is a ${current.kind}: only partners have signing secrets (a source rotates its API key at POST /api/admin/workspaces/${current.id}/api-key)`);
      }
      const signingSecret = generateSigningSecret();
      const rotation = await rotatePartnerSigningSecret(db, current.id, signingSecret, request.body.overlapMinutes ?? DEFAULT_OVERLAP_MINUTES, { force: request.body.force === true });
      if (!rotation) throw notFound('workspace'); // deleted (or changed kind) since it was read
      if ('inProgressUntil' in rotation) {
        throw new ApiError(409, 'rotation_in_progress', `workspace ${current.id} is in a rotation's overlap until ${rotation.inProgressUntil}: rotating again would retire the secret the buyer may still use (was this request sent twice?); send {"force": true} to rotate anyway, dropping that secret`);
      }
      return reply.status(201).send({ signingSecret, previousSecretExpiresAt: rotation.previousSecretExpiresAt });
    },
  );
}
