import type { FastifyInstance } from 'fastify';
import { apiKeyPrefix, generateApiKey, generateSigningSecret, hashApiKey } from '../../../lib/apiKeys';
import { getWorkspace, insertWorkspace, listWorkspaces, updateWorkspace, type WorkspaceKind } from '../../../lib/store/workspaces';
import type { AppDeps } from '../../app';
import { badRequest, notFound, type FieldProblem } from '../../errors';
import { requireAdmin } from '../../plugins/auth';
import { workspaceBodySchema, workspaceListQuerySchema, workspacePatchSchema, type WorkspaceBody, type WorkspacePatchBody } from '../../schemas/admin';
import { idParamsSchema } from '../../schemas/params';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** What the JSON schema cannot check: a real time zone, and delivery settings only on partners. */
function checkWorkspace(kind: WorkspaceKind, body: { timezone?: string; deliveryUrl?: string | null; caps?: object }): void {
  const problems: FieldProblem[] = [];
  if (body.timezone !== undefined && !isTimeZone(body.timezone)) problems.push({ field: 'timezone', message: 'is not an IANA time zone such as America/New_York' });
  if (kind === 'source' && (body.deliveryUrl || body.caps)) {
    problems.push({ field: body.deliveryUrl ? 'deliveryUrl' : 'caps', message: 'only partner workspaces receive leads' });
  }
  if (problems.length) throw badRequest('invalid body', problems);
}

export function adminWorkspaceRoutes(app: FastifyInstance, { db, config }: AppDeps) {
  const onRequest = requireAdmin({ db, adminToken: config.ADMIN_TOKEN });

  /** Creates a source (gets an API key) or a partner (gets a signing secret). Secrets are shown only here. */
  app.post<{ Body: WorkspaceBody }>('/api/admin/workspaces', { onRequest, schema: { body: workspaceBodySchema } }, async (request, reply) => {
    const body = request.body;
    checkWorkspace(body.kind, body);

    const apiKey = body.kind === 'source' ? generateApiKey() : undefined;
    const signingSecret = body.kind === 'partner' ? generateSigningSecret() : undefined;
    const workspace = await insertWorkspace(db, {
      ...body,
      apiKeyHash: apiKey ? hashApiKey(apiKey) : undefined,
      apiKeyPrefix: apiKey ? apiKeyPrefix(apiKey) : undefined,
      signingSecret,
    });
    return reply.status(201).send({ ...workspace, ...(apiKey ? { apiKey } : {}), ...(signingSecret ? { signingSecret } : {}) });
  });

  app.get<{ Querystring: { kind?: WorkspaceKind } }>(
    '/api/admin/workspaces',
    { onRequest, schema: { querystring: workspaceListQuerySchema } },
    async (request) => ({ workspaces: await listWorkspaces(db, request.query.kind) }),
  );

  /** Changes a workspace (caps, delivery URL, time zone, enabled ...). Keys and secrets are never returned. */
  app.patch<{ Params: { id: string }; Body: WorkspacePatchBody }>(
    '/api/admin/workspaces/:id',
    { onRequest, schema: { params: idParamsSchema, body: workspacePatchSchema } },
    async (request) => {
      const current = await getWorkspace(db, request.params.id);
      if (!current) throw notFound('workspace');
      checkWorkspace(current.kind, request.body);
      return updateWorkspace(db, current.id, request.body);
    },
  );
}
