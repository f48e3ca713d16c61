import fs from 'node:fs';
import path from 'node:path';
import { createWorkspace, insertPendingLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * release_capacity() (migrations/0027) locks a buyer's period counters in reserve_capacity()'s order, so a
 * rejection racing a reservation of the same capped buyer cannot deadlock (SQLSTATE 40P01). Real Postgres:
 * both functions are called as lock_and_decide() calls them, each in its own statement, many at once.
 */
const stack = useTestStack({ worker: false });
let source: { id: string };

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
});

const newLead = () => insertPendingLead(stack, source.id, {}, { emailHash: null });

async function reserve(leadId: string, buyerId: string): Promise<boolean> {
  const { rows } = await stack.db.raw('SELECT reserved FROM reserve_capacity(?::uuid, ?::uuid, NULL, NULL, NULL)', [leadId, buyerId]);
  return rows[0].reserved as boolean;
}

const release = (leadId: string) => stack.db.raw('SELECT release_capacity(?::uuid, ?)', [leadId, 'rejected_by_buyer']);

/** Runs `fn` and returns the SQLSTATE it failed with, or null. */
async function sqlState(fn: () => Promise<unknown>): Promise<string | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

test('300 rejections racing 300 reservations of one capped buyer, 8 pairs at a time: no deadlock, counters exact', async () => {
  // Caps far above what the test reserves: every reservation takes the locking path (0003's), none is refused.
  const buyer = await createWorkspace(stack, { name: 'Capped', kind: 'partner', caps: { hourly: 100_000, daily: 100_000, monthly: 100_000 } });
  const pairs = 300;
  const toRelease: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const leadId = await newLead();
    expect(await reserve(leadId, buyer.id)).toBe(true);
    toRelease.push(leadId);
  }
  const toReserve = await Promise.all(Array.from({ length: pairs }, newLead));

  const failures: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < pairs; i = next++) {
      const [a, b] = await Promise.all([sqlState(() => release(toRelease[i]!)), sqlState(() => reserve(toReserve[i]!, buyer.id))]);
      for (const code of [a, b]) if (code) failures.push(code);
    }
  }));

  expect(failures).toEqual([]); // 0003's function: several 40P01 (deadlock_detected) here
  const counters = await stack.db('capacity_counters').where({ workspace_id: buyer.id }).select('period', 'used');
  expect(Object.fromEntries(counters.map((r) => [r.period, r.used]))).toEqual({ hourly: pairs, daily: pairs, monthly: pairs });
  const live = await stack.db('capacity_reservations').where({ workspace_id: buyer.id }).whereNull('released_at').pluck('lead_id');
  expect(live.sort()).toEqual([...toReserve].sort());
});

test('release_capacity() still gives back exactly one reservation, once', async () => {
  const buyer = await createWorkspace(stack, { name: 'Gives back', kind: 'partner', caps: { daily: 10 } });
  const [kept, given] = [await newLead(), await newLead()];
  await reserve(kept, buyer.id);
  await reserve(given, buyer.id);
  const first = await stack.db.raw('SELECT release_capacity(?::uuid, ?) AS ws', [given, 'rejected_by_buyer']);
  const again = await stack.db.raw('SELECT release_capacity(?::uuid, ?) AS ws', [given, 'rejected_by_buyer']);
  expect(first.rows[0].ws).toBe(buyer.id);
  expect(again.rows[0].ws).toBeNull();
  const counters = await stack.db('capacity_counters').where({ workspace_id: buyer.id }).select('period', 'used');
  expect(Object.fromEntries(counters.map((r) => [r.period, r.used]))).toEqual({ hourly: 1, daily: 1, monthly: 1 });
});

test('0027 down() restores 0003\'s release_capacity() text exactly; up() again locks in order', async () => {
  const m0027 = await import('../../migrations/0027_release_capacity_lock_order');
  const source = async () => (await stack.db.raw("SELECT prosrc FROM pg_proc WHERE proname = 'release_capacity'")).rows[0].prosrc as string;
  const text0003 = fs.readFileSync(path.join(__dirname, '../../migrations/0003_routing_engine.ts'), 'utf8');
  const body0003 = /CREATE FUNCTION release_capacity\(p_lead_id uuid, p_reason text\) RETURNS uuid\s+LANGUAGE plpgsql AS \$\$([\s\S]*?)\$\$;/.exec(text0003)![1];
  expect(await source()).toContain('ORDER BY c.period FOR UPDATE');
  await m0027.down(stack.db);
  expect(await source()).toBe(body0003);
  await m0027.up(stack.db);
  expect(await source()).toContain('ORDER BY c.period FOR UPDATE');
});
