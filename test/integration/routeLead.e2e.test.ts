import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: true });
let source: { id: string; apiKey?: string };
let californiaBuyer: { id: string };
let texasBuyer: { id: string };

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Acme Leads', kind: 'source' });
  californiaBuyer = await createWorkspace(stack, { name: 'CA Insurance', kind: 'partner' });
  texasBuyer = await createWorkspace(stack, { name: 'TX Mortgages', kind: 'partner' });
  await createRule(stack, {
    name: 'Texas mortgages',
    priority: 10,
    conditions: { all: [{ field: 'state', op: 'eq', value: 'TX' }, { field: 'product', op: 'in', value: ['mortgage', 'heloc'] }] },
    destinations: [{ workspaceId: texasBuyer.id }],
  });
  await createRule(stack, {
    name: 'West coast',
    priority: 20,
    conditions: { any: [{ field: 'state', op: 'in', value: ['CA', 'OR', 'WA'] }] },
    destinations: [{ workspaceId: californiaBuyer.id }],
  });
});

/** The activity type recorded by a local activity's marker (the SDK stores it as JSON in the marker data). */
function localActivityName(marker: { markerName?: string | null; details?: Record<string, { payloads?: Array<{ data?: Uint8Array | null }> | null }> | null } | null | undefined) {
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type : undefined;
}

async function routedLead(leadId: string) {
  return waitFor(`lead ${leadId} to finish routing`, async () => {
    const res = await stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization: `Bearer ${source.apiKey}` } });
    const body = res.json();
    return body.status === 'routed' || body.status === 'failed' ? body : undefined;
  });
}

test('a POSTed lead is routed to the destination of the first matching rule, through a real workflow', async () => {
  const res = await postLead(stack, source.apiKey!, aLead({ state: 'TX', product: 'mortgage' }));
  expect(res.statusCode).toBe(202);
  const { leadId, statusUrl } = res.json();
  expect(statusUrl).toBe(`/api/leads/${leadId}`);

  const lead = await routedLead(leadId);
  expect(lead).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: texasBuyer.id, attempts: 1 });
  expect(lead.routedAt).toEqual(expect.any(String));
  expect(lead.decision.rules[0]).toMatchObject({ ruleName: 'Texas mortgages', matched: true });

  // The workflow's history shows the attempt as ONE local activity (lock + decide, deliver, complete:
  // activities/routeAttempt.ts) of ONE workflow task (issue 10: a second task, or an activity task, costs the
  // Temporal server as much as a whole lead), and one search-attribute upsert.
  // The lead row is committed by the completion before the workflow records that local activity's marker,
  // so wait for the run to close before reading its history.
  const handle = stack.client.workflow.getHandle(routeLeadWorkflowId(leadId));
  await handle.result();
  const history = await handle.fetchHistory();
  const activities = (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityName(e.markerRecordedEventAttributes))
    .filter(Boolean);
  expect(activities).toEqual(['routeAttempt']);
  // One upsert of ours (the SDK's own TemporalChangeVersion upsert, with the patch marker, aside).
  const upserts = (history.events ?? [])
    .map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort())
    .filter((keys) => keys.length > 0 && !keys.includes('TemporalChangeVersion'));
  expect(upserts).toEqual([['DestinationWorkspaceId', 'RoutingAttempts', 'RoutingStatus'].sort()]);
  expect((history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
  expect((history.events ?? []).filter((e) => e.workflowTaskScheduledEventAttributes)).toHaveLength(1);

  // Operators find it by search attribute (visibility is eventually consistent: wait for the final value).
  const description = await waitFor('search attributes to show routed', async () => {
    const d = await handle.describe();
    return d.searchAttributes.RoutingStatus?.[0] === 'routed' ? d : undefined;
  });
  expect(description.searchAttributes.RoutingStatus).toEqual(['routed']);
  expect(description.searchAttributes.DestinationWorkspaceId).toEqual([texasBuyer.id]);
  expect(description.searchAttributes.SourceWorkspaceId).toEqual([source.id]);

  // And one audit row explains it.
  const logs = await stack.db('lead_routing_logs').where({ lead_id: leadId });
  expect(logs).toHaveLength(1);
  expect(logs[0]).toMatchObject({ routing_result: 'success', destination_workspace_id: texasBuyer.id, attempt: 1 });
});

test('the first failing predicate of each rule that did not match is in the decision trace', async () => {
  const res = await postLead(stack, source.apiKey!, aLead({ state: 'OR', product: 'auto' }), '?wait=10000');
  expect(res.statusCode).toBe(200);
  const lead = res.json();
  expect(lead).toMatchObject({ status: 'routed', destinationWorkspaceId: californiaBuyer.id });
  expect(lead.decision.rules).toEqual([
    expect.objectContaining({ ruleName: 'Texas mortgages', matched: false, failedAt: { path: 'conditions.all[0]', field: 'state', op: 'eq' } }),
    expect.objectContaining({ ruleName: 'West coast', matched: true }),
  ]);
});

test('a lead no rule matches ends failed with reason no_matching_rule', async () => {
  const res = await postLead(stack, source.apiKey!, aLead({ state: 'NY' }), '?wait=10000');
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({ status: 'failed', result: 'failed', lastError: 'no_matching_rule', destinationWorkspaceId: null });
});

test('a source cannot see another source\'s lead, an admin can (with its Temporal UI link)', async () => {
  const other = await createWorkspace(stack, { name: 'Other source', kind: 'source' });
  const res = await postLead(stack, source.apiKey!, aLead());
  const { leadId } = res.json();
  const asOther = await stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization: `Bearer ${other.apiKey}` } });
  expect(asOther.statusCode).toBe(404);
  const asAdmin = await stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(asAdmin.statusCode).toBe(200);
  expect(asAdmin.json().temporalUiUrl).toContain(`/workflows/${routeLeadWorkflowId(leadId)}`);
});
