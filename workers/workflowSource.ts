import fs from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/** The prebuilt bundle's file name, next to the compiled workers/ folder (dist/workflow-bundle.js). */
export const PREBUILT_BUNDLE_FILE = 'workflow-bundle.js';

export type WorkflowSource =
  | { workflowBundle: NonNullable<WorkerOptions['workflowBundle']>; prebuilt: true }
  | { workflowsPath: string; prebuilt: false };

/**
 * Where the worker's workflow code comes from: the bundle `npm run build` wrote (scripts/bundleWorkflows.ts,
 * interceptors included) when this code runs from dist/ and the file is there, else the workflows/ source,
 * bundled by the SDK at start (development through tsx, where `<repo>/workflow-bundle.js` never exists).
 * @param workersDir the directory of the running workers/ code (`__dirname` of createWorker).
 */
export function workflowSource(workersDir: string): WorkflowSource {
  const prebuilt = path.resolve(workersDir, '..', PREBUILT_BUNDLE_FILE);
  if (fs.existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt }, prebuilt: true };
  return { workflowsPath: require.resolve(path.resolve(workersDir, '..', 'workflows')), prebuilt: false };
}
