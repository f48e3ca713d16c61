/**
 * One alert evaluation (issue 9 §2), as the every-minute sloReport workflow runs it after the SLO report:
 * measure every threshold alert (signals.ts) and read the burn-rate tiers of the latest SLO snapshot, then
 * under the alerting lock: load the stored states, evaluate (evaluate.ts), send what is owed in parallel
 * (each send with its own timeout), record the deliveries and store the states — one transaction.
 *
 * Never throws for a notifier: a failed send is logged (`alerting.notify_failed`, error text without URL or
 * key), kept as owed in the state, and retried on the next run. A channel without its setting is skipped
 * (`alerting.channel_skipped`, once per run). Database errors do throw (the activity is retried).
 */
import type { Db } from '../db/createDb';
import type { Logger } from '../logger';
import type { SloReport } from '../slo/report';
import { coerceError } from '../errors';
import { ALERTS, BURN_RATE_ALERTS, THRESHOLD_ALERTS, type AlertDefinition, type AlertSeverityLevel } from '../../monitors/alerts/definitions';
import { loadAlertStates, saveAlertStates, withAlertingLock } from '../store/alertStates';
import { evaluateAlerts, recordDeliveries, type Channel, type Delivery, type Notification, type Observation } from './evaluate';
import { buildAlertMessage } from './messages';
import { redact } from './notifiers/http';
import type { Notifier } from './notifiers/types';
import { breaches, readAlertSignals } from './signals';

/** Which channels each severity goes to: critical pages (PagerDuty) and posts (Slack); the others post. */
export const CHANNELS_BY_SEVERITY: Record<AlertSeverityLevel, readonly Channel[]> = {
  critical: ['pagerduty', 'slack'],
  warning: ['slack'],
  info: ['slack'],
};

/** Burn-rate tiers are read from an SLO snapshot at most this old (the report runs every minute). */
const SNAPSHOT_MAX_AGE_MS = 5 * 60_000;

export interface AlertingDeps {
  db: Db;
  log: Logger;
  notifiers: readonly Notifier[];
  renotifyMinutes: number;
  runbookBaseUrl: string;
  /** Setting values to redact from unexpected error texts (webhook URL, routing key). */
  secrets: readonly string[];
}

/** What one run did: counts and alert keys (alert ids, workspace ids), nothing else. */
export interface AlertRunSummary {
  at: string;
  /** True when another evaluation held the lock: this run changed and sent nothing. */
  skipped: boolean;
  evaluated: number;
  firing: string[];
  sent: number;
  failed: number;
  channelsSkipped: Channel[];
}

const DEFINITIONS = new Map<string, AlertDefinition>(ALERTS.map((a) => [a.id, a]));

/** The report of the latest SLO snapshot no older than SNAPSHOT_MAX_AGE_MS before `at`, or null. */
async function latestReport(db: Db, at: Date): Promise<SloReport | null> {
  const row = await db('slo_snapshots')
    .select('report')
    .where('computed_at', '<=', at.toISOString())
    .where('computed_at', '>', new Date(at.getTime() - SNAPSHOT_MAX_AGE_MS).toISOString())
    .orderBy('computed_at', 'desc')
    .first();
  return (row?.report as SloReport | undefined) ?? null;
}

/**
 * Every alert instance's observation at `at`: threshold alerts from Postgres, burn-rate alerts from the latest
 * SLO report (none when there is no report of the last 5 minutes).
 */
