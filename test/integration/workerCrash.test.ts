import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';
import { spawnWorkerProcess } from '../support/workerProcess';

/** Invariant 1 under a worker crash: SIGKILL while the routing lock is held, mid-delivery (a local activity). */
const stack = useTestStack({ worker: false });
const buyer = useBuyerServer();

test('a worker killed with SIGKILL while holding the lock: after a restart the lead is routed once, delivered once', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const partner = await createWorkspace(stack, { name: 'Slow buyer', kind: 'partner', deliveryUrl: buyer.url('/slow') });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: partner.id }] });
  buyer.respondWith('/slow', ['hang', 200]); // the first delivery never answers

  const { child: worker, exited } = spawnWorkerProcess(stack, { LOG_LEVEL: 'silent' });
  const res = await postLead(stack, source.apiKey!, aLead());
  const { leadId } = res.json();

  // The worker is inside the delivery: the lead is locked by the workflow run.
  await waitFor('the first delivery to reach the buyer', async () => (buyer.received.some((r) => r.path === '/slow') ? true : undefined), { timeoutMs: 90_000 });
  const locked = await stack.db('leads').where({ id: leadId }).first();
  expect(locked).toMatchObject({ routing_status: 'routing' });
  expect(locked.routing_lock_owner).toMatch(new RegExp(`^route-lead-${leadId}/`));
  worker.kill('SIGKILL');
  await exited;

  await stack.startWorker(); // a fresh worker picks the workflow up where history says it was
  const routed = await waitFor('the lead to be routed after the crash', async () => {
    const row = await stack.db('leads').where({ id: leadId }).first();
    return row.routing_status === 'routed' ? row : undefined;
  }, { timeoutMs: 90_000 });

  expect(routed).toMatchObject({ routing_result: 'success', destination_workspace_id: partner.id });
  expect(await stack.db('lead_routing_logs').where({ lead_id: leadId }).count('* as n')).toEqual([{ n: '1' }]);
  expect(buyer.acceptedKeys('/slow')).toEqual([leadId]); // delivered (accepted) exactly once
  expect(buyer.received.filter((r) => r.path === '/slow').map((r) => r.idempotencyKey)).toEqual([leadId, leadId]);

  // The delivery is inside the attempt's local activity (routeAttempt), in the run's workflow task (issue 10):
  // the crash was noticed at the task's timeout, the next worker ran the task again (same run: it re-entered
  // its own lock and found its decision), and only the attempt that finished is in the history.
  const handle = stack.client.workflow.getHandle(`route-lead-${leadId}`);
  await handle.result();
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
  expect(events.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
  const localDeliveries = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && Buffer.from(e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data ?? []).toString('utf8').includes('"routeAttempt"'));
  expect(localDeliveries).toHaveLength(1);
}, 150_000);
