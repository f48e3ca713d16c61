import { createWorkspace, insertPendingLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * reserve_capacity() for a buyer without caps (migrations/0024): one upsert of its three period counters. The
 * counters are still kept, so a cap set later counts the leads already reserved in its period, and a buyer
 * whose caps are set while leads are being counted neither deadlocks nor goes over them. Real Postgres.
 */
const stack = useTestStack({ worker: false });
let source: { id: string };

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
});

const newLead = () => insertPendingLead(stack, source.id, {}, { emailHash: null });

/** reserve_capacity() for a new lead, in its own autocommit statement as lock_and_decide() calls it. */
async function reserve(buyerId: string): Promise<{ reserved: boolean; capped_period: string | null }> {
  const { rows } = await stack.db.raw('SELECT * FROM reserve_capacity(?::uuid, ?::uuid, NULL, NULL, NULL)', [await newLead(), buyerId]);
  return rows[0];
}

const used = async (buyerId: string) => Object.fromEntries(
  (await stack.db('capacity_counters').where({ workspace_id: buyerId }).select('period', 'used')).map((r) => [r.period, r.used]),
);

test('a buyer without caps is counted in all three periods, and a daily cap set later counts those leads', async () => {
  const buyer = await createWorkspace(stack, { name: 'Uncapped', kind: 'partner' });
  for (let i = 0; i < 3; i++) expect(await reserve(buyer.id)).toMatchObject({ reserved: true, capped_period: null });
  expect(await used(buyer.id)).toEqual({ hourly: 3, daily: 3, monthly: 3 });

  const res = await stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${buyer.id}`, headers: { authorization: `Bearer ${stack.adminToken}` }, payload: { caps: { daily: 4 } } });
  expect(res.statusCode).toBe(200);
  expect(await reserve(buyer.id)).toMatchObject({ reserved: true });
  expect(await reserve(buyer.id)).toMatchObject({ reserved: false, capped_period: 'daily' });
  expect(await used(buyer.id)).toEqual({ hourly: 4, daily: 4, monthly: 4 });
});

test('a reservation of an uncapped buyer given back is uncounted in all three periods', async () => {
  const buyer = await createWorkspace(stack, { name: 'Gives back', kind: 'partner' });
  const leadId = await newLead();
  await stack.db.raw('SELECT * FROM reserve_capacity(?::uuid, ?::uuid, NULL, NULL, NULL)', [leadId, buyer.id]);
  await reserve(buyer.id);
  const { rows: [{ ws }] } = await stack.db.raw('SELECT release_capacity(?::uuid, ?) AS ws', [leadId, 'rejected_by_buyer']);
  expect(ws).toBe(buyer.id);
  expect(await used(buyer.id)).toEqual({ hourly: 1, daily: 1, monthly: 1 });
});

test('caps set while 60 leads are being reserved 12 at a time: no deadlock, every lead counted, the cap never passed', async () => {
  const buyer = await createWorkspace(stack, { name: 'Capped mid-flight', kind: 'partner' });
  const outcomes: boolean[] = [];
  let patched = false;
  const queue = Array.from({ length: 60 }, (_, i) => i);
  await Promise.all(Array.from({ length: 12 }, async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      if (i === 20 && !patched) {
        patched = true;
        // Both paths now run at once on the same three rows: the upsert's and the locking one's.
        await stack.db('workspaces').where({ id: buyer.id }).update({ cap_hourly: 40 });
      }
      outcomes.push((await reserve(buyer.id)).reserved);
    }
  }));
  const reserved = outcomes.filter(Boolean).length;
  expect(reserved).toBe(40);
  expect(await used(buyer.id)).toEqual({ hourly: 40, daily: 40, monthly: 40 });
  expect(await stack.db('capacity_reservations').where({ workspace_id: buyer.id }).whereNull('released_at').count('* as n').first()).toEqual({ n: '40' });
});
