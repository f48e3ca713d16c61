import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';

/**
 * Issue 7, item 6 end to end: a phone that is not valid, or a placeholder phone or email, is entered for
 * many different people, so it must never make one person the `duplicate` of another (DESIGN §5.3 is about
 * the same *person*). Source A sends Alice with 000-000-0000, source B sends Bob with (000) 000-0000: both
 * must reach the buyer. Real identities still dedupe. The file's stack adds one configured placeholder
 * (DEDUPE_PLACEHOLDER_EMAILS=@leadforms.io) to prove the setting reaches the API.
 */
const stack = useTestStack({ worker: true, env: { DEDUPE_PLACEHOLDER_EMAILS: '@leadforms.io' } });
const buyer = useBuyerServer();
let sourceA: { id: string; apiKey?: string };
let sourceB: { id: string; apiKey?: string };
let target: { id: string };

beforeAll(async () => {
  sourceA = await createWorkspace(stack, { name: 'Source A', kind: 'source' });
  sourceB = await createWorkspace(stack, { name: 'Source B', kind: 'source' });
  target = await createWorkspace(stack, { name: 'Buyer', kind: 'partner', deliveryUrl: buyer.url('/buyer') });
  await createRule(stack, { name: 'everything', priority: 1, destinations: [{ workspaceId: target.id }] });
});

/** Sends a lead and waits until its routing is decided; returns the outcome as the API names it. */
async function route(source: { apiKey?: string }, fields: Record<string, unknown>) {
  const res = await postLead(stack, source.apiKey!, aLead(fields), '?wait=10000');
  if (![200, 202].includes(res.statusCode)) throw new Error(`lead not accepted: ${res.statusCode} ${res.body}`);
  const leadId = res.json().leadId as string;
  const row = await waitFor(`lead ${leadId} decided`, async () => {
    const r = await stored(leadId);
    return ['routed', 'failed', 'expired'].includes(r.routing_status) ? r : undefined;
  });
  return { leadId, status: row.routing_status, result: row.routing_result, duplicateOfLeadId: row.duplicate_of_lead_id, destinationWorkspaceId: row.destination_workspace_id };
}

const delivered = (leadId: string) => buyer.acceptedKeys('/buyer').includes(leadId);
const stored = (leadId: string) => stack.db('leads').where({ id: leadId }).first();

// Each pair: how source A and source B write the same placeholder for two different people.
test.each<[string, { phone: string; country?: string }, { phone: string; country?: string }]>([
  ['000-000-0000 (not a valid number)', { phone: '000-000-0000' }, { phone: '(000) 000-0000' }],
  ['555-555-5555 (not a valid number)', { phone: '555-555-5555' }, { phone: '(555) 555-5555' }],
  ['555-0132 (NANP fictional range)', { phone: '(415) 555-0132' }, { phone: '+1 415.555.0132' }],
  ['020 7946 0958 (Ofcom drama range)', { phone: '020 7946 0958', country: 'GB' }, { phone: '+44 20 7946 0958' }],
  ['0491 570 156 (ACMA fictitious mobile)', { phone: '0491 570 156', country: 'AU' }, { phone: '+61 491 570 156' }],
])('the same placeholder phone %s on two people from two sources: both routed and delivered, and so is a third', async (_name, a, b) => {
  const tag = Math.random().toString(36).slice(2, 8);
  const alice = await route(sourceA, { email: `alice.${tag}@outlook.com`, ...a });
  const bob = await route(sourceB, { email: `bob.${tag}@yahoo.com`, ...b });
  const carol = await route(sourceA, { email: `carol.${tag}@gmail.com`, ...b });
  // The fault: Bob (and every later person with the placeholder) ended `duplicate` of Alice, never delivered.
  expect([alice, bob, carol].map((l) => l.result)).toEqual(['success', 'success', 'success']);
  for (const lead of [alice, bob, carol]) {
    expect(lead).toMatchObject({ status: 'routed', duplicateOfLeadId: null, destinationWorkspaceId: target.id });
    expect(delivered(lead.leadId)).toBe(true);
    // Stored with its real email as a key and no phone key.
    const row = await stored(lead.leadId);
    expect(row.email_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.phone_hash).toBeNull();
  }
});

