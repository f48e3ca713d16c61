import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';

/**
 * The Temporal Schedules of DESIGN §7, created or updated idempotently: the worker calls this at start,
 * `npm run schedules` does it by hand. Changing a spec here and deploying updates the live schedule.
 */
export interface ScheduleSettings {
  taskQueue: string;
  /** IANA zone of the daily jobs (MAINTENANCE_TIMEZONE). */
  timezone: string;
  /** Prefix of the schedule ids; tests use their own so parallel suites never share a schedule. */
  idPrefix?: string;
}

export function scheduleDefinitions({ taskQueue, timezone, idPrefix = 'lead-router' }: ScheduleSettings): ScheduleOptions[] {
  const job = (name: string, workflowType: string, spec: ScheduleOptions['spec'], note: string): ScheduleOptions => ({
    scheduleId: `${idPrefix}-${name}`,
    spec,
    action: { type: 'startWorkflow', workflowType, taskQueue, workflowId: `${idPrefix}-${name}` },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    state: { note },
  });
  return [
    job('retry-queue', 'retryQueueProcessor', { intervals: [{ every: '1 minute' }] }, 're-drives due retries whose workflow is gone'),
    job('slo-report', 'sloReport', { intervals: [{ every: '1 minute' }] }, 'computes the SLOs, stores a snapshot, sends the SLO gauges'),
    job('stale-locks', 'staleLockSweeper', { intervals: [{ every: '1 minute' }] }, 'releases stale routing locks and re-drives their leads'),
    job('lead-expiry', 'leadExpiry', { calendars: [{ hour: 3, minute: 0 }], timezone }, 'expires leads past their TTL'),
    job('expiration-digest', 'expirationDigest', { calendars: [{ hour: 9, minute: 0 }], timezone }, 'daily digest of expired leads per source'),
  ];
}

export async function ensureSchedules(client: Client, settings: ScheduleSettings): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const results = [];
  for (const definition of scheduleDefinitions(settings)) {
    try {
      await client.schedule.create(definition);
      results.push({ scheduleId: definition.scheduleId, created: true });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(definition.scheduleId).update((previous) => ({
        ...previous,
        spec: definition.spec,
        action: definition.action,
        policies: { ...previous.policies, ...definition.policies },
      }));
      results.push({ scheduleId: definition.scheduleId, created: false });
    }
  }
  return results;
}
