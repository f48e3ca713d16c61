import type { FastifyInstance } from 'fastify';
import { buildSloReport } from '../../../lib/slo';
import { readSloSignals } from '../../../lib/store/sloSignals';
import type { RouteDeps } from '../../app';
import { routeDocs } from '../../schemas/responses';

/**
 * `GET /api/admin/slo` (DESIGN §8): the SLO report computed now from Postgres, the same computation the
 * every-minute sloReport workflow stores and sends as gauges (lib/slo/report.ts).
 */
export function adminSloRoutes(app: FastifyInstance, { db, config, auth }: RouteDeps) {
  app.get('/api/admin/slo', { onRequest: auth.admin, schema: routeDocs.slo }, async () =>
    buildSloReport(await readSloSignals(db, { at: new Date(), staleSeconds: config.ROUTING_LOCK_STALE_SECONDS })),
  );
}
