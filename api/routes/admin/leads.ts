import type { FastifyInstance } from 'fastify';
import { decodeLeadsCursor, encodeLeadsCursor, type LeadsCursorFilters } from '../../../lib/maintenance/leadsCursor';
import { listLeads } from '../../../lib/maintenance/listLeads';
import { retryFailedLead, type RedriveDeps } from '../../../lib/maintenance/redrive';
import { processDueRetries } from '../../../lib/maintenance/retryQueue';
import type { RouteDeps } from '../../app';
import { ApiError, badRequest, notFound } from '../../errors';
import { leadViews } from '../../leadView';
import { adminLeadsQuerySchema, type AdminLeadsQuery } from '../../schemas/adminLeads';
import { idParamsSchema } from '../../schemas/params';
import { routeDocs } from '../../schemas/responses';
import { refuseBody } from '../../plugins/noBody';

/** Stuck-lead visibility and manual re-drives for operators (DESIGN §8, issue 4 part 5). */
export function adminLeadRoutes(app: FastifyInstance, { db, temporal, config, auth }: RouteDeps) {
  const onRequest = auth.admin;
  const redriveDeps: RedriveDeps = { db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE };
  const ui = { temporalUiUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE };

  /**
   * Leads newest first, each with its Temporal Web UI link and, for a lead waiting for a retry, its pending
   * decision and retry state. `stale=true`: leads `routing` whose lock is older than ROUTING_LOCK_STALE_SECONDS,
   * i.e. what the stale-lock sweeper will release. Paged by an opaque cursor (keyset on created_at, id):
   * `nextCursor` continues the same listing, filters included; filters sent with a cursor must be its own.
   */
  app.get<{ Querystring: AdminLeadsQuery }>('/api/admin/leads', { onRequest, schema: { ...routeDocs.listLeads, querystring: adminLeadsQuerySchema } }, async (request) => {
    const { limit, cursor: cursorText, ...asked } = request.query;
    const cursor = cursorText === undefined ? undefined : decodeLeadsCursor(cursorText);
    if (cursor && 'problem' in cursor) throw badRequest('invalid querystring', [{ field: 'cursor', message: cursor.problem }]);
    const filters: LeadsCursorFilters = cursor ? cursor.filters : asked;
    if (cursor && !sameFilters(asked, cursor.filters)) {
      throw badRequest('invalid querystring', [{ field: 'cursor', message: 'was issued for other filters (status, stale, sourceWorkspaceId): send the same ones, or none' }]);
    }
    const { status, stale, sourceWorkspaceId } = filters;
    if (stale && status !== undefined && status !== 'routing') {
      throw badRequest('invalid querystring', [{ field: 'stale', message: 'applies only to status=routing (stale means a routing lock older than the stale threshold)' }]);
    }
    const page = await listLeads(db, {
      status: stale ? 'routing' : status,
      staleSeconds: stale ? config.ROUTING_LOCK_STALE_SECONDS : undefined,
      sourceWorkspaceId,
      limit,
      before: cursor ? { createdAt: cursor.createdAt, id: cursor.id } : undefined,
    });
    return {
      leads: await leadViews(db, page.leads, ui),
      nextCursor: page.next ? encodeLeadsCursor({ ...page.next, filters: definedOnly({ status, stale, sourceWorkspaceId }) }) : null,
    };
  });

  /**
   * Retries one lead now: a failed lead is reset to pending and re-driven (`started`); a lead whose workflow
   * waits for a backoff or a cap reset is woken (`signalled`). 202: the routing runs in its workflow.
   */
  app.post<{ Params: { id: string } }>('/api/admin/leads/:id/retry', { onRequest, preHandler: refuseBody, schema: { ...routeDocs.retryLead, params: idParamsSchema } }, async (request, reply) => {
    const leadId = request.params.id;
    const outcome = await retryFailedLead(redriveDeps, leadId);
    switch (outcome) {
      case 'not_found':
        throw notFound('lead');
      case 'already_final':
        throw new ApiError(409, 'already_final', `lead ${leadId} is already routed or expired; its outcome is final`);
      case 'past_ttl':
        throw new ApiError(409, 'past_ttl', `lead ${leadId} failed and is past its TTL; it cannot be routed any more`);
      case 'started':
      case 'signalled':
        request.log.info({ event: 'maintenance.lead_retry', leadId, outcome }, 'lead re-driven by an operator');
        return reply.status(202).send({ leadId, outcome, statusUrl: `/api/leads/${leadId}` });
    }
  });

  /**
   * One retry-queue pass now, inline (what the every-minute schedule does; `temporal schedule trigger`
   * runs the scheduled one). Up to RETRY_QUEUE_BATCH_SIZE due rows; `more` says whether rows are left.
   */
  app.post('/api/admin/retry-queue/process', { onRequest, preHandler: refuseBody, schema: routeDocs.processRetryQueue }, async (request) => {
    const startedAt = Date.now();
    const { next, ...report } = await processDueRetries(redriveDeps, { limit: config.RETRY_QUEUE_BATCH_SIZE });
    const result = { ...report, more: next !== null, durationMs: Date.now() - startedAt };
    request.log.info({ event: 'maintenance.retry_queue', trigger: 'api', ...result }, 'retry queue processed');
    return result;
  });
}

/** Filters sent with a cursor: none at all, or exactly the cursor's own. */
function sameFilters(asked: LeadsCursorFilters, own: LeadsCursorFilters): boolean {
  const given = definedOnly(asked);
  if (Object.keys(given).length === 0) return true;
  const mine = definedOnly(own);
  const keys = new Set([...Object.keys(given), ...Object.keys(mine)]) as Set<keyof LeadsCursorFilters>;
  return [...keys].every((k) => given[k] === mine[k]);
}

/** The filters that were given (query values absent from the request are undefined). */
function definedOnly(f: LeadsCursorFilters): LeadsCursorFilters {
  return Object.fromEntries(Object.entries({ status: f.status, stale: f.stale, sourceWorkspaceId: f.sourceWorkspaceId }).filter(([, v]) => v !== undefined));
}
