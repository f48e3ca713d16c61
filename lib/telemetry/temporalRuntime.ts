import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { prometheusBindError } from '../startErrors';

/**
 * The worker process's Temporal Runtime: graceful shutdown on SIGINT/SIGTERM, and, when
 * TEMPORAL_PROMETHEUS_BIND_ADDRESS is set (e.g. `0.0.0.0:9464`), the SDK's own metrics on a Prometheus
 * endpoint (`/metrics`): workflow-task and activity schedule-to-start latency, sticky cache hits and
 * size, task slots available/used, poll results. The Datadog Agent scrapes it with its openmetrics check
 * (docker-compose.yml), so on-call can tell "workers are short of slots" (schedule-to-start rising) from
 * "Postgres is slow" (routing.lock.latency rising). Names are prefixed `temporal_`.
 */
export function temporalRuntimeOptions(config: { TEMPORAL_PROMETHEUS_BIND_ADDRESS?: string }): RuntimeOptions {
  return {
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    ...(config.TEMPORAL_PROMETHEUS_BIND_ADDRESS
      ? { telemetryOptions: { metrics: { metricPrefix: 'temporal_', prometheus: { bindAddress: config.TEMPORAL_PROMETHEUS_BIND_ADDRESS } } } }
      : {}),
  };
}

/**
 * Runtime.install() with temporalRuntimeOptions(config) plus `overrides`. A Prometheus endpoint that cannot be
 * bound (the port in use) throws a ConfigError naming TEMPORAL_PROMETHEUS_BIND_ADDRESS instead of the SDK's raw
 * "Failed to start prometheus metrics exporter" and its stack; other errors are thrown unchanged.
 */
export function installTemporalRuntime(config: { TEMPORAL_PROMETHEUS_BIND_ADDRESS?: string }, overrides: Partial<RuntimeOptions> = {}): Runtime {
  try {
    return Runtime.install({ ...temporalRuntimeOptions(config), ...overrides });
  } catch (err) {
    throw prometheusBindError(err, config.TEMPORAL_PROMETHEUS_BIND_ADDRESS);
  }
}
