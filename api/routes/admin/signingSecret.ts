import type { FastifyInstance } from 'fastify';
import { generateSigningSecret } from '../../../lib/apiKeys';
import { getWorkspace } from '../../../lib/store/workspaces';
import { DEFAULT_OVERLAP_MINUTES, IDEMPOTENCY_KEY_HOURS, rotatePartnerSigningSecret, type RotationRefusal } from '../../../lib/store/signingSecrets';
import type { RouteDeps } from '../../app';
import { ApiError, notFound, withArticle } from '../../errors';
import { idParamsSchema } from '../../schemas/params';
import { routeDocs } from '../../schemas/responses';
import { signingSecretRotationBodySchema, signingSecretRotationHeadersSchema, type SigningSecretRotationBody, type SigningSecretRotationHeaders } from '../../schemas/signingSecretRotation';

/**
 * POST /api/admin/workspaces/:id/signing-secret: a partner's new signing secret (a leaked one, or a routine
 * rotation), shown in the 201 answer. The old secret keeps signing beside the new one for `overlapMinutes`
 * (default 1440; 0 retires it at once), so each delivery carries `v1=<new>,v1=<old>` and the buyer, verifying
 * with either, switches without a failed delivery (lib/delivery/signing.ts). Rotating again during an overlap is
 * a 409 rotation_in_progress (a request sent twice would drop the secret the buyer has) unless the body says
 * `"force": true`, which drops the older one: at most two secrets sign.
 *
 * A client that may send the request again (a timeout, a retrying HTTP library) sends an `Idempotency-Key`
 * header (1-255 visible ASCII characters, e.g. a UUID): the same key for the same partner within 24 h rotates
 * nothing and answers the same 201 again (`Idempotent-Replayed: true`), with the same secret while it is still
 * the current one (lib/store/signingSecrets.ts). Without a key, a repeated `overlapMinutes: 0` rotation retires
 * the secret the first answer returned. A key reused with another body, or whose secret has been rotated away
 * since, is a 409. A source is 409 not_a_partner, an unknown id 404, a bad body or header 400 naming the field.
 * Logs `admin.signing_secret_rotated` (workspace id, overlap, force: never a secret).
 */
export function adminSigningSecretRoutes(app: FastifyInstance, { db, auth }: Pick<RouteDeps, 'db' | 'auth'>) {
  app.post<{ Params: { id: string }; Body: SigningSecretRotationBody; Headers: SigningSecretRotationHeaders }>(
    '/api/admin/workspaces/:id/signing-secret',
    {
      onRequest: auth.admin,
      // No body is the default overlap, like `{}`: the schema then sees an object (and fills in the default).
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: { ...routeDocs.rotateSigningSecret, params: idParamsSchema, headers: signingSecretRotationHeadersSchema, body: signingSecretRotationBodySchema },
    },
    async (request, reply) => {
      const current = await getWorkspace(db, request.params.id);
      if (!current) throw notFound('workspace');
      if (current.kind !== 'partner') {
        throw new ApiError(409, 'not_a_partner', `workspace ${current.id} is ${withArticle(current.kind)}: only partners have signing secrets (a source rotates its API key at POST /api/admin/workspaces/${current.id}/api-key)`);
      }
      const overlapMinutes = request.body.overlapMinutes ?? DEFAULT_OVERLAP_MINUTES;
      const force = request.body.force === true;
      const idempotencyKey = request.headers['idempotency-key'];
      const rotation = await rotatePartnerSigningSecret(db, current.id, generateSigningSecret(), overlapMinutes, { force, idempotencyKey });
      if (!rotation) throw notFound('workspace'); // deleted (or changed kind) since it was read
      if ('refused' in rotation) throw refusal(current.id, rotation);
      if (rotation.replayed) {
        reply.header('idempotent-replayed', 'true');
      } else {
        request.log.info({ event: 'admin.signing_secret_rotated', workspaceId: current.id, overlapMinutes, forced: force }, 'signing secret rotated');
      }
      return reply.status(201).send({ signingSecret: rotation.signingSecret, previousSecretExpiresAt: rotation.previousSecretExpiresAt });
    },
  );
}

/** The 409 for a rotation not done, saying what to send instead. */
function refusal(id: string, r: RotationRefusal): ApiError {
  switch (r.refused) {
    case 'rotation_in_progress':
      return new ApiError(409, 'rotation_in_progress', `workspace ${id} is in a rotation's overlap until ${r.inProgressUntil}: rotating again would retire the secret the buyer may still use (was this request sent twice? send an Idempotency-Key header to make a repeat safe); send {"force": true} to rotate anyway, dropping that secret`);
    case 'idempotency_key_reused':
      return new ApiError(409, 'idempotency_key_reused', `this Idempotency-Key was used for workspace ${id} in the last ${IDEMPOTENCY_KEY_HOURS} h with another overlapMinutes or force: send the same body again, or use a new key for a new rotation`);
    case 'idempotency_key_superseded':
      return new ApiError(409, 'idempotency_key_superseded', `this Idempotency-Key's rotation of workspace ${id} is done, and the secret it made has been rotated away since: it is not shown again; use a new key for a new rotation`);
  }
}
