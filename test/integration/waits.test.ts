import crypto from 'node:crypto';
import { scheduleRetry } from '../../lib/store/routing';
import { waitFor } from '../../scripts/local/waitFor';
import { deferred } from '../support/deferred';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';

/**
 * A lead that has to wait loses nothing by it: a possible duplicate waits for its original to be decided
 * (and takes the person if the original fails), and waits for cap resets never use up the retries that
 * failed attempts get.
 */
// The held buyer answers when the test says; a delivery timeout must not overtake it on a slow machine.
const stack = useTestStack({ worker: true, env: { DELIVERY_TIMEOUT_MS: '60000', ADMISSION_IN_FLIGHT_SECONDS: '120', ROUTING_MAX_ATTEMPTS: '3' } });
const buyer = useBuyerServer();
let partnerA: { id: string; apiKey?: string };
let partnerB: { id: string; apiKey?: string };
let target: { id: string };

beforeAll(async () => {
  partnerA = await createWorkspace(stack, { name: 'Partner A', kind: 'source' });
  partnerB = await createWorkspace(stack, { name: 'Partner B', kind: 'source' });
  target = await createWorkspace(stack, { name: 'The only buyer', kind: 'partner', deliveryUrl: buyer.url('/buyer') });
  await createRule(stack, { name: 'everything', priority: 1, destinations: [{ workspaceId: target.id }] });
});

const lead = (id: string) => stack.db('leads').where({ id }).first();

/** Partner A's lead is at the buyer (held there); partner B sends the same person, who waits for it. */
async function originalAtBuyerAndSecondWaiting(firstAnswer: number) {
  const answer = deferred();
  buyer.respondWith('/buyer', [{ status: firstAnswer, heldUntil: answer.promise }, 200]);
  const email = `person.${crypto.randomUUID()}@outlook.com`;
  const original = (await postLead(stack, partnerA.apiKey!, aLead({ email }))).json().leadId as string;
  await waitFor('the original to reach the buyer', async () => (buyer.received.some((r) => r.idempotencyKey === original) ? true : undefined));

  const second = (await postLead(stack, partnerB.apiKey!, aLead({ email: email.toUpperCase() }))).json().leadId as string;
  const waiting = await waitFor('the second lead to wait for the original', async () => {
    const row = await lead(second);
    return row.last_error === 'original_in_flight' ? row : undefined;
  });
  expect(waiting.routing_result).toBeNull(); // not a duplicate (yet): the original may still fail
  return { original, second, release: answer.resolve };
}

async function decided(id: string) {
  return waitFor(`lead ${id} decided`, async () => {
    const row = await lead(id);
    return ['routed', 'failed', 'expired'].includes(row.routing_status) ? row : undefined;
  });
}

test('the original is routed: the lead that waited for it is its duplicate and is never delivered', async () => {
  const { original, second, release } = await originalAtBuyerAndSecondWaiting(200);
  release();
  expect(await decided(original)).toMatchObject({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: target.id });
  expect(await decided(second)).toMatchObject({ routing_status: 'routed', routing_result: 'duplicate', duplicate_of_lead_id: original, destination_workspace_id: null });
  expect(buyer.received.filter((r) => r.idempotencyKey === second)).toEqual([]);
  // Its waits are in the ledger as waits, all processed.
  const ledger = await stack.db('lead_routing_queue').where({ lead_id: second });
  expect(ledger.length).toBeGreaterThan(0);
  expect(ledger.every((r) => !r.counts_toward_max_attempts && r.processed_at !== null && r.last_error === 'original_in_flight')).toBe(true);
});

test('the original fails (its only buyer rejects it): the lead that waited takes the person and is routed', async () => {
  const { original, second, release } = await originalAtBuyerAndSecondWaiting(422);
  release();
  expect(await decided(original)).toMatchObject({ routing_status: 'failed', last_error: 'no_eligible_destination' });
  expect(await decided(second)).toMatchObject({ routing_status: 'routed', routing_result: 'success', destination_workspace_id: target.id, duplicate_of_lead_id: null });
  expect(buyer.acceptedKeys('/buyer')).toContain(second);
  expect(buyer.acceptedKeys('/buyer')).not.toContain(original);
  // The person is now the second lead's: a third submission is its duplicate.
  const third = await postLead(stack, partnerA.apiKey!, aLead({ email: (await stack.db('leads').where({ id: second }).first()).payload.email }), '?wait=10000');
  expect(third.json()).toMatchObject({ status: 'routed', result: 'duplicate', duplicateOfLeadId: second });
});

