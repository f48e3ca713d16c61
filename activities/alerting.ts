import { notifiersFromConfig, notifierSecrets } from '../lib/alerting/notifiers';
import { runAlertEvaluation, type AlertRunSummary } from '../lib/alerting/run';
import type { ActivityDeps } from './deps';

/**
 * The alert evaluation activity (issue 9 §2), run by the every-minute sloReport workflow after reportSlos:
 * lib/alerting/run.ts does the work. It throws only for database errors (Temporal retries it); a notifier
 * outage is recorded in alert_states and retried on the next run, so it never fails the workflow.
 * Returns counts and alert keys only (shown as the workflow's result; no PII, no secret).
 */
export function makeAlertingActivities({ db, config, log }: ActivityDeps) {
  const notifiers = notifiersFromConfig(config);
  return {
    async evaluateAlerts(): Promise<AlertRunSummary> {
      return runAlertEvaluation({
        db,
        log,
        notifiers,
        renotifyMinutes: config.ALERT_RENOTIFY_MINUTES,
        runbookBaseUrl: config.RUNBOOK_BASE_URL,
        secrets: notifierSecrets(config),
      });
    },
  };
}
