import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiKeyPrefix, generateApiKey, generateSigningSecret, hashApiKey } from '../../../lib/apiKeys';
import { getWorkspace, insertWorkspace, listWorkspaces, replaceSourceApiKey, updateWorkspace, type WorkspaceKind } from '../../../lib/store/workspaces';
import type { Db } from '../../../lib/db/createDb';
import type { RouteDeps } from '../../app';
import { ApiError, notFound, withArticle, type FieldProblem } from '../../errors';
import { isSound, refuseProblems } from '../../plugins/inputProblems';
import { zoneNameProblem } from '../../../lib/timeZone';
import { deliveryUrlProblem, normalizeDeliveryUrl, workspaceBodySchema, workspaceListQuerySchema, workspacePatchSchema, type WorkspaceBody, type WorkspacePatchBody } from '../../schemas/admin';
import { idParamsSchema } from '../../schemas/params';
import { routeDocs } from '../../schemas/responses';
import { refuseBody } from '../../plugins/noBody';
import { adminSigningSecretRoutes } from './signingSecret';

/**
 * Why `tz` is not a time zone both Node and Postgres read the same way, or undefined: an IANA name spelt exactly
 * (`America/New_York`, `UTC`: lib/timeZone.ts zoneNameProblem, which also says the spelling to send for another
 * case or stray spaces) that Postgres's pg_timezone_names knows (caps are computed there). Offsets such as
 * `+05:30` are refused: Intl reads them as UTC+5:30, Postgres's AT TIME ZONE as POSIX, i.e. UTC−5:30.
 */
async function timeZoneProblem(db: Db, tz: string): Promise<string | undefined> {
  const problem = zoneNameProblem(tz);
  if (problem) return problem;
  const { rows } = await db.raw('SELECT 1 FROM pg_timezone_names WHERE name = ? LIMIT 1', [tz]);
  return rows.length > 0 ? undefined : 'is not a time zone this database knows (pg_timezone_names): use an IANA name such as America/New_York';
}

type Caps = { hourly?: number | null; daily?: number | null; monthly?: number | null };
const CAP_PERIODS = ['hourly', 'daily', 'monthly'] as const;

/**
 * Caps that contradict each other: a shorter period's cap above a longer one's (hourly 500, daily 100) is
 * never reached, and reads as a limit it is not. `caps` are the caps the workspace will have (on PATCH, the
 * current ones with the change applied); null or absent is no cap and is compared with nothing.
 */
function capOrderProblems(caps: Caps, sent: Caps): FieldProblem[] {
  const problems: FieldProblem[] = [];
  CAP_PERIODS.forEach((shorter, i) => {
    for (const longer of CAP_PERIODS.slice(i + 1)) {
      const a = caps[shorter];
      const b = caps[longer];
      if (a == null || b == null || a <= b) continue;
      const field = sent[shorter] !== undefined ? `caps.${shorter}` : `caps.${longer}`;
      problems.push({ field, message: `the ${shorter} cap (${a}) is above the ${longer} cap (${b}): it could never be reached; ${withArticle(shorter)} cap must be at most the ${longer} one` });
      return;
    }
  });
  return problems;
}

/**
 * What the JSON schema cannot check: a real time zone, a delivery URL fetch can send to, caps in order, and delivery
 * settings only on partners. Each check runs on the fields the schema found sound (api/plugins/inputProblems.ts
 * isSound); `kind` is undefined when it is itself a problem (the checks that depend on it are skipped). Throws one
 * 400 naming every problem of the request, the schema's included; returns when there is none.
 */
