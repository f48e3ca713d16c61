import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PREBUILT_BUNDLE_FILE, workflowSource } from '../../workers/workflowSource';

test('run from source (tsx), the worker bundles workflows/ at start: no prebuilt bundle is looked for in the repo root', () => {
  const source = workflowSource(path.resolve(__dirname, '../../workers'));
  expect(source.prebuilt).toBe(false);
  expect(source.prebuilt === false && source.workflowsPath).toBe(require.resolve('../../workflows'));
});

test('run from a build with dist/workflow-bundle.js, the worker loads the prebuilt bundle', () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-dist-'));
  fs.mkdirSync(path.join(dist, 'workers'));
  fs.writeFileSync(path.join(dist, PREBUILT_BUNDLE_FILE), '// bundle');
  expect(workflowSource(path.join(dist, 'workers'))).toEqual({ workflowBundle: { codePath: path.join(dist, PREBUILT_BUNDLE_FILE) }, prebuilt: true });
  fs.rmSync(dist, { recursive: true });
});
