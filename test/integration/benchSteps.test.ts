import { createDb, type Db } from '../../lib/db/createDb';
import { measureDatabaseCeiling, measureSteps, seedRoutingData } from '../../scripts/bench/routingSteps';
import { createTestDatabase } from '../support/stack';

/**
 * `npm run bench`'s routing phases (scripts/bench/routingSteps.ts) on a small scale, so that a change of the
 * activities they drive breaks here and not in the middle of a measurement (a concurrent phase once failed every
 * call after the step phase learnt to read routing.rules.latency). Real Postgres; no timing is asserted.
 */
let db: Db;

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 6 });
});
afterAll(async () => {
  await db?.destroy();
});

test('the step phase times every path (legacy, read back, handed over) and the concurrent ceiling routes without errors', async () => {
  const data = await seedRoutingData(db, 50);
  const steps = await measureSteps(db, data, 20, 5);
  for (const summary of [steps.lock, steps.decide, steps.lockAndDecide, steps.lockAndDecideDecide, steps.handedOff?.lockAndDecide, steps.handedOff?.decide, steps.complete]) {
    expect(summary?.p50).toBeGreaterThan(0);
  }
  const ceiling = await measureDatabaseCeiling(db, data, { concurrency: 4, durationSeconds: 2, maxLeads: 400 });
  expect(ceiling).toMatchObject({ errors: 0 });
  expect(ceiling.completed).toBeGreaterThan(0);
}, 60_000);
