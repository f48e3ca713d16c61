import type { Config } from '../../config';
import { pagerDutyNotifier } from './pagerduty';
import { slackNotifier } from './slack';
import type { Notifier } from './types';

export type { Notifier, OutgoingAlert } from './types';
export { NotifyError } from './http';

export type NotifierConfig = Pick<Config, 'ALERT_SLACK_WEBHOOK_URL' | 'ALERT_PAGERDUTY_ROUTING_KEY' | 'ALERT_PAGERDUTY_EVENTS_URL'>;

/** The notifiers configured (a channel without its setting is absent: skipped, not an error). */
export function notifiersFromConfig(config: NotifierConfig, timeoutMs?: number): Notifier[] {
  const out: Notifier[] = [];
  if (config.ALERT_PAGERDUTY_ROUTING_KEY) out.push(pagerDutyNotifier(config.ALERT_PAGERDUTY_ROUTING_KEY, config.ALERT_PAGERDUTY_EVENTS_URL, timeoutMs));
  if (config.ALERT_SLACK_WEBHOOK_URL) out.push(slackNotifier(config.ALERT_SLACK_WEBHOOK_URL, timeoutMs));
  return out;
}

/** The secrets of the notifier settings, to redact from any unexpected error text. */
export function notifierSecrets(config: NotifierConfig): string[] {
  return [config.ALERT_SLACK_WEBHOOK_URL, config.ALERT_PAGERDUTY_ROUTING_KEY].filter((s): s is string => typeof s === 'string');
}
