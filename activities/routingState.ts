import { releaseCapacity } from '../lib/store/capacity';
import { expireLeadNow, scheduleRetry, type RetryScheduled } from '../lib/store/routing';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/** A retry reason as a tag: its kind before any detail (`delivery_failed: HTTP 503` -> `delivery_failed`). */
const reasonTag = (reason: string) => reason.split(':')[0]!.trim().slice(0, 60);

/** Small state changes between the main steps: give capacity back, schedule the next attempt, expire. */
export function makeRoutingStateActivities({ db, log, config, metrics }: ActivityDeps) {
  return {
    async releaseReservation({ leadId, reason }: { leadId: string; reason: string }): Promise<string | null> {
      return releaseCapacity(db, leadId, reason);
    },
    /** `at` for a known time (a cap reset); null for the backoff policy of ROUTING_RETRY_* settings. */
    async scheduleRetry({ leadId, at, reason }: { leadId: string; at: string | null; reason: string }): Promise<RetryScheduled> {
      const result = await scheduleRetry(db, leadId, currentLockOwner(), {
        at,
        reason,
        backoff: { baseSeconds: config.ROUTING_RETRY_BASE_SECONDS, maxSeconds: config.ROUTING_RETRY_MAX_SECONDS, maxAttempts: config.ROUTING_MAX_ATTEMPTS },
      });
      if (result.scheduled) metrics.increment('routing.retry_queue.inserts', { reason: reasonTag(reason), counts_as_attempt: String(at === null) });
      if (result.scheduled) log.info({ event: 'routing.retry_scheduled', leadId, attempt: result.attempt, nextRetryAt: result.nextRetryAt, reason }, 'routing retry scheduled');
      else log.warn({ event: 'routing.retry_not_scheduled', leadId, why: result.why, reason }, 'routing retry not scheduled');
      return result;
    },
    async expireLead({ leadId }: { leadId: string }) {
      const { status, expiredNow } = await expireLeadNow(db, leadId);
      if (expiredNow) metrics.increment('routing.leads_expired'); // once per lead, not per re-run
      if (status === 'expired') log.info({ event: 'routing.lead_expired', leadId }, 'lead expired before it could be routed');
      return status;
    },
  };
}