export async function observe(db: Db, at: Date): Promise<Observation[]> {
  const observations: Observation[] = [];
  const signals = await readAlertSignals(db, THRESHOLD_ALERTS, at);
  for (const alert of THRESHOLD_ALERTS) {
    for (const { group, value } of signals.get(alert.id) ?? []) observations.push({ alertId: alert.id, group, value, breached: breaches(alert, value) });
  }
  const report = await latestReport(db, at);
  // No recent SLO report means the burn rates are unknown, not healthy: no observation, so a firing burn-rate
  // alert neither resolves nor re-fires until the report is back (its stored state is left as it was).
  if (!report) return observations;
  for (const alert of BURN_RATE_ALERTS) {
    const tier = report?.availability.tiers.find((t) => t.id === alert.tier);
    // The value shown is the lower of the two windows' rates: the one that must exceed the factor for the tier to fire.
    observations.push({ alertId: alert.id, group: null, value: tier ? Math.min(tier.longRate, tier.shortRate) : null, breached: tier?.firing ?? false });
  }
  return observations;
}

async function deliver(deps: AlertingDeps, n: Notification, byChannel: Map<Channel, Notifier>): Promise<Delivery> {
  const definition = DEFINITIONS.get(n.alertId);
  const notifier = byChannel.get(n.channel);
  if (!definition || !notifier) return { notification: n, ok: false, error: 'no notifier' };
  try {
    const message = buildAlertMessage({ definition, action: n.action, value: n.value, group: n.group, firingSince: n.firingSince, runbookBaseUrl: deps.runbookBaseUrl });
    await notifier.send({ dedupKey: n.key, action: n.action, severity: definition.severity, message });
    deps.log.info({ event: 'alerting.notified', alertKey: n.key, channel: n.channel, action: n.action }, `alert ${n.key} ${n.action} sent to ${n.channel}`);
    return { notification: n, ok: true };
  } catch (err) {
    const error = redact(coerceError(err).message, deps.secrets).slice(0, 500);
    deps.log.warn({ event: 'alerting.notify_failed', alertKey: n.key, channel: n.channel, action: n.action, error }, `alert ${n.key} ${n.action} not delivered to ${n.channel}; retried next run`);
    return { notification: n, ok: false, error };
  }
}

/** One evaluation at `at` (now by default). See the file comment. */
export async function runAlertEvaluation(deps: AlertingDeps, at: Date = new Date()): Promise<AlertRunSummary> {
  const byChannel = new Map(deps.notifiers.map((n) => [n.channel, n]));
  const channelsSkipped = (['pagerduty', 'slack'] as const).filter((c) => !byChannel.has(c));
  for (const channel of channelsSkipped) deps.log.info({ event: 'alerting.channel_skipped', channel }, `no ${channel} notifier configured; its alerts are stored, not sent`);

  const observations = await observe(deps.db, at);
  const base: AlertRunSummary = { at: at.toISOString(), skipped: false, evaluated: observations.length, firing: [], sent: 0, failed: 0, channelsSkipped };
  const outcome = await withAlertingLock(deps.db, async (trx) => {
    const previous = await loadAlertStates(trx);
    const { states, notifications } = evaluateAlerts({
      observations,
      previous,
      channelsFor: (id) => (CHANNELS_BY_SEVERITY[DEFINITIONS.get(id)?.severity ?? 'info'] ?? []).filter((c) => byChannel.has(c)),
      evaluatedIds: new Set([...THRESHOLD_ALERTS.map((a) => a.id), ...observations.map((o) => o.alertId)]),
      now: at,
      renotifyMs: deps.renotifyMinutes * 60_000,
    });
    const deliveries = await Promise.all(notifications.map((n) => deliver(deps, n, byChannel)));
    const final = recordDeliveries(states, deliveries, at); // the run's time, so intervals are measured on one clock
    await saveAlertStates(trx, final);
    return {
      ...base,
      firing: final.filter((s) => s.status === 'firing').map((s) => s.key).sort(),
      sent: deliveries.filter((d) => d.ok).length,
      failed: deliveries.filter((d) => !d.ok).length,
    };
  });
  if (outcome.skipped) {
    deps.log.info({ event: 'alerting.evaluation_skipped' }, 'another alert evaluation is running; this one changed nothing');
    return { ...base, skipped: true };
  }
  return outcome.result;
}
