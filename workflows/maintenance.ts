import { patched, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

/**
 * The scheduled maintenance of DESIGN §7, each a one-activity workflow started by a Temporal Schedule
 * (workers/schedules.ts). Overlap policy SKIP: a run still going when the next is due is not doubled.
 * The activities do the work in bounded batches and report counts, which the run's result keeps.
 */
const { processRetryQueue, sweepStaleLocks, expireLeads, sendExpirationDigest, reportSlos, evaluateAlerts } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 s', // the activities heartbeat once per batch
  retry: { initialInterval: '5 s', maximumAttempts: 3 },
});

/** Every minute: re-drive due retries whose workflow is gone (crashed, terminated, from before a deploy). */
export async function retryQueueProcessor() {
  return processRetryQueue();
}

/** Every minute: release routing locks older than the stale threshold and re-drive their leads. */
export async function staleLockSweeper() {
  return sweepStaleLocks();
}

/** Daily: leads still undecided at their TTL (LEAD_TTL_DAYS after creation) become `expired`. */
export async function leadExpiry() {
  return expireLeads();
}

/** Daily at 09:00 (MAINTENANCE_TIMEZONE): how many leads expired in the last 24 h, per source. */
export async function expirationDigest() {
  return sendExpirationDigest();
}

/**
 * The patch id of "the SLO report also evaluates the alerts" (issue 9 §2). Runs started before it replay
 * without the evaluateAlerts call (test/fixtures/histories/slo-v1-report.json, replayed by
 * test/integration/replay.test.ts); every run started after it makes the call.
 */
const SLO_REPORT_EVALUATES_ALERTS = 'slo-report-evaluates-alerts';

/**
 * Every minute: the SLO report (availability, error budget, burn rates, latency, retry queue), stored and
 * sent as gauges; then the alert evaluation (thresholds and burn-rate tiers -> Slack / PagerDuty). The
 * evaluation never fails for a notifier outage, so the snapshot and the gauges are never held up by one.
 */
export async function sloReport() {
  const report = await reportSlos();
  if (!patched(SLO_REPORT_EVALUATES_ALERTS)) return report;
  const alerts = await evaluateAlerts();
  return { ...report, alerts };
}
