import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * Normalize first, then validate, store, match and dedupe (issue 7, item 5): surrounding spaces are
 * trimmed and text is put in Unicode NFC at the boundary, for leads and for rule values, so canonically
 * equal text compares and dedupes equal, however the partner's keyboard or OS encoded it.
 */
const stack = useTestStack({ worker: true });
let sourceA: { id: string; apiKey?: string };
let sourceB: { id: string; apiKey?: string };
let mullerBuyer: { id: string };
let otherBuyer: { id: string };

const NFC = 'Müller'; // U+00FC
const NFD = 'Mu\u0308ller'; // u + U+0308 COMBINING DIAERESIS, as macOS sends it

beforeAll(async () => {
  sourceA = await createWorkspace(stack, { name: 'Norm Source A', kind: 'source' });
  sourceB = await createWorkspace(stack, { name: 'Norm Source B', kind: 'source' });
  mullerBuyer = await createWorkspace(stack, { name: 'Müller buyer', kind: 'partner' });
  otherBuyer = await createWorkspace(stack, { name: 'Everyone else', kind: 'partner' });
  // The rule is written in NFD with spaces around it; the lead below arrives in NFC, and vice versa.
  await createRule(stack, { name: 'Müllers', priority: 1, conditions: { all: [{ field: 'lastName', op: 'eq', value: ` ${NFD} ` }] }, destinations: [{ workspaceId: mullerBuyer.id }] });
  await createRule(stack, { name: 'Catch-all', priority: 100, destinations: [{ workspaceId: otherBuyer.id }] });
});

async function routed(apiKey: string, body: Record<string, unknown>) {
  const res = await postLead(stack, apiKey, body, '?wait=10000');
  expect([200, 202]).toContain(res.statusCode);
  const leadId = res.json().leadId as string;
  return waitFor(`lead ${leadId} routed`, async () => {
    const row = await stack.db('leads').where({ id: leadId }).first();
    return row?.routing_status === 'routed' ? row : undefined;
  });
}

test('an email with surrounding spaces is accepted and stored trimmed (was a 400)', async () => {
  const lead = await routed(sourceA.apiKey!, aLead({ email: '  jane.trim@outlook.com ', lastName: 'Smith' }));
  expect(lead.payload.email).toBe('jane.trim@outlook.com');
  expect(lead.routing_result).toBe('success');
});

test.each([
  ['NFC lead, rule written in NFD', NFC],
  ['NFD lead (macOS), rule written in NFD', NFD],
])('%s: the rule matches, in routing and in simulate', async (_name, lastName) => {
  const lead = await routed(sourceA.apiKey!, aLead({ lastName: `${lastName} ` }));
  expect(lead.destination_workspace_id).toBe(mullerBuyer.id);
  expect(lead.payload.lastName).toBe(NFC);

  const sim = await stack.app.inject({
    method: 'POST',
    url: '/api/admin/rules/simulate',
    headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: { sourceWorkspaceId: sourceA.id, lead: { email: 'sim.muller@outlook.com', lastName } },
  });
  expect(sim.statusCode).toBe(200);
  expect(sim.json().decision).toMatchObject({ destinationWorkspaceId: mullerBuyer.id });
});

test('the same person typed in NFD by one partner and NFC by another is one person: the second is a duplicate', async () => {
  const first = await routed(sourceA.apiKey!, aLead({ email: `j\u00fcrgen.nfc@outlook.com`, lastName: 'Jones' }));
  expect(first.routing_result).toBe('success');
  const second = await routed(sourceB.apiKey!, aLead({ email: ` ju\u0308rgen.nfc@outlook.com`, lastName: 'Jones' }));
  expect(second.routing_result).toBe('duplicate');
  expect(second.duplicate_of_lead_id).toBe(first.id);
});

test('invisible characters at the ends are trimmed, an empty optional field is absent, a lower-case country is stored upper-case', async () => {
  const lead = await routed(sourceA.apiKey!, aLead({ lastName: '   ', firstName: '\u200bZoe\u200b', product: '\u200b', country: 'gb', phone: '' }));
  expect(lead.payload).not.toHaveProperty('lastName');
  expect(lead.payload).not.toHaveProperty('product');
  expect(lead.payload.firstName).toBe('Zoe');
  expect(lead.payload).not.toHaveProperty('phone');
  expect(lead.payload.country).toBe('GB');
});
