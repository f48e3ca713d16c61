import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { FUZZ_STACK_ENV, QUICK, runSchemathesis, seedFuzzTargets, summarize, type FuzzTargets } from '../../scripts/fuzz/schemathesis';
import { useBuyerServer, useTestStack } from '../support/useStack';

/**
 * The short Schemathesis run (issue 7): property-based requests generated from /openapi.json against the real
 * API (listening on a port), Postgres, Temporal and a worker. Every generated request, valid or not, must
 * get no 5xx, a documented status, and a body matching the documented schema; the stack's response-schema
 * guard also turns any answer that would lose a property into a 500. The long run is `npm run fuzz`
 * (scripts/fuzz/schemathesis.ts); failures it found are pinned in fuzzRegressions.test.ts.
 */

const stack = useTestStack({ worker: true, env: FUZZ_STACK_ENV });
const buyer = useBuyerServer({ idempotent: false });
let apiUrl: string;
let targets: FuzzTargets;

beforeAll(async () => {
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  apiUrl = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
  // A source (the fuzzer's key), a buyer and a catch-all rule, each with a decoy that takes the fuzzer's changes.
  targets = await seedFuzzTargets(apiUrl, stack.adminToken, buyer.url('/leads'));
});

test('Schemathesis finds no 5xx, no undocumented status and no schema violation', async () => {
  const reportDir = path.resolve(__dirname, '../../.data/fuzz', `jest-${crypto.randomBytes(4).toString('hex')}`);
  const result = await runSchemathesis({
    apiUrl,
    ...targets,
    adminToken: stack.adminToken,
    ...QUICK,
    phases: [...QUICK.phases],
    workers: 1,
    reportDir,
  });
  console.log(summarize(result));
  const failed = result.failures.length > 0 || result.errors.length > 0 || result.exitCode !== 0;
  // On failure the assertion shows Schemathesis' own report: each failure with a curl that reproduces it.
  expect({ failures: result.failures, errors: result.errors, exitCode: result.exitCode, output: failed ? result.output : '' })
    .toEqual({ failures: [], errors: [], exitCode: 0, output: '' });
  // Every operation the API documents was exercised (the count is the committed contract's, docs/openapi.json).
  const documented = JSON.parse(fs.readFileSync(path.join(__dirname, '../../docs/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.values(documented.paths).reduce((n, methods) => n + Object.keys(methods).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).length, 0);
  expect(operations).toBeGreaterThanOrEqual(17);
  expect(result.operations).toEqual({ total: operations, tested: operations });
  expect(result.generated).toBeGreaterThan(500);
  fs.rmSync(reportDir, { recursive: true, force: true }); // kept only when the run failed
}, 180_000);