async function checkWorkspace(db: Db, request: FastifyRequest, kind: WorkspaceKind | undefined, body: { timezone?: unknown; deliveryUrl?: unknown; caps?: unknown; rateLimitPerMinute?: unknown }, currentCaps: Caps = {}): Promise<void> {
  const sound = (field: string) => isSound(request, field);
  const problems: FieldProblem[] = [];
  if (isCaps(body.caps)) {
    // Only the caps that are themselves sound are compared: a bad one has its own problem already.
    const soundCaps = (caps: Caps): Caps => Object.fromEntries(CAP_PERIODS.filter((p) => sound(`caps.${p}`) && caps[p] !== undefined).map((p) => [p, caps[p]]));
    problems.push(...capOrderProblems({ ...soundCaps(currentCaps), ...soundCaps(body.caps) }, soundCaps(body.caps)));
  }
  const zoneProblem = typeof body.timezone === 'string' && sound('timezone') ? await timeZoneProblem(db, body.timezone) : undefined;
  if (zoneProblem) problems.push({ field: 'timezone', message: zoneProblem });
  const urlProblem = typeof body.deliveryUrl === 'string' && body.deliveryUrl !== '' && sound('deliveryUrl') ? deliveryUrlProblem(body.deliveryUrl) : undefined;
  if (urlProblem) problems.push({ field: 'deliveryUrl', message: urlProblem });
  // Where these fields may be given depends only on the kind, not on their values: said even of a bad value.
  if (kind === 'source') {
    for (const field of ['deliveryUrl', 'caps'] as const) if (body[field]) problems.push({ field, message: 'only partner workspaces receive leads' });
  }
  if (kind === 'partner' && body.rateLimitPerMinute != null) {
    problems.push({ field: 'rateLimitPerMinute', message: 'applies only to source workspaces (the requests they send)' });
  }
  refuseProblems(request, 'invalid body', problems);
}

/** A JSON object (caps, a body), not null or an array. */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCaps = (v: unknown): v is Caps => isObject(v);

/** The body with its delivery URL's scheme in lower case (`HTTP://` is a valid spelling of `http://`). */
function withNormalUrl<T extends { deliveryUrl?: string | null }>(body: T): T {
  return typeof body.deliveryUrl === 'string' ? { ...body, deliveryUrl: normalizeDeliveryUrl(body.deliveryUrl) } : body;
}

/** A PATCH's `caps: null` as what it means: each of the three caps cleared (the store and checks take per-cap nulls). */
function withCapsCleared<T extends { caps?: Caps | null }>(body: T): T & { caps?: Caps } {
  return body.caps === null ? { ...body, caps: { hourly: null, daily: null, monthly: null } } : (body as T & { caps?: Caps });
}

