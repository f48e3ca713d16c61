/**
 * The ONLY metrics dashboards and SLOs in `monitors/` may query that are not in lib/telemetry/catalog.ts.
 * Each comes from a Datadog Agent check rather than from Lead Router's own code, and is named here with its
 * source so `npm run monitors:validate` can reject anything else.
 *
 *  - `temporal_sdk.*`: the Agent's openmetrics check scraping the worker's Temporal SDK Prometheus endpoint
 *    (docker-compose.yml, worker labels: `namespace: temporal_sdk`, histograms as distributions). The
 *    schedule-to-start name is the one docs/runbooks/README.md tells on-call to compare with routing.lock.latency.
 *  - `postgresql.*`: the Agent's Postgres integration (docs.datadoghq.com/integrations/postgres, "Metrics").
 */
export interface ExternalMetric {
  source: 'openmetrics:temporal_sdk' | 'integration:postgres';
  description: string;
}

export const EXTERNAL_METRICS = {
  'temporal_sdk.temporal_activity_schedule_to_start_latency': {
    source: 'openmetrics:temporal_sdk',
    description: 'Time an activity task waits for a worker slot (rises when workers are short of slots).',
  },
  'postgresql.connections': {
    source: 'integration:postgres',
    description: 'Active connections, per database (`db` tag).',
  },
  'postgresql.percent_usage_connections': {
    source: 'integration:postgres',
    description: 'Connections in use as a fraction of max_connections.',
  },
  'postgresql.locks': {
    source: 'integration:postgres',
    description: 'Locks held, by `lock_mode`, `db` and `table`.',
  },
  'postgresql.deadlocks': {
    source: 'integration:postgres',
    description: 'Deadlocks detected, per database.',
  },
} as const satisfies Record<string, ExternalMetric>;

export type ExternalMetricName = keyof typeof EXTERNAL_METRICS;
