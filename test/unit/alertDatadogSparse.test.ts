/**
 * The Datadog query of each ratio alert must mean the same as the local evaluator's signal also when some of
 * its count series have NO points in the window — the normal case for counts tagged by result: a window with
 * failures but no duplicate has no `routing.leads_routed{result:duplicate}` series at all, and a window where
 * every lock attempt failed has no `routing.lock.acquired`. Datadog's monitor arithmetic on a missing series
 * gives no value (the evaluation is skipped: docs "Monitor Arithmetic and Sparse Metrics"), unless the term
 * is wrapped in `default_zero()`. So a query like `(success + duplicate) / total` never fires on a window of
 * failures without duplicates, while the local evaluator pages.
 *
 * This test evaluates each query the way Datadog does on such windows (a missing series is NaN and poisons the
 * expression; `default_zero(term)` turns it into 0) and checks it against the local signal's formula
 * (lib/alerting/signals.ts) for the same events.
 */
import { LOCK_SUCCESS_RATE_LOW, ROUTING_FAILURE_SPIKE, ROUTING_SUCCESS_RATE_LOW, DUPLICATE_RATE_HIGH, type ThresholdAlert } from '../../monitors/alerts/definitions';
import { MONITOR_QUERY } from '../../monitors/validate/slos';
import { breaches } from '../../lib/alerting/signals';
import { leadRoutingHealth } from '../../monitors/dashboards/leadRoutingHealth';

/** Events in one alert window. */
interface Window { success: number; duplicate: number; failed: number; lockAcquired: number; lockHeld: number }

/** The count each metric term sums over the window; undefined = the series has no point (nothing was sent). */
function seriesValue(term: string, w: Window): number | undefined {
  const total = w.success + w.duplicate + w.failed;
  const table: Record<string, number> = {
    'sum:routing.leads_routed{*}.as_count()': total,
    'sum:routing.leads_routed{result:success}.as_count()': w.success,
    'sum:routing.leads_routed{result:duplicate}.as_count()': w.duplicate,
    'sum:routing.leads_routed{result:failed}.as_count()': w.failed,
    'sum:routing.logs.total{*}.as_count()': total,
    'sum:routing.logs.failed{*}.as_count()': w.failed,
    'sum:routing.duplicates_caught{*}.as_count()': w.duplicate,
    'sum:routing.lock.acquired{*}.as_count()': w.lockAcquired,
    'sum:routing.lock.failed{*}.as_count()': w.lockHeld,
  };
  if (!(term in table)) throw new Error(`test table lacks the series ${term}`);
  const n = table[term]!;
  return n === 0 ? undefined : n; // a count never incremented sends no series
}

/** The monitor's value as Datadog computes it (sum(a)/sum(b) over the window), NaN when it has none. */
function datadogValue(alert: ThresholdAlert, w: Window): number {
  const m = MONITOR_QUERY.exec(alert.datadog.query);
  if (!m) throw new Error(`unparsed query ${alert.datadog.query}`);
  const expr = m[3]!;
  const TERM = /(default_zero\()?((?:sum|avg):[a-z_.]+\{[^}]*\}(?:\.as_count\(\))?)(\))?/g;
  const js = expr.replace(TERM, (_all, dz: string | undefined, term: string, close: string | undefined) => {
    const v = seriesValue(term, w);
    const value = v === undefined ? (dz ? '0' : 'NaN') : String(v);
    // `default_zero(x)` consumed its own closing parenthesis; a bare term gives back the one it matched.
    return dz ? value : `${value}${close ?? ''}`;
  });
  if (!/^[\d\s.+\-*/()NaN]+$/.test(js)) throw new Error(`could not reduce "${expr}" to arithmetic: ${js}`);
  const v = Function(`"use strict"; return (${js});`)() as number;
  return Number.isFinite(v) ? v : NaN;
}

/** The local evaluator's value for the same window (lib/alerting/signals.ts), null = no data. */
function localValue(alert: ThresholdAlert, w: Window): number | null {
  const total = w.success + w.duplicate + w.failed;
  const pct = (a: number, b: number) => (b === 0 ? null : (a / b) * 100);
  switch (alert.signal) {
    case 'failure_rate_percent': return pct(w.failed, total);
    case 'success_rate_percent': return pct(total - w.failed, total);
    case 'duplicate_rate_percent': return pct(w.duplicate, total);
    // Locally decisions / (decisions + held); here every acquisition reached its decision.
    case 'lock_success_rate_percent': return pct(w.lockAcquired, w.lockAcquired + w.lockHeld);
    default: throw new Error(`not a ratio signal: ${alert.signal}`);
  }
}

const WINDOWS: Array<[string, Window]> = [
  ['failures, no duplicate', { success: 80, duplicate: 0, failed: 20, lockAcquired: 100, lockHeld: 0 }],
  ['every decision failed', { success: 0, duplicate: 0, failed: 30, lockAcquired: 30, lockHeld: 0 }],
  ['mixed results', { success: 60, duplicate: 25, failed: 15, lockAcquired: 100, lockHeld: 5 }],
  ['duplicates only', { success: 0, duplicate: 40, failed: 0, lockAcquired: 40, lockHeld: 0 }],
  ['every lock attempt held by another owner', { success: 10, duplicate: 0, failed: 0, lockAcquired: 0, lockHeld: 30 }],
  ['heavy lock contention', { success: 50, duplicate: 0, failed: 0, lockAcquired: 50, lockHeld: 20 }],
];

describe.each([ROUTING_FAILURE_SPIKE, ROUTING_SUCCESS_RATE_LOW, DUPLICATE_RATE_HIGH, LOCK_SUCCESS_RATE_LOW])('Datadog query of $id on sparse count series', (alert) => {
  test.each(WINDOWS)('%s: whenever the local evaluator fires, the Datadog monitor fires with the same value', (_name, w) => {
    const local = localValue(alert, w);
    const dd = datadogValue(alert, w);
    if (breaches(alert, local)) {
      expect(dd).toBeCloseTo(local!, 6);
    } else {
      // Not firing locally: Datadog must not fire either (no value is fine: notify_no_data is off).
      expect(Number.isNaN(dd) || !breaches(alert, dd)).toBe(true);
    }
  });
});

/** A formula over q1, q2 … as a formulas-and-queries widget computes it: a query without data is NaN, default_zero(qN) 0. */
function formulaValue(formula: string, values: Array<number | undefined>): number {
  const js = formula
    .replace(/default_zero\(q(\d+)\)/g, (_m, i: string) => String(values[Number(i) - 1] ?? 0))
    .replace(/q(\d+)/g, (_m, i: string) => String(values[Number(i) - 1] ?? NaN));
  if (!/^[\d\s.+\-*/()NaN]+$/.test(js)) throw new Error(`could not reduce "${formula}" to arithmetic: ${js}`);
  const v = Function(`"use strict"; return (${js});`)() as number;
  return Number.isFinite(v) ? v : NaN;
}

test.each(WINDOWS)('Lead Routing Health "Lock Acquisition Rate (%)" shows the lock success rate, also with a series missing (%s)', (_name, w) => {
  const widget = leadRoutingHealth.widgets.map((x) => x.definition as { title?: string; requests?: Array<{ queries: Array<{ query: string }>; formulas: Array<{ formula: string }> }> })
    .find((d) => d.title === 'Lock Acquisition Rate (%)')!;
  const request = widget.requests![0]!;
  const values = request.queries.map((q) => seriesValue(q.query, w));
  expect(formulaValue(request.formulas[0]!.formula, values)).toBeCloseTo(localValue(LOCK_SUCCESS_RATE_LOW, w)!, 6);
});
