import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { sharedEnv } from '../support/env';

/**
 * Workflow changes must not break the runs already in flight: when a worker restarts, every running
 * `route-lead-*` workflow (leads sleeping on a retry or a cap reset, for hours) is replayed by the new code,
 * which must issue the same commands in the same order or the run is stuck. The lint rule keeps workflow
 * code deterministic; this keeps it compatible: histories recorded from earlier versions
 * (test/fixtures/histories/<version>-<case>.json: v1 = before the search-attribute and dedupe changes of
 * 2026-11-29, v2 = after) are replayed by the current workflow bundle.
 * A change that fails here needs `patched()` (see SEARCH_ATTRIBUTES_ON_CHANGE in workflows/routeLead.ts).
 */
const dir = path.resolve(__dirname, '../fixtures/histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories of every version', () => {
  expect(files.filter((f) => f.startsWith('v1-')).length).toBeGreaterThanOrEqual(5);
  expect(files.filter((f) => f.startsWith('v2-')).length).toBeGreaterThanOrEqual(5);
});

test.each(files)('%s replays with the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: sharedEnv().workflowBundlePath } }, history, file.replace(/\.json$/, '')),
  ).resolves.toBeUndefined();
});
