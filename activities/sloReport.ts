import { buildSloReport, type SloReport } from '../lib/slo';
import { readSloSignals } from '../lib/store/sloSignals';
import { pruneLockEvents } from '../lib/store/lockEvents';
import { pruneDigestRows } from '../lib/store/alertStates';
import type { ActivityDeps } from './deps';

/** Snapshots (and lock events, sent-digest rows) are kept 35 days: the 30-day SLO window plus margin to compare with the month before. */
const KEEP_DAYS = 35;

/**
 * The every-minute SLO report (issue 9 §1): signals from Postgres → the report (lib/slo/report.ts) → one
 * slo_snapshots row, and the SLO gauges of the metric catalog: routing.success_rate (30-day availability,
 * %), routing.retry_queue.depth (total, and per source workspace), routing.stale_locks. Returns the report,
 * which holds ids and numbers only (no PII), so the workflow's result shows it in the Temporal UI.
 */
export function makeSloReportActivities({ db, config, metrics }: ActivityDeps) {
  return {
    async reportSlos(): Promise<SloReport> {
      const report = buildSloReport(await readSloSignals(db, { at: new Date(), staleSeconds: config.ROUTING_LOCK_STALE_SECONDS }));
      const drained = await workspacesDrainedSince(db, report);
      await db('slo_snapshots').insert({
        computed_at: report.at,
        availability_30d: report.availability.percent30d,
        error_budget_remaining: report.availability.errorBudgetRemaining,
        latency_p95_ms_1h: report.latency.p95Ms1h,
        retry_queue_depth: report.retryQueue.depth,
        stale_locks: report.staleLocks,
        report: JSON.stringify(report),
      });
      await db('slo_snapshots').where('computed_at', '<', db.raw(`now() - interval '${KEEP_DAYS} days'`)).delete();
      // The alert evaluator's append-only rows share the snapshots' retention (lock events, sent digests).
      await pruneLockEvents(db, KEEP_DAYS);
      await pruneDigestRows(db, KEEP_DAYS);
      if (report.availability.percent30d !== null) metrics.gauge('routing.success_rate', report.availability.percent30d);
      metrics.gauge('routing.retry_queue.depth', report.retryQueue.depth);
      for (const [workspaceId, depth] of Object.entries(report.retryQueue.byWorkspace)) {
        metrics.gauge('routing.retry_queue.depth', depth, { workspace_id: workspaceId });
      }
      // A workspace whose queue drained since the last report gets one 0: without it its series just stops,
      // and a Datadog multi-alert group with no data stays in ALERT while the local evaluator resolves.
      for (const workspaceId of drained) metrics.gauge('routing.retry_queue.depth', 0, { workspace_id: workspaceId });
      metrics.gauge('routing.stale_locks', report.staleLocks);
      return report;
    },
  };
}

/** Workspaces with a due retry-queue depth in the previous snapshot and none in `report`. */
async function workspacesDrainedSince(db: ActivityDeps['db'], report: SloReport): Promise<string[]> {
  const previous = await db('slo_snapshots').select('report').where('computed_at', '<', report.at).orderBy('computed_at', 'desc').first();
  const before = Object.keys((previous?.report as SloReport | undefined)?.retryQueue.byWorkspace ?? {});
  return before.filter((workspaceId) => !(workspaceId in report.retryQueue.byWorkspace));
}
