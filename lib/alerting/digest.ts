/**
 * The daily INFO digest (spec alert 7) through the Slack notifier, at most once per day: the day (a date in
 * MAINTENANCE_TIMEZONE) is recorded in alert_states once Slack accepted it, under an advisory lock, so a
 * retried or doubled activity finds it sent and posts nothing. A send that fails throws (NotifyError), so
 * Temporal retries the activity; if Slack accepted the post but the record was then lost (the process died
 * in between), the retry posts again — the one duplicate HTTP cannot rule out.
 */
import type { Db } from '../db/createDb';
import type { Logger } from '../logger';
import type { ExpirationDigest } from '../maintenance/expiry';
import { LEAD_EXPIRATION_DIGEST } from '../../monitors/alerts/definitions';
import { digestSent, markDigestSent, withDigestLock } from '../store/alertStates';
import { buildDigestMessage } from './messages';
import type { Notifier } from './notifiers/types';

export type DigestDelivery = 'sent' | 'already_sent' | 'no_channel' | 'skipped_concurrent';

/** YYYY-MM-DD of `at` in `timeZone` (an IANA zone). */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export interface DigestDeps {
  db: Db;
  log: Logger;
  /** The Slack notifier, or undefined when ALERT_SLACK_WEBHOOK_URL is unset. */
  slack: Notifier | undefined;
  runbookBaseUrl: string;
  timeZone: string;
}

/** Sends `digest` (for the day of `until`) through Slack unless that day's was sent already. */
export async function sendDigestOnce(deps: DigestDeps, digest: ExpirationDigest, until: Date): Promise<DigestDelivery> {
  const { slack } = deps;
  if (!slack) {
    deps.log.info({ event: 'alerting.channel_skipped', channel: 'slack' }, 'no slack notifier configured; the digest is only logged');
    return 'no_channel';
  }
  const date = localDate(until, deps.timeZone);
  const id = LEAD_EXPIRATION_DIGEST.id;
  const outcome = await withDigestLock(deps.db, async (trx) => {
    if (await digestSent(trx, id, date)) return 'already_sent' as const;
    const message = buildDigestMessage(LEAD_EXPIRATION_DIGEST, digest, deps.runbookBaseUrl);
    await slack.send({ dedupKey: `${id}:${date}`, action: 'trigger', severity: 'info', message });
    await markDigestSent(trx, id, date, digest.total, new Date());
    return 'sent' as const;
  });
  const result: DigestDelivery = outcome.skipped ? 'skipped_concurrent' : outcome.result;
  deps.log.info({ event: 'alerting.digest', date, result }, `expiration digest for ${date}: ${result}`);
  return result;
}
