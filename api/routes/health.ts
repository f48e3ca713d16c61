import type { FastifyInstance } from 'fastify';
import { admissionBacklogSummary } from '../../lib/admission/backlogSummary';
import type { AppDeps } from '../app';
import { routeDocs } from '../schemas/responses';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);

/** How long a namespace found to exist is believed (/ready is probed every few seconds; it changes rarely). */
const NAMESPACE_SEEN_MS = 30_000;

export function healthRoutes(app: FastifyInstance, { db, temporal, config }: AppDeps) {
  // Temporal answering is not enough: with TEMPORAL_NAMESPACE=does-not-exist every workflow start fails (and the
  // worker exits). Only a success is cached, so a namespace created later is seen at the next probe.
  const namespace = temporal.options.namespace;
  let namespaceSeenAt = -Infinity;
  const namespaceExists = async () => {
    if (Date.now() - namespaceSeenAt < NAMESPACE_SEEN_MS) return;
    try {
      await temporal.connection.workflowService.describeNamespace({ namespace });
    } catch (err) {
      const notFound = (err as { code?: number }).code === 5; // gRPC NOT_FOUND
      throw notFound ? new Error(`Temporal namespace "${namespace}" does not exist (TEMPORAL_NAMESPACE)`, { cause: err }) : err;
    }
    namespaceSeenAt = Date.now();
  };

  // Unauthenticated: answers which dependency is down, not why (the reason goes to the log).
  /** Liveness: the process serves requests. */
  app.get('/health', { schema: routeDocs.health }, async () => ({ status: 'ok' }));

  /**
   * Readiness: the dependencies needed to accept a lead answer. Load balancers stop sending on 503.
   * `admission` (the backlog, its oldest wait, the leads in flight) is information only: a backlog is what
   * admission control is for, not a reason to take the API out of rotation. Left out when it cannot be read.
   */
  app.get('/ready', { schema: routeDocs.ready }, async (_request, reply) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2_000);
        return { ok: true as const };
      } catch (err) {
        app.log.warn({ err, event: 'api.not_ready' }, 'readiness check failed');
        return { ok: false as const };
      }
    };
    let summaryError: unknown;
    const [postgres, temporalCheck, admission] = await Promise.all([
      check(() => db.raw('SELECT 1')),
      check(() => Promise.all([temporal.connection.workflowService.getSystemInfo({}), namespaceExists()])),
      withTimeout(admissionBacklogSummary(db, config.ADMISSION_IN_FLIGHT_SECONDS), 2_000).catch((err: unknown) => {
        summaryError = err;
        return undefined;
      }),
    ]);
    // With Postgres down, api.not_ready already says so.
    if (summaryError && postgres.ok) app.log.warn({ err: summaryError, event: 'api.admission_summary_failed' }, 'admission backlog summary failed');
    const ready = postgres.ok && temporalCheck.ok;
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not_ready', checks: { postgres, temporal: temporalCheck }, ...(admission && { admission }) });
  });
}
