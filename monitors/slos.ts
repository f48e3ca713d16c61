/**
 * The Datadog SLO objects of the three SLOs of lib/slo/definitions.ts (DESIGN §9), in the v1 SLO API shape
 * (`ServiceLevelObjectiveRequest`). Every number comes from lib/slo; this file only picks the Datadog form.
 *
 *  - availability → METRIC-based SLO. It is a ratio of events: numerator = the good results of
 *    routing.leads_routed (success + duplicate), denominator = good + bad results (success + duplicate +
 *    failed, i.e. every final decision), both `.as_count()`; target = the objective × 100.
 *  - latency_p95 → MONITOR-based SLO over a metric monitor `percentile(last_1h):p95:routing.latency{*} > 2000`.
 *    A time-slice SLO would be the self-contained choice, but its slices are 1 or 5 minutes only
 *    (SLOTimeSliceInterval: 60 | 300), so it can only judge p95 over 5 minutes — stricter and noisier than
 *    DESIGN's "p95 < 2 s over 1 h". A distribution monitor evaluates the true p95 over exactly the hour; the
 *    SLO is then the share of time that monitor is OK. The monitor's id exists only once it is created, so
 *    `monitor_ids` is filled by sync from `backingMonitor` (matched by name).
 *  - retry_queue_depth → TIME-SLICE SLO: each 1-minute slice is good when the total depth gauge
 *    (the series without a workspace_id tag; the per-workspace series are sent beside it) is below 100.
 *    lib/slo judges this gauge per 60 s sample, which is exactly a 1-minute slice; no monitor needed.
 *
 * Threshold SLOs have no objective in lib/slo (they are "met or not" limits), but a Datadog SLO needs a target
 * percentage: THRESHOLD_SLO_TARGET_PERCENT below is that choice, in one place.
 */
import { AVAILABILITY, LATENCY_P95, RETRY_QUEUE_DEPTH, type RatioSlo, type ThresholdSlo } from '../lib/slo';
import { MANAGED_BY_TAG, type Json } from './dashboards/widgets';

/** The Datadog SLO window every SLO object uses (lib/slo's 30-day SLO window). */
export const SLO_TIMEFRAME = '30d';

/**
 * Target (% of time met over 30 days) for the two threshold SLOs, which lib/slo states as limits without an
 * objective. 99.9 %: the same bar as availability, about 43 minutes out of 30 days allowed above the limit.
 */
export const THRESHOLD_SLO_TARGET_PERCENT = 99.9;

/** objective (a fraction) as Datadog's target percentage, without floating-point noise (0.999 → 99.9). */
export function objectivePercent(objective: number): number {
  return Math.round(objective * 100 * 1e6) / 1e6;
}

/** Datadog SLO name of a lib/slo definition: sync matches on it (plus the managed-by tag). */
export function sloName(slo: { name: string }): string {
  return `Lead Router: ${slo.name}`;
}

export interface SloSpec {
  /** lib/slo definition name (availability, latency_p95, retry_queue_depth). */
  sloName: string;
  /** The v1 `ServiceLevelObjectiveRequest` body. */
  request: Json;
  /** For a monitor-based SLO: the v1 `Monitor` body it is built on (created first by sync). */
  backingMonitor?: Json;
}

const TAGS = [MANAGED_BY_TAG, 'service:lead-router', 'team:lead-router'];

/** `sum:routing.leads_routed{result:success}.as_count() + …` for a list of results. */
function countOfResults(slo: RatioSlo, results: readonly string[]): string {
  return results.map((r) => `sum:${slo.metric}{result:${r}}.as_count()`).join(' + ');
}

export function metricSlo(slo: RatioSlo): SloSpec {
  return {
    sloName: slo.name,
    request: {
      type: 'metric',
      name: sloName(slo),
      description: slo.description,
      tags: TAGS,
      query: {
        numerator: countOfResults(slo, slo.good),
        denominator: countOfResults(slo, [...slo.good, ...slo.bad]),
      },
      thresholds: [{ timeframe: SLO_TIMEFRAME, target: objectivePercent(slo.objective) }],
      target_threshold: objectivePercent(slo.objective),
      timeframe: SLO_TIMEFRAME,
    },
  };
}

/** Monitor time aggregation over a threshold SLO's window: `last_1h` for 3600 s. */
function lastWindow(seconds: number): string {
  if (seconds % 3600 === 0) return `last_${seconds / 3600}h`;
  if (seconds % 60 === 0) return `last_${seconds / 60}m`;
  throw new RangeError(`window ${seconds}s is not a whole number of minutes`);
}

export function monitorSlo(slo: ThresholdSlo): SloSpec {
  if (slo.aggregation !== 'p95') throw new RangeError(`monitorSlo expects a p95 SLO, got ${slo.aggregation}`);
  const monitorName = `${sloName(slo)} (SLO monitor)`;
  return {
    sloName: slo.name,
    backingMonitor: {
      type: 'query alert',
      name: monitorName,
      query: `percentile(${lastWindow(slo.windowSeconds)}):p95:${slo.metric}{*} > ${slo.below}`,
      message: `${slo.description}. This monitor backs the Datadog SLO "${sloName(slo)}"; it does not notify.`,
      tags: TAGS,
      options: { thresholds: { critical: slo.below }, notify_no_data: false, include_tags: false },
    },
    request: {
      type: 'monitor',
      name: sloName(slo),
      description: slo.description,
      tags: TAGS,
      monitor_ids: [],
      thresholds: [{ timeframe: SLO_TIMEFRAME, target: THRESHOLD_SLO_TARGET_PERCENT }],
      target_threshold: THRESHOLD_SLO_TARGET_PERCENT,
      timeframe: SLO_TIMEFRAME,
    },
  };
}

export function timeSliceSlo(slo: ThresholdSlo): SloSpec {
  if (slo.aggregation !== 'latest') throw new RangeError(`timeSliceSlo expects a gauge SLO, got ${slo.aggregation}`);
  return {
    sloName: slo.name,
    request: {
      type: 'time_slice',
      name: sloName(slo),
      description: slo.description,
      tags: TAGS,
      sli_specification: {
        time_slice: {
          query: {
            // The total (untagged) series only: the per-workspace series are sent beside it.
            queries: [{ data_source: 'metrics', name: 'query1', query: `max:${slo.metric}{!workspace_id:*}` }],
            formulas: [{ formula: 'query1' }],
          },
          comparator: '<',
          threshold: slo.below,
          query_interval_seconds: slo.windowSeconds,
        },
      },
      thresholds: [{ timeframe: SLO_TIMEFRAME, target: THRESHOLD_SLO_TARGET_PERCENT }],
      target_threshold: THRESHOLD_SLO_TARGET_PERCENT,
      timeframe: SLO_TIMEFRAME,
    },
  };
}

export const SLO_OBJECTS: readonly SloSpec[] = [
  metricSlo(AVAILABILITY),
  monitorSlo(LATENCY_P95),
  timeSliceSlo(RETRY_QUEUE_DEPTH),
];