test('an operator\'s retry of a lead that used up its attempts gives it a fresh set', async () => {
  const down = await createWorkspace(stack, { name: 'Down buyer', kind: 'partner', deliveryUrl: buyer.url('/down') });
  await createRule(stack, { name: 'down', priority: 0, conditions: { all: [{ field: 'product', op: 'eq', value: 'down-test' }] }, destinations: [{ workspaceId: down.id }] });
  buyer.respondWith('/down', [503]);
  const leadId = (await postLead(stack, partnerA.apiKey!, aLead({ product: 'down-test' }))).json().leadId as string;
  expect(await decided(leadId)).toMatchObject({ routing_status: 'failed', last_error: 'retries_exhausted', routing_attempts: 3 });

  // The buyer is fixed, but fails once more before it answers 200: the lead needs two attempts now.
  buyer.respondWith('/down', [503, 200]);
  const res = await stack.app.inject({ method: 'POST', url: `/api/admin/leads/${leadId}/retry`, headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(res.json()).toMatchObject({ leadId, outcome: 'started' });
  const routed = await waitFor(`lead ${leadId} routed after the retry`, async () => {
    const row = await lead(leadId);
    if (row.routing_status === 'failed' && row.routing_attempts > 3) throw new Error(`failed again: ${row.last_error}`);
    return row.routing_status === 'routed' ? row : undefined;
  });
  expect(routed).toMatchObject({ routing_result: 'success', destination_workspace_id: down.id, routing_attempts: 5 });
  expect(buyer.acceptedKeys('/down')).toEqual([leadId]);
});

describe('waits do not use up retries (scheduleRetry on the real database)', () => {
  const backoff = { baseSeconds: 10, maxSeconds: 3600, maxAttempts: 3 };
  const owner = 'route-lead-test/run';

  async function lockedLead(attempts: number): Promise<string> {
    const [row] = await stack.db('leads')
      .insert({
        source_workspace_id: partnerA.id,
        external_id: `waits-${crypto.randomUUID()}`,
        email_hash: crypto.randomBytes(16).toString('hex'),
        payload: {},
        routing_status: 'routing',
        routing_lock_owner: owner,
        routing_locked_at: stack.db.fn.now(),
        routing_attempts: attempts,
        expires_at: stack.db.raw("now() + interval '90 days'"),
      })
      .returning('id');
    return row.id;
  }
  const relock = (id: string) => stack.db('leads').where({ id }).update({ routing_status: 'routing', routing_lock_owner: owner, routing_locked_at: stack.db.fn.now(), routing_attempts: stack.db.raw('routing_attempts + 1') });

  test('after 11 cap-reset waits a failing buyer still gets its 3 attempts, with the backoff of a first failure', async () => {
    const id = await lockedLead(1);
    for (let i = 0; i < 11; i++) {
      const wait = await scheduleRetry(stack.db, id, owner, { at: new Date(Date.now() + 3_600_000).toISOString(), reason: 'all_destinations_capped', backoff });
      expect(wait.scheduled).toBe(true);
      await relock(id);
    }
    const before = Date.now();
    const first = await scheduleRetry(stack.db, id, owner, { at: null, reason: 'delivery_failed: HTTP 503', backoff });
    expect(first).toMatchObject({ scheduled: true, attempt: 12 });
    const delay = Date.parse((first as { nextRetryAt: string }).nextRetryAt) - before;
    expect(delay).toBeGreaterThanOrEqual(9_000); // base (10 s), not base x 2^11
    expect(delay).toBeLessThan(20_000);
    await relock(id);
    expect(await scheduleRetry(stack.db, id, owner, { at: null, reason: 'delivery_failed: HTTP 503', backoff })).toMatchObject({ scheduled: true, attempt: 13 });
    await relock(id);
    expect(await scheduleRetry(stack.db, id, owner, { at: null, reason: 'delivery_failed: HTTP 503', backoff })).toEqual({ scheduled: false, why: 'attempts_exhausted', failures: 3 });

    const ledger = await stack.db('lead_routing_queue').where({ lead_id: id }).orderBy('attempt_number');
    expect(ledger.map((r) => r.counts_toward_max_attempts)).toEqual([...Array(11).fill(false), true, true]);
  });

  test('scheduling the same attempt twice (a retried activity) counts it once', async () => {
    const id = await lockedLead(1);
    // With 2 attempts allowed, counting the repeat as a second failure would end the retries.
    const plan = { at: null, reason: 'delivery_failed: timeout', backoff: { ...backoff, maxAttempts: 2 } };
    expect(await scheduleRetry(stack.db, id, owner, plan)).toMatchObject({ scheduled: true, attempt: 1 });
    // Same attempt, lock re-entered (no new acquisition, so routing_attempts stays 1).
    await stack.db('leads').where({ id }).update({ routing_status: 'routing', routing_lock_owner: owner, routing_locked_at: stack.db.fn.now() });
    expect(await scheduleRetry(stack.db, id, owner, plan)).toMatchObject({ scheduled: true, attempt: 1 });
    expect(await stack.db('lead_routing_queue').where({ lead_id: id })).toHaveLength(1);
  });
});
