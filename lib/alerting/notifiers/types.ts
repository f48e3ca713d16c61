import type { AlertSeverityLevel } from '../../../monitors/alerts/definitions';
import type { Channel, NotificationAction } from '../evaluate';
import type { AlertMessage } from '../messages';

/** One notification ready to send: its stable dedup key (the alert state key), what happened and the message. */
export interface OutgoingAlert {
  dedupKey: string;
  action: NotificationAction;
  severity: AlertSeverityLevel;
  message: AlertMessage;
}

/** A channel's sender. `send` resolves when delivered and throws a NotifyError (safe to log) otherwise. */
export interface Notifier {
  readonly channel: Channel;
  send(alert: OutgoingAlert): Promise<void>;
}
