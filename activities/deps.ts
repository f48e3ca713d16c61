import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db/createDb';
import type { Logger } from '../lib/logger';
import type { LeadHandOff } from '../lib/routing/leadHandOff';
import type { Metrics } from '../lib/telemetry/metrics';

/** What activities need from the outside world, injected so tests can pass real-but-isolated ones. */
export interface ActivityDeps {
  db: Db;
  config: Pick<
    Config,
    | 'ROUTING_LOCK_STALE_SECONDS' | 'DEDUPE_WINDOW_DAYS' | 'DEFAULT_PHONE_COUNTRY' | 'DELIVERY_TIMEOUT_MS' | 'ROUTING_MAX_ATTEMPTS' | 'ROUTING_RETRY_BASE_SECONDS'
    | 'ROUTING_RETRY_MAX_SECONDS' | 'RETRY_QUEUE_BATCH_SIZE' | 'TEMPORAL_TASK_QUEUE' | 'LEAD_TTL_DAYS'
    // Alerting (activities/alerting.ts, the digest): notifiers, re-notify interval, runbook links, the digest's date.
    | 'ALERT_SLACK_WEBHOOK_URL' | 'ALERT_PAGERDUTY_ROUTING_KEY' | 'ALERT_PAGERDUTY_EVENTS_URL' | 'ALERT_RENOTIFY_MINUTES' | 'RUNBOOK_BASE_URL' | 'MAINTENANCE_TIMEZONE'
  >;
  log: Logger;
  /** DogStatsD, through the metric catalog (lib/telemetry/catalog.ts). */
  metrics: Metrics;
  /** The maintenance activities re-drive leads by starting workflows. */
  temporal: Client;
  /** Leads the gateway of this process just stored (the combined mode only): their first attempt reads no lead. */
  leadHandOff?: LeadHandOff;
}
