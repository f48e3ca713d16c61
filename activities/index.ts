import { makeAcquireRoutingLock } from './acquireRoutingLock';
import { makeCompleteRouting } from './completeRouting';
import type { ActivityDeps } from './deps';
import { makeEvaluateRoutingRules } from './evaluateRoutingRules';

export type { ActivityDeps } from './deps';

/** All activities, bound to their dependencies (samples-typescript activities-dependency-injection). */
export function createActivities(deps: ActivityDeps) {
  return {
    acquireRoutingLock: makeAcquireRoutingLock(deps),
    evaluateRoutingRules: makeEvaluateRoutingRules(deps),
    completeRouting: makeCompleteRouting(deps),
  };
}
