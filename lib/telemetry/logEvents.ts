/**
 * Every log event Lead Router writes: the `event` field of its JSON line (pino; Datadog's log pipeline
 * reads it as the event name), the level, the fields it carries and what on-call reads from it. Lines are
 * redacted (lib/logger.ts: email, phone, names, keys and secrets never appear) and carry `dd.trace_id` /
 * `dd.span_id` inside a trace. test/unit/logEvents.test.ts checks that the code writes only these names.
 *
 * Datadog log queries (the monitoring spec's, for this service):
 *   errors of routing, last hour   service:lead-router-worker status:error @event:routing.*
 *   slow routing (> 5 s)           service:lead-router-worker @event:routing.complete @durationMs:>5000
 *   lock contention                service:lead-router-worker @event:routing.lock.failed | count by @leadId
 *   cross-partner duplicates       service:lead-router-worker @event:routing.duplicate_detected | count by @sourceWorkspaceId
 */
export interface LogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: readonly string[];
  meaning: string;
}

export const LOG_EVENTS = {
  'routing.complete': {
    level: 'info',
    // The monitoring spec's fields (its `isDuplicate`, `lockOwnerId`, `attempts`), plus the result.
    fields: ['leadId', 'sourceWorkspaceId', 'destinationWorkspaceId', 'matchedRuleId', 'result', 'isDuplicate', 'durationMs', 'lockOwnerId', 'attempts'],
    meaning: 'A lead reached its final decision (success, duplicate or failed); durationMs is the last attempt\'s.',
  },
  'routing.duplicate_detected': { level: 'info', fields: ['leadId', 'duplicateOfLeadId', 'sourceWorkspaceId'], meaning: 'A lead is a cross-partner duplicate of a routed original.' },
  'routing.lock.failed': { level: 'info', fields: ['leadId'], meaning: 'The routing lock is held by another owner; the activity retries.' },
  'routing.lock.taken_over': { level: 'warn', fields: ['leadId'], meaning: 'A stale routing lock (older than ROUTING_LOCK_STALE_SECONDS) was taken over.' },
  'routing.lock.lost': { level: 'warn', fields: ['leadId'], meaning: 'Our lock went stale and was taken over before completion: the new owner decides.' },
  'routing.delivery': { level: 'info', fields: ['leadId', 'destinationWorkspaceId', 'outcome', 'status', 'durationMs'], meaning: 'One delivery POST to a buyer and its answer (warn when it will be retried).' },
  'routing.retry_scheduled': { level: 'info', fields: ['leadId', 'attempt', 'nextRetryAt', 'reason'], meaning: 'A failed attempt or a wait was written to the retry ledger.' },
  'routing.retry_not_scheduled': { level: 'warn', fields: ['leadId', 'why', 'reason'], meaning: 'No further attempt: attempts exhausted (the lead fails) or the lock was lost.' },
  'routing.lead_expired': { level: 'info', fields: ['leadId'], meaning: 'A lead reached its TTL in its workflow without being routed.' },
  'routing.start_failed': { level: 'warn', fields: ['leadId', 'err', 'path'], meaning: 'A stored lead\'s workflow could not start (Temporal unreachable or slower than ADMISSION_START_TIMEOUT_MS); it waits in the admission backlog and the starter retries it.' },
  'admission.release_failed': { level: 'warn', fields: ['leadId', 'err'], meaning: 'A failed start\'s claim could not be released (Postgres): the retry-queue processor\'s orphan pass re-drives the lead.' },
  'admission.pass_failed': { level: 'warn', fields: ['err'], meaning: 'A starter-loop pass failed (Postgres unreachable); the loop tries again at ADMISSION_POLL_MS.' },
  'routing.expiration_digest': { level: 'info', fields: ['severity', 'total', 'bySource'], meaning: 'The daily 09:00 digest of leads expired in the last 24 h.' },
  'maintenance.retry_queue': { level: 'info', fields: ['scanned', 'orphans', 'redriven', 'running', 'finished', 'trigger'], meaning: 'One pass of the retry-queue processor.' },
  'maintenance.retry_queue.redrive_failed': { level: 'warn', fields: ['leadId', 'err'], meaning: 'A due lead could not be re-driven; it stays due for the next pass.' },
  'maintenance.stale_locks': { level: 'info', fields: ['count', 'released'], meaning: 'One pass of the stale-lock sweeper (warn when it released any).' },
  'maintenance.signing_secrets': { level: 'info', fields: ['secretsCleared', 'keysForgotten'], meaning: 'The stale-lock sweep deleted previous signing secrets whose overlap ended and rotation Idempotency-Keys older than 24 h (only when it deleted any).' },
  'maintenance.stale_locks.redrive_failed': { level: 'warn', fields: ['leadId', 'err'], meaning: 'A lead whose stale lock was released could not be re-driven.' },
  'maintenance.expired': { level: 'info', fields: ['expired', 'durationMs'], meaning: 'The daily expiry of leads past their TTL.' },
  'alerting.notified': { level: 'info', fields: ['alertKey', 'channel', 'action'], meaning: 'An alert notification (trigger, renotify or resolve) was delivered to Slack or PagerDuty.' },
  'alerting.notify_failed': { level: 'warn', fields: ['alertKey', 'channel', 'action', 'error'], meaning: 'A notification was not delivered (error without URL or key); the next evaluation sends it again.' },
  'alerting.channel_skipped': { level: 'info', fields: ['channel'], meaning: 'A notifier is not configured; alerts are evaluated and stored but not sent there (once per run).' },
  'alerting.evaluation_skipped': { level: 'info', fields: [], meaning: 'Another alert evaluation held the lock; this run changed nothing.' },
  'alerting.digest': { level: 'info', fields: ['date', 'result'], meaning: 'The daily expiration digest through Slack: sent, already_sent (a retry), no_channel or skipped_concurrent.' },
  'alerting.lock_event_failed': { level: 'warn', fields: ['kind', 'leadId', 'err'], meaning: 'A routing lock failure could not be recorded for the local alert evaluator; routing is unaffected.' },
  'maintenance.lead_retry': { level: 'info', fields: ['leadId', 'outcome'], meaning: 'An operator retried a lead through the admin API.' },
  'admin.signing_secret_rotated': { level: 'info', fields: ['workspaceId', 'overlapMinutes', 'forced'], meaning: 'An operator rotated a partner\'s signing secret (never logged); the old one signs beside it for overlapMinutes (a repeat with the same Idempotency-Key logs nothing).' },
  'api.database_unavailable': { level: 'error', fields: ['err'], meaning: 'A request answered 503: Postgres unreachable or refusing connections (by SQLSTATE / socket code only).' },
  'api.unhandled_error': { level: 'error', fields: ['err'], meaning: 'A request failed with a 500; database errors by SQLSTATE code only.' },
  'api.not_ready': { level: 'warn', fields: ['err'], meaning: '/ready found Postgres or Temporal unreachable.' },
  'api.admission_summary_failed': { level: 'warn', fields: ['err'], meaning: '/ready could not read the admission backlog while Postgres answered; /ready leaves its admission block out.' },
  'api.stopping': { level: 'info', fields: ['signal'], meaning: 'The API is draining on SIGTERM/SIGINT.' },
  'start.dependency_unreachable': { level: 'warn', fields: ['dependency', 'reason'], meaning: 'At start, Postgres or Temporal (`dependency`) could not be reached within 5 s, or TEMPORAL_ADDRESS names a host DNS does not know (said at once, in the message too): the api, worker or combined process starts anyway (a setting that can never work stops it instead, naming the variable).' },
  'combined.started': { level: 'info', fields: ['taskQueue', 'port'], meaning: 'The combined process (gateway + worker, eager starts) listens and polls.' },
  'combined.stopping': { level: 'info', fields: ['signal'], meaning: 'The combined process is draining: HTTP first, then the starter loop, then the worker.' },
  'worker.failed': { level: 'error', fields: ['err'], meaning: 'The combined process\'s worker stopped with an error.' },
  'worker.started': { level: 'info', fields: ['taskQueue'], meaning: 'The worker polls its task queue.' },
  'worker.schedules': { level: 'info', fields: ['schedules'], meaning: 'The maintenance schedules were created or updated.' },
  'worker.stopped': { level: 'info', fields: [], meaning: 'The worker drained and stopped.' },
  'db.error': { level: 'error', fields: [], meaning: 'knex/pool error (e.g. cannot acquire a connection).' },
  'db.warning': { level: 'warn', fields: [], meaning: 'knex warning.' },
  'db.deprecated': { level: 'warn', fields: [], meaning: 'knex deprecation notice.' },
  'db.debug': { level: 'debug', fields: [], meaning: 'knex debug output.' },
  'metrics.send_failed': { level: 'debug', fields: ['err'], meaning: 'A DogStatsD send failed (no Agent listening); routing is unaffected.' },
} as const satisfies Record<string, LogEvent>;

export type LogEventName = keyof typeof LOG_EVENTS;
