import { execFileSync } from 'node:child_process';
import path from 'node:path';

// With a REAL, initialised tracer (in its own process: inside jest's module sandbox dd-trace stays a no-op):
// a workflow started from inside a span that is not a partner's request (the stale-lock sweeper's or the
// retry-queue processor's activity re-driving leads) starts the lead's own trace, LINKED to the caller's.
// dd-trace 6's addLink takes `{ context }`; the bare-context call of v5 threw a TypeError there, so every
// re-drive from a traced activity failed (the sweeper released stale locks and re-drove none).
test('a start inside a non-request span begins its own trace, linked to the caller, without throwing', () => {
  const root = path.resolve(__dirname, '../..');
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'test/support/scripts/traceLinkProbe.ts')], {
    cwd: root,
    env: { ...process.env, DD_TRACE_ENABLED: 'true', DD_TRACE_AGENT_URL: 'http://127.0.0.1:9' }, // nothing listens there: spans dropped
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ header: true, ownTrace: true, linkedToCaller: true });
});
