import { createLeadHandOff } from '../../lib/routing/leadHandOff';
import type { LeadForDecision } from '../../lib/store/routing';

const lead = (id: string): LeadForDecision => ({
  id, sourceWorkspaceId: 'source', payload: { product: 'x' }, emailHash: 'e', phoneHash: null,
  expiresAt: '2027-01-01T00:00:00.000Z', routingStatus: 'pending', externalId: `ext-${id}`, createdAt: '2026-11-30T00:00:00.000Z',
});

test('a lead is taken once: the second take (a later attempt) finds nothing and reads the row', () => {
  const handOff = createLeadHandOff();
  handOff.put(lead('a'), 100);
  expect(handOff.take('a')).toEqual(lead('a'));
  expect(handOff.take('a')).toBeUndefined();
  expect(handOff.size).toBe(0);
});

test('an entry older than maxAgeMs is not handed over, and is dropped by the next put', () => {
  let t = 0;
  const handOff = createLeadHandOff({ maxAgeMs: 1_000, now: () => t });
  handOff.put(lead('old'), 100);
  handOff.put(lead('kept'), 100);
  t = 1_001;
  expect(handOff.take('old')).toBeUndefined();
  handOff.put(lead('new'), 100); // 'kept' is as old as 'old' was: dropped now
  expect(handOff.size).toBe(1);
  expect(handOff.take('new')?.id).toBe('new');
});

test('at maxLeads the oldest entries go first, so memory stays bounded whatever is never taken', () => {
  const handOff = createLeadHandOff({ maxLeads: 3 });
  for (const id of ['a', 'b', 'c', 'd', 'e']) handOff.put(lead(id), 100);
  expect(handOff.size).toBe(3);
  expect(['a', 'b', 'c', 'd', 'e'].map((id) => handOff.take(id)?.id)).toEqual([undefined, undefined, 'c', 'd', 'e']);
});

test('putting a lead again replaces it and makes it the newest', () => {
  const handOff = createLeadHandOff({ maxLeads: 2 });
  handOff.put(lead('a'), 100);
  handOff.put(lead('b'), 100);
  handOff.put({ ...lead('a'), externalId: 'again' }, 100);
  handOff.put(lead('c'), 100); // drops 'b', the oldest now
  expect(handOff.take('b')).toBeUndefined();
  expect(handOff.take('a')?.externalId).toBe('again');
});

test('the bodies held stay within maxBytes: the oldest go first, a lead larger than the bound is not kept', () => {
  const handOff = createLeadHandOff({ maxBytes: 1_000 });
  handOff.put(lead('a'), 400);
  handOff.put(lead('b'), 400);
  handOff.put(lead('c'), 400); // 1,200 > 1,000: 'a' goes
  expect([handOff.size, handOff.bytes]).toEqual([2, 800]);
  expect(handOff.take('a')).toBeUndefined();
  handOff.put(lead('huge'), 1_001);
  expect(handOff.take('huge')).toBeUndefined();
  expect([handOff.size, handOff.bytes]).toEqual([2, 800]);
  expect(handOff.take('b')?.id).toBe('b');
  expect(handOff.bytes).toBe(400);
});

test('a take drops the expired entries too: after a burst, the next lead taken clears what was never started', () => {
  let t = 0;
  const handOff = createLeadHandOff({ maxAgeMs: 1_000, now: () => t });
  for (const id of ['a', 'b', 'c']) handOff.put(lead(id), 100);
  t = 500;
  handOff.put(lead('fresh'), 100);
  t = 1_200;
  expect(handOff.take('fresh')?.id).toBe('fresh');
  expect([handOff.size, handOff.bytes]).toEqual([0, 0]);
});
