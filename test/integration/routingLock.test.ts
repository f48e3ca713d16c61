import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { acquireRoutingLock, completeRouting, type Completion } from '../../lib/store/routing';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createCatchAllRouting, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });
let source: { id: string; apiKey?: string };
let buyer: { id: string };

beforeAll(async () => {
  ({ source, buyer } = await createCatchAllRouting(stack));
});

/** A pending lead straight in the database (no workflow), to drive the SQL functions by hand. */
async function pendingLead(): Promise<string> {
  const [row] = await stack.db('leads')
    .insert({ source_workspace_id: source.id, external_id: `lock-${Math.random()}`, email_hash: 'h', payload: {}, expires_at: stack.db.raw("now() + interval '90 days'") })
    .returning('id');
  return row.id;
}

const success = (leadId: string, owner: string): Completion => ({
  leadId, owner, result: 'success', destinationWorkspaceId: buyer.id, ruleId: null, ruleVersion: null,
  duplicateOfLeadId: null, errorCode: null, errorMessage: null, decision: { rules: [] }, durationMs: 5,
});

describe('acquire_routing_lock / complete_routing (invariant 5 and 1, in SQL)', () => {
  test('the owner re-enters its lock; another owner is refused until the lock is stale, then takes it over', async () => {
    const leadId = await pendingLead();
    expect(await acquireRoutingLock(stack.db, leadId, 'run-A', 300)).toMatchObject({ acquired: true, outcome: 'acquired', status: 'routing', attempts: 1 });
    expect(await acquireRoutingLock(stack.db, leadId, 'run-A', 300)).toMatchObject({ acquired: true, outcome: 'reentered', attempts: 2 });
    expect(await acquireRoutingLock(stack.db, leadId, 'run-B', 300)).toMatchObject({ acquired: false, outcome: 'held_by_other', lockOwner: 'run-A' });

    // Age the lock past the default 5 minutes (clock injected through the row, not by sleeping).
    await stack.db('leads').where({ id: leadId }).update({ routing_locked_at: stack.db.raw("now() - interval '301 seconds'") });
    expect(await acquireRoutingLock(stack.db, leadId, 'run-B', 300)).toMatchObject({ acquired: true, outcome: 'taken_over_stale', lockOwner: 'run-B' });

    // The old owner can no longer complete; the new one can, exactly once.
    expect((await completeRouting(stack.db, success(leadId, 'run-A'))).outcome).toBe('lock_lost');
    expect((await completeRouting(stack.db, success(leadId, 'run-B'))).outcome).toBe('completed');
    expect((await completeRouting(stack.db, success(leadId, 'run-B'))).outcome).toBe('already_completed');
    expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);
    // A finished lead cannot be locked again by anyone.
    expect(await acquireRoutingLock(stack.db, leadId, 'run-C', 0)).toMatchObject({ acquired: false, outcome: 'not_routable', status: 'routed' });
  });

  test('the stale threshold is a parameter: a 60 s threshold lets a 61 s old lock go, a 120 s one does not', async () => {
    const leadId = await pendingLead();
    await acquireRoutingLock(stack.db, leadId, 'run-A', 60);
    await stack.db('leads').where({ id: leadId }).update({ routing_locked_at: stack.db.raw("now() - interval '61 seconds'") });
    expect((await acquireRoutingLock(stack.db, leadId, 'run-B', 120)).acquired).toBe(false);
    expect((await acquireRoutingLock(stack.db, leadId, 'run-B', 60)).acquired).toBe(true);
  });

  test('of 20 owners racing for one pending lead, exactly one gets the lock', async () => {
    const leadId = await pendingLead();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => acquireRoutingLock(stack.db, leadId, `run-${i}`, 300)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  test('the database refuses to rewrite a routed decision or to route without the lock', async () => {
    const leadId = await pendingLead();
    await acquireRoutingLock(stack.db, leadId, 'run-A', 300);
    await completeRouting(stack.db, success(leadId, 'run-A'));
    const other = await createWorkspace(stack, { name: 'Other buyer', kind: 'partner' });
    await expect(stack.db('leads').where({ id: leadId }).update({ destination_workspace_id: other.id })).rejects.toThrow(/already routed/);
    await expect(stack.db('leads').where({ id: leadId }).update({ routing_status: 'pending', routing_result: null, destination_workspace_id: null, routed_at: null }))
      .rejects.toThrow(/already routed/);

    const unlocked = await pendingLead();
    expect((await completeRouting(stack.db, success(unlocked, 'run-A'))).outcome).toBe('lock_lost');
    await expect(stack.db('leads').where({ id: unlocked }).update({ routing_status: 'routed', routing_result: 'success', routed_at: stack.db.fn.now() }))
      .rejects.toThrow(/leads_success_has_one_destination/);
  });
});

describe('through Temporal', () => {
  test('a retried attempt of the same workflow re-acquires its own lock and the lead is routed once', async () => {
    let calls = 0;
    await stack.startWorker({
      activities: (base) => ({
        ...base,
        // The attempt's first try takes the lock and decides (committed), then "crashes" before delivering;
        // Temporal retries the attempt, which re-enters its lock and finds its decision.
        routeAttempt: async (input: { leadId: string; excludeDestinations: string[] }) => {
          calls += 1;
          if (Context.current().info.attempt === 1) {
            await (base.lockAndDecide as (i: typeof input) => Promise<unknown>)(input);
            throw ApplicationFailure.retryable('simulated crash after taking the lock');
          }
          return (base.routeAttempt as (i: typeof input) => Promise<unknown>)(input);
        },
      }),
    });
    const res = await postLead(stack, source.apiKey!, aLead());
    const { leadId } = res.json();
    const lead = await waitFor('routing', async () => {
      const row = await stack.db('leads').where({ id: leadId }).first();
      return row.routing_status === 'routed' ? row : undefined;
    });
    expect(calls).toBe(2);
    expect(lead).toMatchObject({ routing_result: 'success', destination_workspace_id: buyer.id, routing_attempts: 2 });
    expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);
  });
});
