import type { FastifyInstance } from 'fastify';
import { buildSloReport } from '../../../lib/slo';
import { readSloSignals } from '../../../lib/store/sloSignals';
import { firingAlerts } from '../../../lib/alerting/firing';
import type { RouteDeps } from '../../app';
import { routeDocs } from '../../schemas/responses';

/**
 * `GET /api/admin/slo` (DESIGN §8): the SLO report computed now from Postgres, the same computation the
 * every-minute sloReport workflow stores and sends as gauges (lib/slo/report.ts), plus the alerts firing as of
 * that workflow's last alert evaluation (alert_states; lib/alerting/firing.ts).
 */
export function adminSloRoutes(app: FastifyInstance, { db, config, auth }: RouteDeps) {
  app.get('/api/admin/slo', { onRequest: auth.admin, schema: routeDocs.slo }, async () => {
    const report = buildSloReport(await readSloSignals(db, { at: new Date(), staleSeconds: config.ROUTING_LOCK_STALE_SECONDS }));
    return { ...report, alerts: await firingAlerts(db, config.RUNBOOK_BASE_URL) };
  });
}
