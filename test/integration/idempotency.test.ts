import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { aLead, createCatchAllRouting, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: true });
let source: { id: string; apiKey?: string };
let buyer: { id: string };

beforeAll(async () => {
  ({ source, buyer } = await createCatchAllRouting(stack));
});

test('100 concurrent POSTs of one externalId create exactly one lead and one routing', async () => {
  const lead = aLead({ externalId: 'same-external-id' });
  const responses = await Promise.all(Array.from({ length: 100 }, () => postLead(stack, source.apiKey!, lead)));

  const statuses = responses.map((r) => r.statusCode);
  expect(statuses.filter((s) => s === 202)).toHaveLength(1); // the one that created it
  expect(statuses.filter((s) => s === 200)).toHaveLength(99); // everyone else: the same lead
  const leadIds = new Set(responses.map((r) => r.json().leadId));
  expect(leadIds.size).toBe(1);
  const [leadId] = [...leadIds] as [string];

  const rows = await stack.db('leads').where({ source_workspace_id: source.id, external_id: 'same-external-id' });
  expect(rows).toHaveLength(1);

  await waitFor('the lead to be routed', async () => {
    const row = await stack.db('leads').where({ id: leadId }).first();
    return row.routing_status === 'routed' ? row : undefined;
  });
  const logs = await stack.db('lead_routing_logs').where({ lead_id: leadId });
  expect(logs).toHaveLength(1);
  expect(logs[0].destination_workspace_id).toBe(buyer.id);

  // Exactly one workflow run exists for the lead. Visibility is eventually consistent: wait until it lists
  // the run as closed, then count.
  const runs = await waitFor('the run to be listed as closed', async () => {
    const listed = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${routeLeadWorkflowId(leadId)}'` })) listed.push(wf);
    return listed.length > 0 && listed.every((wf) => wf.status.name !== 'RUNNING') ? listed : undefined;
  });
  expect(runs).toHaveLength(1);
});

test('a repeat after routing returns the finished lead with 200 and starts nothing new', async () => {
  const lead = aLead();
  const first = await postLead(stack, source.apiKey!, lead, '?wait=10000');
  expect(first.statusCode).toBe(200);
  expect(first.json().status).toBe('routed');
  const again = await postLead(stack, source.apiKey!, lead);
  expect(again.statusCode).toBe(200);
  expect(again.json()).toMatchObject({ leadId: first.json().leadId, status: 'routed', repeated: true, destinationWorkspaceId: buyer.id });
  expect(await stack.db('lead_routing_logs').where({ lead_id: first.json().leadId }).count('* as n')).toEqual([{ n: '1' }]);
});

test('the same externalId from two different sources is two leads', async () => {
  const other = await createWorkspace(stack, { name: 'Other source', kind: 'source' });
  const lead = aLead({ externalId: 'shared-id' });
  const [a, b] = await Promise.all([postLead(stack, source.apiKey!, lead), postLead(stack, other.apiKey!, lead)]);
  expect(a.statusCode).toBe(202);
  expect(b.statusCode).toBe(202);
  expect(a.json().leadId).not.toBe(b.json().leadId);
});