test('the placeholder email test@test.com on two people with different real phones: both routed', async () => {
  const alice = await route(sourceA, { email: 'test@test.com', phone: '(312) 982-4410' });
  const bob = await route(sourceB, { email: 'TEST@test.com', phone: '(646) 409-7731' });
  for (const lead of [alice, bob]) {
    expect(lead).toMatchObject({ status: 'routed', result: 'success', duplicateOfLeadId: null });
    expect(delivered(lead.leadId)).toBe(true);
    expect((await stored(lead.leadId)).email_hash).toBeNull();
  }
});

test.each<[string, string, string, string, string]>([
  // name, A's email, B's email (another spelling), A's phone, B's phone (two real, different people)
  ['reserved domain example.com', 'jane@example.com', 'Jane@Example.com', '(773) 904-1187', '(213) 621-0002'],
  ['noemail@', 'noemail@gmail.com', 'no.email@gmail.com', '(617) 495-3021', '(305) 672-8814'],
  ['configured @leadforms.io', 'leads@leadforms.io', 'LEADS@leadforms.io', '(206) 343-7520', '(512) 478-9036'],
])('other placeholder emails (%s) on two people with different real phones: both routed', async (_name, emailA, emailB, phoneA, phoneB) => {
  const alice = await route(sourceA, { email: emailA, phone: phoneA });
  const bob = await route(sourceB, { email: emailB, phone: phoneB });
  expect([alice.result, bob.result]).toEqual(['success', 'success']);
  expect((await stored(bob.leadId)).email_hash).toBeNull();
});

test('control: the same real person from two sources is still a duplicate, on the real key, despite placeholders', async () => {
  // Same real email (another spelling), different placeholder phones: duplicate on the email.
  const first = await route(sourceA, { email: 'Dana.Kowalski@gmail.com', phone: '000-000-0000' });
  const again = await route(sourceB, { email: 'danakowalski+promo@googlemail.com', phone: '(555) 555-5555' });
  expect(first).toMatchObject({ status: 'routed', result: 'success' });
  expect(again).toMatchObject({ status: 'routed', result: 'duplicate', duplicateOfLeadId: first.leadId, destinationWorkspaceId: null });
  expect((await stored(again.leadId)).decision.dedupe).toEqual({ duplicateOfLeadId: first.leadId, matchedOn: ['email'] });
  expect(delivered(again.leadId)).toBe(false);

  // Same real phone (another format), placeholder emails: duplicate on the phone.
  const byPhone = await route(sourceA, { email: 'test@test.com', phone: '+1 (971) 322-8850' });
  const byPhoneAgain = await route(sourceB, { email: 'none@example.org', phone: '971.322.8850' });
  expect(byPhone).toMatchObject({ result: 'success' });
  expect(byPhoneAgain).toMatchObject({ result: 'duplicate', duplicateOfLeadId: byPhone.leadId });
  expect((await stored(byPhoneAgain.leadId)).decision.dedupe).toEqual({ duplicateOfLeadId: byPhone.leadId, matchedOn: ['phone'] });
});

test('simulate agrees: a second person with the placeholder phone would be assigned, not a duplicate', async () => {
  await route(sourceA, { email: 'erin.walsh@outlook.com', phone: '000-000-0000' });
  const sim = await stack.app.inject({
    method: 'POST',
    url: '/api/admin/rules/simulate',
    headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: { sourceWorkspaceId: sourceB.id, lead: { email: 'frank.osei@yahoo.com', phone: '(000) 000-0000' } },
  });
  expect(sim.statusCode).toBe(200);
  expect(sim.json().decision).toMatchObject({ kind: 'assigned', destinationWorkspaceId: target.id });
});

test('a phone that cannot be a number at all is still a 400 and stores nothing', async () => {
  const before = await stack.db('leads').count<{ count: string }[]>('* as count');
  const res = await postLead(stack, sourceA.apiKey!, aLead({ email: 'gina.ross@outlook.com', phone: '000' }));
  expect(res.statusCode).toBe(400);
  expect(res.json().error.details.map((d: { field: string }) => d.field)).toEqual(['phone']);
  expect(await stack.db('leads').count<{ count: string }[]>('* as count')).toEqual(before);
});

test('a lead whose only identity is a placeholder is accepted and routed (no dedupe key at all)', async () => {
  const byEmail = await route(sourceA, { email: 'test@test.com' });
  const byPhone = await route(sourceB, { email: undefined, phone: '000-000-0000' }); // no email at all
  for (const lead of [byEmail, byPhone]) {
    expect(lead).toMatchObject({ status: 'routed', result: 'success' });
    expect(await stored(lead.leadId)).toMatchObject({ email_hash: null, phone_hash: null });
  }
});
