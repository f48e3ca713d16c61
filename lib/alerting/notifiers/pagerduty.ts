import { postJson, NOTIFY_TIMEOUT_MS } from './http';
import type { Notifier, OutgoingAlert } from './types';

/** PagerDuty Events API v2's severities (critical, error, warning, info) from ours. */
const PD_SEVERITY = { critical: 'critical', warning: 'warning', info: 'info' } as const;

/**
 * The Events API v2 body (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): a trigger (or a
 * renotify, which is a trigger with the same dedup_key: PagerDuty adds it to the open incident) carries the
 * payload and the runbook link; a resolve needs only the routing key and the dedup_key.
 */
export function pagerDutyPayload(routingKey: string, alert: OutgoingAlert): Record<string, unknown> {
  if (alert.action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: alert.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.dedupKey,
    payload: {
      summary: alert.message.summary.slice(0, 1024),
      source: 'lead-router',
      severity: PD_SEVERITY[alert.severity],
      component: 'lead-routing',
      custom_details: { ...alert.message.details, message: alert.message.lines.join('\n') },
    },
    links: [{ href: alert.message.runbookUrl, text: 'Runbook' }],
  };
}

/** A PagerDuty notifier (ALERT_PAGERDUTY_ROUTING_KEY, a secret: redacted from every error). */
export function pagerDutyNotifier(routingKey: string, eventsUrl: string, timeoutMs = NOTIFY_TIMEOUT_MS): Notifier {
  return {
    channel: 'pagerduty',
    send: (alert) => postJson('pagerduty', eventsUrl, pagerDutyPayload(routingKey, alert), { timeoutMs, secrets: [routingKey] }),
  };
}
