import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { ONE_ACTIVITY_PER_ATTEMPT, ONE_WORKFLOW_TASK, ROUTE_LEAD_WORKFLOW_TYPE } from '../../workflows/routeLead.types';
import { sharedEnv } from '../support/env';

const EventType = temporal.api.enums.v1.EventType;

/**
 * Workflow changes must not break the runs already in flight: when a worker restarts, every running
 * `route-lead-*` workflow (leads sleeping on a retry or a cap reset, for hours) is replayed by the new code,
 * which must issue the same commands in the same order or the run is stuck. The lint rule keeps workflow
 * code deterministic; this keeps it compatible: histories recorded from earlier versions
 * (test/fixtures/histories/<version>-<case>.json: v1 = before the search-attribute and dedupe changes of
 * 2026-11-29, v2 = after, v3 = one workflow task per routing attempt, issue 10 §1, v4 = one local activity
 * per attempt; v1-v4 are of the `routeLead` type; v5 = the routeLeadV2 type: v4's shape with no patch marker)
 * are replayed by the current workflow bundle.
 * A change that fails here needs `patched()` (see ONE_WORKFLOW_TASK in workflows/routeLead.ts), and a new
 * version of the histories, recorded by the current code on the real stack:
 *   RECORD_HISTORIES=v6 npx jest --selectProjects record   (test/record/routeLeadHistories.record.ts)
 */
const dir = path.resolve(__dirname, '../fixtures/histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories of every version', () => {
  expect(files.filter((f) => f.startsWith('v1-')).length).toBeGreaterThanOrEqual(5);
  expect(files.filter((f) => f.startsWith('v2-')).length).toBeGreaterThanOrEqual(5);
  expect(files.filter((f) => f.startsWith('v3-')).length).toBeGreaterThanOrEqual(6);
  expect(files.filter((f) => f.startsWith('v4-')).length).toBeGreaterThanOrEqual(6);
  expect(files.filter((f) => f.startsWith('v5-')).length).toBeGreaterThanOrEqual(6);
});

/** The activities a recorded history scheduled, in order, and the patches it marked. */
function shapeOf(file: string): { activities: string[]; patches: string[] } {
  const { events } = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  return {
    activities: (events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n),
    patches: (events ?? [])
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      .map((m) => (JSON.parse(Buffer.from(m!.details!['patch-data']!.payloads![0]!.data!).toString('utf8')) as { id: string }).id),
  };
}

// The every-minute sloReport (issue 9 §2): a run started before it evaluated alerts (slo-v1) must replay
// without the evaluateAlerts call, one started after (slo-v2) with it, behind patched('slo-report-evaluates-alerts').
test('the sloReport histories: before and after the alert evaluation', () => {
  expect(shapeOf('slo-v1-report.json')).toEqual({ activities: ['reportSlos'], patches: [] });
  expect(shapeOf('slo-v2-report-evaluates-alerts.json')).toEqual({ activities: ['reportSlos', 'evaluateAlerts'], patches: ['slo-report-evaluates-alerts'] });
});

test('the v3 histories are of the one-task shape: its patch marker, no regular activity, one workflow task per attempt', () => {
  for (const file of files.filter((f) => f.startsWith('v3-'))) {
    const { events } = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    const types = (events ?? []).map((e) => EventType[e.eventType ?? 0]!.replace('EVENT_TYPE_', ''));
    const patches = (events ?? [])
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      .map((m) => (JSON.parse(Buffer.from(m!.details!['patch-data']!.payloads![0]!.data!).toString('utf8')) as { id: string }).id);
    expect({ file, patches }).toEqual({ file, patches: [ONE_WORKFLOW_TASK] });
    expect({ file, activities: types.filter((t) => t.startsWith('ACTIVITY_TASK')) }).toEqual({ file, activities: [] });
    const tasks = types.filter((t) => t === 'WORKFLOW_TASK_SCHEDULED').length;
    // A timer (a retry's backoff) wakes the run in a task of its own; a slow buyer makes the SDK heartbeat the task.
    const expected = file === 'v3-retried-then-routed.json' ? 2 : file === 'v3-slow-buyer.json' ? tasks : 1;
    expect({ file, tasks }).toEqual({ file, tasks: expected });
    if (file === 'v3-slow-buyer.json') expect(tasks).toBeGreaterThan(1);
  }
});

