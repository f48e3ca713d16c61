import { postJson, NOTIFY_TIMEOUT_MS } from './http';
import type { Notifier, OutgoingAlert } from './types';

/**
 * The Slack incoming-webhook body of an alert: `text` (the fallback shown in notifications: summary and
 * body, mrkdwn-escaped) and Block Kit `blocks` (the summary as a header line, the body, the runbook link).
 * https://api.slack.com/messaging/webhooks
 */
export function slackPayload({ message }: OutgoingAlert): { text: string; blocks: unknown[] } {
  const body = message.lines.filter((l) => !l.startsWith('Runbook: ')).join('\n');
  return {
    // Escaped too: Slack parses the fallback text (shown in notifications) as mrkdwn, so a raw `<` … `>` in a
    // value or a workspace name of the digest would become a link or a mention such as <!channel>.
    text: escapeMrkdwn([message.summary, ...message.lines].join('\n')),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(message.summary)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(body).slice(0, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.runbookUrl}|Runbook>` }] },
    ],
  };
}

/** Slack mrkdwn control characters (&, <, >) escaped as Slack asks. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack notifier posting to one incoming webhook (ALERT_SLACK_WEBHOOK_URL, a secret: never in errors). */
export function slackNotifier(webhookUrl: string, timeoutMs = NOTIFY_TIMEOUT_MS): Notifier {
  return {
    channel: 'slack',
    send: (alert) => postJson('slack', webhookUrl, slackPayload(alert), { timeoutMs }),
  };
}
