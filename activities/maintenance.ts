import { Context } from '@temporalio/activity';
import { sendDigestOnce, type DigestDelivery } from '../lib/alerting/digest';
import { notifiersFromConfig } from '../lib/alerting/notifiers';
import { coerceError } from '../lib/errors';
import { expirationDigest, expireDueLeads, type ExpirationDigest } from '../lib/maintenance/expiry';
import type { RedriveDeps } from '../lib/maintenance/redrive';
import { processDueRetries, type RetryQueueCursor, type RetryQueueReport } from '../lib/maintenance/retryQueue';
import { sweepStaleLocks, type StaleLockReport } from '../lib/maintenance/staleLocks';
import { clearExpiredSigningSecrets } from '../lib/store/signingSecrets';
import type { ActivityDeps } from './deps';

/** A scheduled run every minute: one run works for at most this long, then leaves the rest to the next. */
export const MAINTENANCE_RUN_BUDGET_MS = 50_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetryQueueRunReport extends Omit<RetryQueueReport, 'next'> {
  batches: number;
  durationMs: number;
  /** True when the run stopped on its time budget with due rows left. */
  budgetExhausted: boolean;
}

export interface StaleLockRunReport extends StaleLockReport {
  batches: number;
  durationMs: number;
}

/** Heartbeats when called inside an activity (so a heartbeat timeout can be set); a no-op in plain calls. */
function heartbeat(details?: unknown): void {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return; // not in an activity (tests and scripts call these functions directly)
  }
  context.heartbeat(details);
}

/**
 * The maintenance activities the scheduled workflows run (DESIGN §7): retry-queue processor and stale-lock
 * sweeper (every minute), lead expiry (daily) and the expiration digest (daily, 09:00 MAINTENANCE_TIMEZONE).
 * Logs carry counts and ids only, never lead contents.
 */
export function makeMaintenanceActivities(deps: ActivityDeps) {
  const { db, config, log, metrics, temporal } = deps;
  const redriveDeps: RedriveDeps = { db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE };
  const limit = config.RETRY_QUEUE_BATCH_SIZE;
  const onError = (event: string) => (leadId: string, err: unknown) =>
    log.warn({ event, leadId, err: coerceError(err) }, 're-drive failed; the lead stays due for the next run');

  return {
    /** Re-drives due retries whose workflow is gone, batch after batch, until none is due or ~50 s passed. */
    async processRetryQueue(): Promise<RetryQueueRunReport> {
      const startedAt = Date.now();
      const total: RetryQueueRunReport = { scanned: 0, orphans: 0, redriven: 0, running: 0, finished: 0, errors: 0, batches: 0, durationMs: 0, budgetExhausted: false };
      let after: RetryQueueCursor | null = null;
      for (;;) {
        // Orphans once per run (bounded by `limit`); the cursor walks past rows left to running workflows.
        const r = await processDueRetries(redriveDeps, { limit, after, orphans: total.batches === 0, onError: onError('maintenance.retry_queue.redrive_failed') });
        total.batches += 1;
        for (const k of ['scanned', 'orphans', 'redriven', 'running', 'finished', 'errors'] as const) total[k] += r[k];
        heartbeat({ batches: total.batches, redriven: total.redriven });
        if (!r.next) break;
        if (Date.now() - startedAt > MAINTENANCE_RUN_BUDGET_MS) {
          total.budgetExhausted = true;
          break;
        }
        after = r.next;
      }
      total.durationMs = Date.now() - startedAt;
      log.info({ event: 'maintenance.retry_queue', ...total }, 'retry queue processed');
      return total;
    },

    /**
     * Releases routing locks older than ROUTING_LOCK_STALE_SECONDS and re-drives those leads; then deletes
     * previous signing secrets whose overlap ended and rotation Idempotency-Keys past 24 h (lib/store/signingSecrets.ts).
     */
    async sweepStaleLocks(): Promise<StaleLockRunReport> {
      const startedAt = Date.now();
      const total: StaleLockRunReport = { released: 0, redriven: 0, running: 0, errors: 0, batches: 0, durationMs: 0 };
      for (;;) {
        const r = await sweepStaleLocks(redriveDeps, { staleSeconds: config.ROUTING_LOCK_STALE_SECONDS, limit, onError: onError('maintenance.stale_locks.redrive_failed') });
        total.batches += 1;
        for (const k of ['released', 'redriven', 'running', 'errors'] as const) total[k] += r[k];
        heartbeat({ batches: total.batches, released: total.released });
        if (r.released < limit || Date.now() - startedAt > MAINTENANCE_RUN_BUDGET_MS) break;
      }
      const rotations = await clearExpiredSigningSecrets(db);
      if (rotations.secretsCleared > 0 || rotations.keysForgotten > 0) log.info({ event: 'maintenance.signing_secrets', ...rotations }, 'expired signing secrets deleted');
      total.durationMs = Date.now() - startedAt;
      const line = { event: 'maintenance.stale_locks', count: total.released, ...total };
      if (total.released > 0) log.warn(line, `released ${total.released} stale routing locks`);
      else log.info(line, 'no stale routing locks');
      return total;
    },

    /** Leads past their TTL (LEAD_TTL_DAYS) that were never routed become `expired`. */
    async expireLeads(): Promise<{ expired: number }> {
      const startedAt = Date.now();
      const expired = await expireDueLeads(db, { limit });
      if (expired > 0) metrics.increment('routing.leads_expired', {}, expired);
      log.info({ event: 'maintenance.expired', expired, durationMs: Date.now() - startedAt }, `${expired} leads expired`);
      return { expired };
    },

    /**
     * The daily INFO digest: leads expired in the 24 h before `until` (the schedule's time; now by default),
     * per source workspace. Logged, and posted to Slack at most once per day (lib/alerting/digest.ts: a
     * retried activity finds the day sent; a failed post throws, so Temporal retries it).
     */
    async sendExpirationDigest(input: { until?: string } = {}): Promise<ExpirationDigest & { notified: DigestDelivery }> {
      const until = input.until ? new Date(input.until) : new Date();
      if (Number.isNaN(until.getTime())) throw new Error(`sendExpirationDigest: until=${input.until} is not a date`);
      const digest = await expirationDigest(db, { since: new Date(until.getTime() - DAY_MS), until });
      log.info({ event: 'routing.expiration_digest', severity: 'INFO', ...digest }, `${digest.total} leads expired in the last 24 h`);
      const slack = notifiersFromConfig(config).find((n) => n.channel === 'slack');
      const notified = await sendDigestOnce({ db, log, slack, runbookBaseUrl: config.RUNBOOK_BASE_URL, timeZone: config.MAINTENANCE_TIMEZONE }, digest, until);
      return { ...digest, notified };
    },
  };
}
