/**
 * Bundles the workflow code (workflows/ + its interceptors) once, at build time: `npm run build` writes
 * dist/workflow-bundle.js, and a worker run from dist/ loads it instead of bundling at start.
 *
 * Why: bundling runs webpack inside the worker process at start-up — seconds of CPU, and a few hundred MB
 * of heap that V8 keeps as resident memory for the life of the process (the Temporal TS SDK's production
 * guidance is to pre-bundle for the same reasons). With the bundle prebuilt the worker starts faster and
 * smaller. Run from source (tsx), workers still bundle at start, so a stale bundle can never be picked up
 * in development.
 *
 *   node dist/scripts/bundleWorkflows.js [out]   (default: dist/workflow-bundle.js)
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { PREBUILT_BUNDLE_FILE } from '../workers/workflowSource';

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', PREBUILT_BUNDLE_FILE));
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: [require.resolve('../workflows/interceptors')],
  });
  fs.writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
