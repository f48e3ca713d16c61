import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

/**
 * The scheduled maintenance of DESIGN §7, each a one-activity workflow started by a Temporal Schedule
 * (workers/schedules.ts). Overlap policy SKIP: a run still going when the next is due is not doubled.
 * The activities do the work in bounded batches and report counts, which the run's result keeps.
 */
const { processRetryQueue, sweepStaleLocks, expireLeads, sendExpirationDigest, reportSlos } = proxyActivities<Activities>({
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

/** Every minute: the SLO report (availability, error budget, burn rates, latency, retry queue), stored and sent as gauges. */
export async function sloReport() {
  return reportSlos();
}
