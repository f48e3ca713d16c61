/** The four dashboards of the monitoring spec's checklist, in the Datadog dashboards API shape. */
import { databaseHealth } from './databaseHealth';
import { leadRoutingHealth } from './leadRoutingHealth';
import { retryQueueAnalysis } from './retryQueueAnalysis';
import { routingPerformance } from './routingPerformance';
import type { DashboardJson } from './widgets';

export const DASHBOARDS: readonly DashboardJson[] = [leadRoutingHealth, routingPerformance, retryQueueAnalysis, databaseHealth];
export type { DashboardJson } from './widgets';
