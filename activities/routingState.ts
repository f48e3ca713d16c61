import { releaseCapacity } from '../lib/store/capacity';
import { deferRouting, expireLead } from '../lib/store/routing';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/** Small state changes between the main steps: give capacity back, wait for a cap reset, expire. */
export function makeRoutingStateActivities({ db, log }: ActivityDeps) {
  return {
    async releaseReservation({ leadId, reason }: { leadId: string; reason: string }): Promise<string | null> {
      return releaseCapacity(db, leadId, reason);
    },
    async deferRouting({ leadId, nextRetryAt, reason }: { leadId: string; nextRetryAt: string; reason: string }): Promise<boolean> {
      const deferred = await deferRouting(db, leadId, currentLockOwner(), nextRetryAt, reason);
      log.info({ event: 'routing.deferred', leadId, nextRetryAt, reason }, 'routing deferred');
      return deferred;
    },
    async expireLead({ leadId }: { leadId: string }) {
      const status = await expireLead(db, leadId);
      if (status === 'expired') log.info({ event: 'routing.lead_expired', leadId }, 'lead expired before it could be routed');
      return status;
    },
  };
}