test('the v4 histories are of the one-activity shape: its patch marker only, every attempt one routeAttempt local activity', () => {
  const attempts: Record<string, number> = {};
  for (const file of files.filter((f) => f.startsWith('v4-'))) {
    const { events } = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    const markers = (events ?? []).map((e) => e.markerRecordedEventAttributes).filter((m) => !!m);
    const patches = markers
      .filter((m) => m!.markerName === 'core_patch')
      .map((m) => (JSON.parse(Buffer.from(m!.details!['patch-data']!.payloads![0]!.data!).toString('utf8')) as { id: string }).id);
    expect({ file, patches }).toEqual({ file, patches: [ONE_ACTIVITY_PER_ATTEMPT] });
    expect({ file, activities: (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes) }).toEqual({ file, activities: [] });
    const local = markers.filter((m) => m!.markerName === 'core_local_activity').map((m) => {
      const data = JSON.parse(Buffer.from(m!.details!.data!.payloads![0]!.data!).toString('utf8')) as { activity_type?: string };
      return data.activity_type;
    });
    // The attempts, and a retry's ledger entry (scheduleRetry) between two of them.
    expect({ file, local: local.filter((t) => t !== 'scheduleRetry') }).toEqual({ file, local: local.filter((t) => t !== 'scheduleRetry').map(() => 'routeAttempt') });
    attempts[file] = local.filter((t) => t === 'routeAttempt').length;
  }
  expect(attempts).toMatchObject({ 'v4-routed.json': 1, 'v4-rejected-then-next-buyer.json': 2, 'v4-retried-then-routed.json': 2 });
});

/** A recorded history's workflow type, its event types (without the EVENT_TYPE_ prefix) and its markers. */
function eventsOf(file: string) {
  const { events } = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  const list = events ?? [];
  return {
    workflowType: list[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
    types: list.map((e) => EventType[e.eventType ?? 0]!.replace('EVENT_TYPE_', '')),
    markers: list.map((e) => e.markerRecordedEventAttributes?.markerName).filter((m): m is string => !!m),
    upserts: list.map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields).filter((f) => !!f).map((f) => Object.keys(f!).sort()),
  };
}

test('v1-v4 are routeLead runs; the v5 histories are routeLeadV2 runs of the one-activity shape with no patch marker and no TemporalChangeVersion upsert', () => {
  for (const file of files.filter((f) => /^v[1-4]-/.test(f))) expect({ file, type: eventsOf(file).workflowType }).toEqual({ file, type: 'routeLead' });
  for (const file of files.filter((f) => f.startsWith('v5-'))) {
    const { workflowType, markers, upserts } = eventsOf(file);
    expect({ file, workflowType }).toEqual({ file, workflowType: ROUTE_LEAD_WORKFLOW_TYPE });
    expect({ file, markers: markers.filter((m) => m !== 'core_local_activity') }).toEqual({ file, markers: [] });
    expect({ file, changeVersion: upserts.some((keys) => keys.includes('TemporalChangeVersion')) }).toEqual({ file, changeVersion: false });
  }
  // A lead routed at its first attempt: started, one workflow task (eager or not), one marker, one upsert, completed.
  expect(eventsOf('v5-routed.json').types).toEqual([
    'WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED',
    'MARKER_RECORDED', 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', 'WORKFLOW_EXECUTION_COMPLETED',
  ]);
  // The v4 run of the same case had the patch marker and the SDK's TemporalChangeVersion upsert on top.
  expect(eventsOf('v4-routed.json').types.length - eventsOf('v5-routed.json').types.length).toBe(2);
});

test.each(files)('%s replays with the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: sharedEnv().workflowBundlePath } }, history, file.replace(/\.json$/, '')),
  ).resolves.toBeUndefined();
});
