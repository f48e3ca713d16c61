/**
 * THE metric catalog: every metric Lead Router sends to Datadog, with its type, unit, tags and meaning.
 * Names follow DESIGN §9 (which corrects the monitoring spec where they differ). Code emits only through
 * lib/telemetry/metrics.ts, whose types accept only the names and tags below; monitors and dashboards may
 * only query names listed here (test/unit/metricCatalog.test.ts checks both).
 *
 * Tags never carry PII: ids, results and classes only (lib/telemetry/metrics.ts refuses any other value
 * shape at run time). `env`, `service` and `version` are added to every metric by the client.
 */
export type MetricType = 'count' | 'gauge' | 'distribution';

export interface MetricDefinition {
  type: MetricType;
  unit: string;
  tags: readonly string[];
  description: string;
  /** Where it is emitted (a file), or the issue that will emit it. */
  emittedBy: string;
}

export const METRICS = {
  'routing.lock.acquired': {
    type: 'count', unit: 'lock', tags: ['outcome'], emittedBy: 'activities/acquireRoutingLock.ts',
    description: 'A lead\'s routing lock taken (outcome: acquired, or taken_over_stale from a stale holder); the owner re-entering its own lock (a retry, the next buyer) is not counted. Lock success rate = acquired / (acquired + failed).',
  },
  'routing.lock.failed': {
    type: 'count', unit: 'lock', tags: [], emittedBy: 'activities/acquireRoutingLock.ts',
    description: 'A lead whose routing lock is held by another owner, counted once (on the first attempt; the activity then retries until the lock frees or goes stale).',
  },
  'routing.lock.timeout_errors': {
    type: 'count', unit: 'error', tags: ['code'], emittedBy: 'activities/acquireRoutingLock.ts',
    description: 'Lock acquisition that failed on a database timeout: SQLSTATE 55P03 (the 5 s lock_timeout of acquire_routing_lock(), migration 0009), 57014 (statement timeout), or a pool acquire timeout (code: pool).',
  },
  'routing.lock.latency': {
    type: 'distribution', unit: 'millisecond', tags: [], emittedBy: 'activities/acquireRoutingLock.ts',
    description: 'Time to run acquire_routing_lock(), whatever its outcome.',
  },
  'routing.rules.latency': {
    type: 'distribution', unit: 'millisecond', tags: ['decision'], emittedBy: 'activities/decideRouting.ts',
    description: 'Time of the decision transaction: dedupe claims, rule evaluation, distribution and capacity reservation.',
  },
  'routing.complete.latency': {
    type: 'distribution', unit: 'millisecond', tags: ['result'], emittedBy: 'activities/completeRouting.ts',
    description: 'Time to run complete_routing() (lead row, lock release and audit row in one transaction).',
  },
  'routing.latency': {
    type: 'distribution', unit: 'millisecond', tags: ['workspace_id', 'result'], emittedBy: 'activities/completeRouting.ts',
    description: 'End to end: a lead\'s routed_at - created_at, for each lead that reaches routed (SLO: p95 < 2 s over 1 h).',
  },
  'routing.leads_routed': {
    type: 'count', unit: 'lead', tags: ['workspace_id', 'destination_workspace_id', 'result'], emittedBy: 'activities/completeRouting.ts',
    description: 'A lead that reached its final decision (result success with a destination, duplicate, or failed).',
  },
  'routing.duplicates_caught': {
    type: 'count', unit: 'lead', tags: ['workspace_id'], emittedBy: 'activities/completeRouting.ts',
    description: 'A lead recognised as a cross-partner duplicate, tagged with its source workspace.',
  },
  'routing.logs.total': {
    type: 'count', unit: 'row', tags: ['result'], emittedBy: 'activities/completeRouting.ts',
    description: 'A lead_routing_logs row written by a completion.',
  },
  'routing.logs.failed': {
    type: 'count', unit: 'row', tags: [], emittedBy: 'activities/completeRouting.ts',
    description: 'A lead_routing_logs row with routing_result failed (success rate = 1 - failed / total).',
  },
  'routing.retry_queue.inserts': {
    type: 'count', unit: 'row', tags: ['reason', 'counts_as_attempt'], emittedBy: 'activities/routingState.ts',
    description: 'A row written to the retry ledger (lead_routing_queue): a failed attempt or a wait for a cap reset / an original in flight.',
  },
  'routing.leads_expired': {
    type: 'count', unit: 'lead', tags: [], emittedBy: 'activities/routingState.ts, activities/maintenance.ts',
    description: 'A lead that reached its TTL (90 days by default) without being routed, counted once by whichever expired it.',
  },
  'routing.delivery.latency': {
    type: 'distribution', unit: 'millisecond', tags: ['destination_workspace_id', 'outcome'], emittedBy: 'activities/deliverToBuyer.ts',
    description: 'Time of one delivery POST to a buyer, whatever its answer.',
  },
  'routing.delivery.errors': {
    type: 'count', unit: 'error', tags: ['destination_workspace_id', 'status_class'], emittedBy: 'activities/deliverToBuyer.ts',
    description: 'A delivery not accepted: status_class 4xx (rejected: the next buyer is tried), 4xx_retryable (408/429), 5xx, timeout or network (retried).',
  },
  'routing.db.pool.utilization': {
    type: 'gauge', unit: 'percent', tags: ['process'], emittedBy: 'lib/telemetry/poolGauge.ts',
    description: 'Connections in use / pool maximum, every 10 s, per process (api, worker).',
  },
  'routing.success_rate': {
    type: 'gauge', unit: 'percent', tags: [], emittedBy: 'activities/sloReport.ts',
    description: '30-day availability: (success + duplicate) / (success + duplicate + failed) * 100 (DESIGN §9).',
  },
  'routing.retry_queue.depth': {
    type: 'gauge', unit: 'row', tags: ['workspace_id'], emittedBy: 'activities/sloReport.ts',
    description: 'Due, unprocessed rows of lead_routing_queue, total and per workspace (SLO: < 100).',
  },
  'routing.stale_locks': {
    type: 'gauge', unit: 'lead', tags: [], emittedBy: 'activities/sloReport.ts',
    description: 'Leads routing with a lock older than ROUTING_LOCK_STALE_SECONDS.',
  },
  'routing.admission.backlog': {
    type: 'gauge', unit: 'lead', tags: [], emittedBy: 'lib/admission/starter.ts',
    description: 'Stored leads whose workflow admission control has not started yet (leads.admitted_at IS NULL, pending), every 2 s per starter.',
  },
  'routing.admission.backlog_age': {
    type: 'gauge', unit: 'second', tags: [], emittedBy: 'lib/admission/starter.ts',
    description: 'Age of the oldest lead in the admission backlog (0 when empty): how long a lead waits for its workflow to start.',
  },
  'routing.admission.in_flight': {
    type: 'gauge', unit: 'lead', tags: [], emittedBy: 'lib/admission/starter.ts',
    description: 'Admitted leads not yet through their first routing attempt (bounded by ADMISSION_MAX_IN_FLIGHT).',
  },
  'routing.admission.starts': {
    type: 'count', unit: 'workflow', tags: ['path', 'eager'], emittedBy: 'lib/admission/admission.ts',
    description: 'A lead workflow started by admission control; path: request (the fast path) or starter (the backlog loop); eager: true when the start handed its first workflow task straight to this process\'s worker.',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export type MetricsOfType<T extends MetricType> = { [K in MetricName]: (typeof METRICS)[K]['type'] extends T ? K : never }[MetricName];
export type TagsOf<K extends MetricName> = Partial<Record<(typeof METRICS)[K]['tags'][number], string>>;
