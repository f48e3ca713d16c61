import type { FastifyInstance } from 'fastify';
import { getLeadState, storeLead } from '../../lib/store/leads';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { BODY_LIMIT_BYTES, type RouteDeps } from '../app';
import { notFound } from '../errors';
import { checkedIdentity } from '../leadIdentity';
import { normalizeLeadInput } from '../leadInput';
import { isFinished, leadViewOf } from '../leadView';
import { leadBodySchema, routeQuerySchema, type LeadBody, type RouteQuery } from '../schemas/lead';
import { idParamsSchema } from '../schemas/params';
import { routeDocs } from '../schemas/responses';

export function leadRoutes(app: FastifyInstance, deps: RouteDeps) {
  const { db, temporal, config, auth, admission, leadHandOff } = deps;
  const statusUrl = (id: string) => `/api/leads/${id}`;

  app.post<{ Body: LeadBody; Querystring: RouteQuery }>(
    '/api/leads/route',
    {
      onRequest: auth.source,
      preValidation: async (request) => {
        request.body = normalizeLeadInput(request.body) as LeadBody;
      },
      // Every problem of the lead in one 400: the schema's, the query's and the identity checks' (api/plugins/inputProblems.ts).
      config: { checksInHandler: true },
      schema: { ...routeDocs.routeLead, body: leadBodySchema, querystring: routeQuerySchema },
    },
    async (request, reply) => {
      if (request.caller?.kind !== 'source') throw new Error('auth.source did not set a source caller');
      const source = request.caller.workspace;
      const hashes = checkedIdentity(request, { hmacKey: config.IDENTITY_HMAC_KEY, defaultCountry: config.DEFAULT_PHONE_COUNTRY, placeholderEmails: config.DEDUPE_PLACEHOLDER_EMAILS, placeholderPhones: config.DEDUPE_PLACEHOLDER_PHONES });
      // Stored and offered to admission in one statement (issue 10: a round trip less per lead).
      const { lead, created, claim } = await storeLead(db, {
        sourceWorkspaceId: source.id,
        externalId: request.body.externalId,
        ...hashes,
        payload: request.body as unknown as Record<string, unknown>,
        ttlDays: config.LEAD_TTL_DAYS,
      }, admission.claimWithInsert());
      // Before the start below: with an eager start the lead's first attempt may run before admitNow returns.
      if (created && leadHandOff) {
        leadHandOff.put({
          id: lead.id, sourceWorkspaceId: source.id, payload: request.body as unknown as Record<string, unknown>, ...hashes,
          expiresAt: lead.expiresAt, routingStatus: lead.status, externalId: lead.externalId, createdAt: lead.createdAt,
        }, Number(request.headers['content-length']) || BODY_LIMIT_BYTES); // a body without a length: counted as the largest
      }

      let current = lead;
      if (!isFinished(lead)) {
        // Also on a repeat: a lead still in the backlog is offered the fast path again (claimed only once).
        // Without ?wait= the start need not be on the partner's clock: claimed, then started in the background.
        const deadline = request.query.wait ? AbortSignal.timeout(request.query.wait) : undefined; // the start counts too
        const admitted = await admission.admitNow({ id: lead.id, sourceWorkspaceId: source.id }, { awaitStart: Boolean(deadline), signal: deadline, claimed: claim });
        if (deadline) {
          // Wait for the outcome, at most `wait` ms (the long poll is cancelled then, so a lead that waits
          // hours for a retry leaves nothing running); answer from Postgres either way. A queued lead is
          // waited for only if this process's starter starts it within the deadline: under load the
          // partner hears 202 at its deadline, it is not blocked behind the backlog.
          const handle =
            admitted.kind === 'started' ? admitted.handle
            : admitted.kind === 'queued' ? await admission.whenStarted(lead.id, deadline)
            : admitted.kind === 'starting' ? undefined // the deadline passed during the start
            : temporal.workflow.getHandle(routeLeadWorkflowId(lead.id));
          if (handle) await temporal.withAbortSignal(deadline, () => handle.result()).catch(() => undefined);
          current = (await getLeadState(db, lead.id)) ?? lead;
        }
      }

      const finished = isFinished(current);
      const status = created && !finished ? 202 : 200;
      return reply.status(status).send({
        // The same view as GET /api/leads/:id (a lead waiting for a retry shows its pending decision and retry).
        ...(finished || !created ? await leadViewOf(db, current) : { leadId: current.id, status: current.status }),
        statusUrl: statusUrl(current.id),
        ...(created ? {} : { repeated: true }),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/leads/:id',
    { onRequest: auth.sourceOrAdmin, schema: { ...routeDocs.getLead, params: idParamsSchema } },
    async (request) => {
      const lead = await getLeadState(db, request.params.id);
      const caller = request.caller;
      // A source sees only its own leads; others' ids look exactly like ids that do not exist.
      if (!lead || (caller?.kind === 'source' && caller.workspace.id !== lead.sourceWorkspaceId)) throw notFound('lead');
      // leadViewOf: a lead waiting for a retry shows its pending decision and retry state (one more read, undecided leads only).
      return leadViewOf(db, lead, caller?.kind === 'admin' ? { temporalUiUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE } : {});
    },
  );
}
