import crypto from 'node:crypto';
import { deliveryContext } from '../../lib/store/delivery';
import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/** The delivery's one read (lib/store/delivery.ts): the partner and the lead, each of which may be missing. */
const stack = useTestStack({ worker: false });

test('one statement gives the partner target and the lead payload, and tells which one is missing', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner', deliveryUrl: 'https://buyer.example/leads' });
  const pushless = await createWorkspace(stack, { name: 'No push', kind: 'partner' });
  const body = aLead({ state: 'TX' });
  const leadId = (await postLead(stack, source.apiKey!, body)).json().leadId as string;

  const both = await deliveryContext(stack.db, buyer.id, leadId);
  expect(both.target).toEqual({ url: 'https://buyer.example/leads', secret: expect.any(String) });
  expect(both.payload).toMatchObject({ leadId, sourceWorkspaceId: source.id, externalId: body.externalId, lead: expect.objectContaining({ state: 'TX' }) });
  expect(new Date(both.payload!.createdAt).toISOString()).toBe(both.payload!.createdAt);

  expect((await deliveryContext(stack.db, pushless.id, leadId)).target).toEqual({ url: null, secret: expect.any(String) });
  // A source is not a delivery target; a lead that does not exist has no payload; neither hides the other.
  const notPartner = await deliveryContext(stack.db, source.id, leadId);
  expect(notPartner.target).toBeUndefined();
  expect(notPartner.payload?.leadId).toBe(leadId);
  const noLead = await deliveryContext(stack.db, buyer.id, crypto.randomUUID());
  expect(noLead.payload).toBeUndefined();
  expect(noLead.target?.url).toBe('https://buyer.example/leads');
});
