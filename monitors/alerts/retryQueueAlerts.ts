// Retry queue alerts: backlog (critical), insertions, total depth and depth per workspace.
import { RUNBOOKS } from '../runbooks';
import type { ThresholdAlert } from './alertTypes';
import { MIN } from './windowUnits';

export const RETRY_QUEUE_BACKLOG_CRITICAL: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_queue_backlog_critical',
  title: 'Retry queue backlog above 500 items',
  severity: 'critical',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_depth_avg',
  windowSeconds: 10 * MIN,
  comparator: '>',
  threshold: 500,
  unit: 'rows',
  datadog: { type: 'query alert', query: 'avg(last_10m):max:routing.retry_queue.depth{!workspace_id:*} > 500' },
  description: [
    'Impact: leads stuck in the retry loop; routing delayed. Expected: < 100.',
    'Check the retryQueueProcessor schedule runs, trigger it by hand if needed, and look for a recurring error in the failed attempts.',
  ],
};

export const RETRY_INSERTS_ELEVATED: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_inserts_elevated',
  title: 'Retry queue insertions above 50 in 30 minutes',
  severity: 'warning',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_inserts',
  windowSeconds: 30 * MIN,
  comparator: '>',
  threshold: 50,
  unit: 'rows',
  datadog: { type: 'query alert', query: 'sum(last_30m):sum:routing.retry_queue.inserts{*}.as_count() > 50' },
  description: [
    'Routing is succeeding but needing several attempts. Expected: < 20 per 30 minutes.',
    'Check partner API latency and errors (routing.delivery.*), network connectivity, and rule-matching edge cases.',
  ],
};

/** Key metric 2, total. The spec gives no window: 5 minutes of per-minute samples. */
export const RETRY_QUEUE_DEPTH_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_queue_depth_high',
  title: 'Retry queue depth above 100 items',
  severity: 'warning',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_depth_avg',
  windowSeconds: 5 * MIN,
  comparator: '>',
  threshold: 100,
  unit: 'rows',
  datadog: { type: 'query alert', query: 'avg(last_5m):max:routing.retry_queue.depth{!workspace_id:*} > 100' },
  description: [
    'The retry queue SLO (depth < 100) is breached; the critical page is at 500.',
    'Check which workspaces hold the due rows and whether the retryQueueProcessor schedule keeps up.',
  ],
};

/** Key metric 2, per workspace: one alert instance per source workspace. */
export const RETRY_QUEUE_WORKSPACE_DEPTH_HIGH: ThresholdAlert = {
  kind: 'threshold',
  id: 'retry_queue_workspace_depth_high',
  title: 'Retry queue depth above 50 items for one workspace',
  severity: 'warning',
  runbook: RUNBOOKS.retryQueueBacklog,
  signal: 'retry_queue_depth_by_workspace_avg',
  windowSeconds: 5 * MIN,
  comparator: '>',
  threshold: 50,
  unit: 'rows',
  groupBy: 'workspace_id',
  datadog: { type: 'query alert', query: 'avg(last_5m):max:routing.retry_queue.depth{workspace_id:*} by {workspace_id} > 50' },
  description: [
    'One source workspace has more than 50 due retries: its buyers or rules are likely failing.',
    'Check that workspace\'s failed attempts and its buyers\' delivery errors.',
  ],
};