export function adminWorkspaceRoutes(app: FastifyInstance, { db, auth }: RouteDeps) {
  const onRequest = auth.admin;

  /** Creates a source (gets an API key) or a partner (gets a signing secret). Secrets are shown only here. */
  // Each write checks the body in its handler, then answers every problem at once (api/plugins/inputProblems.ts).
  const config = { checksInHandler: true };
  app.post<{ Body: WorkspaceBody }>('/api/admin/workspaces', { onRequest, config, schema: { ...routeDocs.createWorkspace, body: workspaceBodySchema } }, async (request, reply) => {
    // A body that is not an object (`null`, none) is the schema's problem: the checks then read no field of it.
    const body = withNormalUrl(isObject(request.body) ? request.body : ({} as WorkspaceBody));
    await checkWorkspace(db, request, isSound(request, 'kind') ? body.kind : undefined, body);
    // null is "no cap" (a cap, or `caps: null` for all three) and "no delivery URL", as on PATCH; the store takes a value or nothing.
    const caps = body.caps ? Object.fromEntries(Object.entries(body.caps).filter(([, v]) => v !== null)) as { hourly?: number; daily?: number; monthly?: number } : undefined;

    const apiKey = body.kind === 'source' ? generateApiKey() : undefined;
    const signingSecret = body.kind === 'partner' ? generateSigningSecret() : undefined;
    const workspace = await insertWorkspace(db, {
      ...body,
      deliveryUrl: body.deliveryUrl ?? undefined,
      caps,
      apiKeyHash: apiKey ? hashApiKey(apiKey) : undefined,
      apiKeyPrefix: apiKey ? apiKeyPrefix(apiKey) : undefined,
      signingSecret,
    });
    return reply.status(201).send({ ...workspace, ...(apiKey ? { apiKey } : {}), ...(signingSecret ? { signingSecret } : {}) });
  });

  app.get<{ Querystring: { kind?: WorkspaceKind } }>(
    '/api/admin/workspaces',
    { onRequest, schema: { ...routeDocs.listWorkspaces, querystring: workspaceListQuerySchema } },
    async (request) => ({ workspaces: await listWorkspaces(db, request.query.kind) }),
  );

  /** One workspace as the list shows it (never a key or secret); 404 for an unknown id. */
  app.get<{ Params: { id: string } }>(
    '/api/admin/workspaces/:id',
    { onRequest, schema: { ...routeDocs.getWorkspace, params: idParamsSchema } },
    async (request) => {
      const workspace = await getWorkspace(db, request.params.id);
      if (!workspace) throw notFound('workspace');
      return workspace;
    },
  );

  /**
   * Changes a workspace (caps, delivery URL, time zone, enabled ...). Keys and secrets are never returned.
   * This process's remembered source keys are forgotten once the change is written (api/plugins/sourceKeyCache.ts):
   * a disabled source gets 401, and a new rate limit applies, from the next request.
   */
  app.patch<{ Params: { id: string }; Body: WorkspacePatchBody }>(
    '/api/admin/workspaces/:id',
    { onRequest, config, schema: { ...routeDocs.updateWorkspace, params: idParamsSchema, body: workspacePatchSchema } },
    async (request) => {
      // A bad id or body is a 400 before an unknown id is a 404 (as when the schema answered first).
      const current = isSound(request, 'id') ? await getWorkspace(db, request.params.id) : undefined;
      if (!current) refuseProblems(request);
      if (!current) throw notFound('workspace');
      const body = withCapsCleared(withNormalUrl(isObject(request.body) ? request.body : ({} as WorkspacePatchBody)));
      await checkWorkspace(db, request, current.kind, body, current.caps);
      try {
        return await updateWorkspace(db, current.id, body);
      } finally {
        // Also when the answer is an error: the update may have been written before the connection failed.
        auth.forgetSourceKeys();
      }
    },
  );

  /**
   * A source's new API key (a leaked key is revoked by replacing it): the answer shows the new key, once; the
   * old one stops working at once on this process and within AUTH_CACHE_TTL_MS on other gateway processes
   * (they remember accepted keys that long: api/plugins/sourceKeyCache.ts). A partner is a 409: its signing
   * secret is rotated at POST /api/admin/workspaces/:id/signing-secret (api/routes/admin/signingSecret.ts).
   */
  app.post<{ Params: { id: string } }>(
    '/api/admin/workspaces/:id/api-key',
    { onRequest, preHandler: refuseBody, schema: { ...routeDocs.rotateApiKey, params: idParamsSchema } },
    async (request) => {
      const current = await getWorkspace(db, request.params.id);
      if (!current) throw notFound('workspace');
      if (current.kind !== 'source') throw new ApiError(409, 'not_a_source', `workspace ${current.id} is a partner: only sources have API keys (a partner rotates its signing secret at POST /api/admin/workspaces/${current.id}/signing-secret)`);
      const apiKey = generateApiKey();
      try {
        const workspace = await replaceSourceApiKey(db, current.id, { apiKeyHash: hashApiKey(apiKey), apiKeyPrefix: apiKeyPrefix(apiKey) });
        if (!workspace) throw notFound('workspace');
        return { ...workspace, apiKey };
      } finally {
        auth.forgetSourceKeys(); // also when the answer is an error: the new hash may have been written
      }
    },
  );

  adminSigningSecretRoutes(app, { db, auth });
}
