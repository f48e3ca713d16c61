import { createDb, type Db } from '../../lib/db/createDb';
import { createRulesCache } from '../../lib/store/rulesCache';
import { measureDecideParts } from '../../scripts/bench/decideParts';
import { seedRoutingData } from '../../scripts/bench/routingSteps';
import { createTestDatabase } from '../support/stack';

/**
 * `npm run bench:decide` (scripts/bench/decideParts.ts) on a small scale, so that a change of decide() or of the
 * rules' walk breaks here and not in the middle of a measurement. Real Postgres; no timing is asserted.
 */
let db: Db;

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 2 });
});
afterAll(async () => {
  await db?.destroy();
});

test('both phases time every lead: decide() with its JS and statement parts, and the two walks taking turns', async () => {
  const data = await seedRoutingData(db, 60);
  const loadRules = createRulesCache();
  const parts = await measureDecideParts(db, data, loadRules, 12);
  expect(parts.decide.total).toHaveLength(12);
  parts.decide.total.forEach((total, i) => {
    expect(parts.decide.statement[i]).toBeGreaterThan(0);
    expect(total).toBeCloseTo(parts.decide.js[i]! + parts.decide.statement[i]!, 6);
  });
  expect(parts.walk.snapshot).toHaveLength(6);
  expect(parts.walk.plain).toHaveLength(6);
  expect(Math.min(...parts.walk.rulesChecked)).toBeGreaterThan(0); // every lead was checked against some rule
}, 60_000);
