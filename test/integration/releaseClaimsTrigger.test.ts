import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';

/**
 * leads_release_claims_on_failure (migration 0003, fired only when it has work since 0022): a lead that ends
 * failed gives up its person's identity claims, so that another partner's lead for the same person can be
 * routed; a routed lead keeps them (invariant 3: routed once). Both paths on the real stack.
 */
const stack = useTestStack({ worker: true });
const buyer = useBuyerServer();

test('a lead that ends failed gives its identity claims up; a routed one keeps its own', async () => {
  const source = await createWorkspace(stack, { name: 'Claims source', kind: 'source' });
  const refuses = await createWorkspace(stack, { name: 'Refusing buyer', kind: 'partner', deliveryUrl: buyer.url('/refuse') });
  const takes = await createWorkspace(stack, { name: 'Taking buyer', kind: 'partner', deliveryUrl: buyer.url('/take') });
  buyer.respondWith('/refuse', [400, 400, 400]);
  buyer.respondWith('/take', [200, 200]);
  await createRule(stack, { name: 'refused', priority: 3, conditions: { all: [{ field: 'product', op: 'eq', value: 'claims-refused' }] }, destinations: [{ workspaceId: refuses.id }] });
  await createRule(stack, { name: 'taken', priority: 4, conditions: { all: [{ field: 'product', op: 'eq', value: 'claims-taken' }] }, destinations: [{ workspaceId: takes.id }] });

  const failed = (await postLead(stack, source.apiKey!, aLead({ product: 'claims-refused', email: 'claims.failed.s8@outlook.com' }), '?wait=10000')).json();
  const routed = (await postLead(stack, source.apiKey!, aLead({ product: 'claims-taken', email: 'claims.routed.s8@outlook.com' }), '?wait=10000')).json();
  const status = async (id: string) => (await stack.db('leads').where({ id }).first()).routing_status as string;
  await waitFor('both leads decided', async () => ((await status(failed.leadId)) === 'failed' && (await status(routed.leadId)) === 'routed' ? true : undefined));

  expect(await stack.db('identity_claims').where({ lead_id: failed.leadId })).toEqual([]);
  expect(await stack.db('identity_claims').where({ lead_id: routed.leadId }).count('* as n')).toEqual([{ n: '1' }]);
  expect(await stack.db('capacity_reservations').where({ lead_id: routed.leadId }).whereNull('released_at').count('* as n')).toEqual([{ n: '1' }]);
  expect(await stack.db('capacity_reservations').where({ lead_id: failed.leadId }).whereNull('released_at').count('* as n')).toEqual([{ n: '0' }]);

  // The same person from another lead now routes (the failed lead's claim is gone).
  const again = (await postLead(stack, source.apiKey!, aLead({ product: 'claims-taken', email: 'claims.failed.s8@outlook.com' }), '?wait=10000')).json();
  expect(again).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: takes.id });
}, 60_000);
