/**
 * The three SLOs of DESIGN §9, as data. Everything else (the SLO workflow, the alert definitions in
 * `monitors/`, the Datadog SLO objects, `GET /api/admin/slo`) reads them from here.
 *
 * Two kinds:
 *  - `ratio`: good events / total events over a window, against an objective (a fraction). Has an error
 *    budget and burn rates (burnRate.ts).
 *  - `threshold`: one measured value (a percentile, a gauge) over a window, compared with a limit. Met or not;
 *    no budget (DESIGN §9 states them as limits, not as percentages of events).
 * Metric names are the catalog's (lib/telemetry/catalog.ts), so a monitor built from a definition can only
 * query a name the service sends.
 */
import type { RoutingResult } from '../store/leads';
import type { MetricName } from '../telemetry/catalog';
import { HOUR, SLO_WINDOW_30D } from './windows';

interface SloBase {
  /** Stable id: Datadog SLO name suffix, snapshot rows, API keys. */
  name: string;
  description: string;
  /** The window the objective is judged over, in seconds. */
  windowSeconds: number;
}

export interface RatioSlo extends SloBase {
  kind: 'ratio';
  /** Fraction of events that must be good over the window (0.999 = 99.9 %). */
  objective: number;
  /** Count metric, split by its `result` tag. */
  metric: MetricName;
  /** Lead results (routing_result) that count as good and as bad events; any other result is not an event. */
  good: readonly RoutingResult[];
  bad: readonly RoutingResult[];
}

export interface ThresholdSlo extends SloBase {
  kind: 'threshold';
  metric: MetricName;
  /** How the window's data is reduced to one value: a percentile of a distribution, or a gauge's latest value. */
  aggregation: 'p95' | 'latest';
  /** The value must stay strictly below this limit, in `unit`. */
  below: number;
  unit: 'millisecond' | 'row';
}

export type SloDefinition = RatioSlo | ThresholdSlo;

/**
 * Availability: 99.9 % of leads reach a correct final decision over 30 days (DESIGN §9).
 * good = success + duplicate, bad = failed. A duplicate is a correct outcome — the lead was recognised and
 * not routed twice — so the monitoring spec's raw success / total would burn budget (and page) on every wave
 * of duplicates from a partner, though nothing is wrong. Budget: 0.1 % of leads, e.g. 1,000 in 1,000,000.
 */
export const AVAILABILITY: RatioSlo = {
  kind: 'ratio',
  name: 'availability',
  description: '99.9% of leads reach a final decision of success or duplicate (not failed), over 30 days',
  windowSeconds: SLO_WINDOW_30D,
  objective: 0.999,
  metric: 'routing.leads_routed',
  good: ['success', 'duplicate'],
  bad: ['failed'],
};

/**
 * Latency: the 95th percentile of created → routed (`routing.latency`, ms: a lead's routed_at − created_at)
 * over the last hour stays below 2 s (DESIGN §9). An hour with no routed lead has no p95 and is not a breach
 * (evaluateThreshold returns met with noData).
 */
export const LATENCY_P95: ThresholdSlo = {
  kind: 'threshold',
  name: 'latency_p95',
  description: 'p95 of lead created -> routed below 2 s, over 1 h',
  windowSeconds: HOUR,
  metric: 'routing.latency',
  aggregation: 'p95',
  below: 2000,
  unit: 'millisecond',
};

/**
 * Retry queue depth: due, unprocessed rows of lead_routing_queue stay below 100 (DESIGN §9); a gauge
 * sampled by the SLO workflow every minute, so its window is the sample (60 s), not an average.
 */
export const RETRY_QUEUE_DEPTH: ThresholdSlo = {
  kind: 'threshold',
  name: 'retry_queue_depth',
  description: 'retry queue depth (due, unprocessed rows) below 100',
  windowSeconds: 60,
  metric: 'routing.retry_queue.depth',
  aggregation: 'latest',
  below: 100,
  unit: 'row',
};

export const SLOS: readonly SloDefinition[] = [AVAILABILITY, LATENCY_P95, RETRY_QUEUE_DEPTH];

/** Good/bad event counts of a ratio SLO from counts per lead result (e.g. a GROUP BY routing_result). */
export function ratioCounts(slo: RatioSlo, byResult: Partial<Record<RoutingResult, number>>): { good: number; bad: number } {
  const sum = (results: readonly RoutingResult[]) => results.reduce((n, r) => n + (byResult[r] ?? 0), 0);
  return { good: sum(slo.good), bad: sum(slo.bad) };
}

/** A threshold SLO's verdict on one value; `null` = no data (no lead routed in the hour), reported as met. */
export function evaluateThreshold(slo: ThresholdSlo, value: number | null): { met: boolean; noData: boolean } {
  if (value === null) return { met: true, noData: true };
  return { met: value < slo.below, noData: false };
}
