import { makeAcquireRoutingLock } from './acquireRoutingLock';
import { makeCompleteRouting } from './completeRouting';
import { makeDecideRouting } from './decideRouting';
import { makeDeliverToBuyer } from './deliverToBuyer';
import { makeLockAndDecide } from './lockAndDecide';
import { makeRouteAttempt } from './routeAttempt';
import type { ActivityDeps } from './deps';
import { makeMaintenanceActivities } from './maintenance';
import { makeRoutingStateActivities } from './routingState';
import { makeSloReportActivities } from './sloReport';
import { makeAlertingActivities } from './alerting';

export type { ActivityDeps } from './deps';

/** All activities, bound to their dependencies (samples-typescript activities-dependency-injection). */
export function createActivities(deps: ActivityDeps) {
  return {
    acquireRoutingLock: makeAcquireRoutingLock(deps),
    decideRouting: makeDecideRouting(deps),
    lockAndDecide: makeLockAndDecide(deps),
    routeAttempt: makeRouteAttempt(deps),
    deliverToBuyer: makeDeliverToBuyer(deps),
    completeRouting: makeCompleteRouting(deps),
    ...makeRoutingStateActivities(deps),
    ...makeMaintenanceActivities(deps),
    ...makeSloReportActivities(deps),
    ...makeAlertingActivities(deps),
  };
}
