import crypto from 'node:crypto';
import { decide, type Decision } from '../../lib/routing/decide';
import { destinationOrder } from '../support/distributionModel';
import { createDb, type Db } from '../../lib/db/createDb';
import type { Distribution, RuleDestination } from '../../lib/rules/types';
import { insertRule } from '../../lib/store/rules';
import { createTestDatabase } from '../support/stack';

/**
 * decide() with decide_routing() (migrations/0013_decide_function.ts): the whole decision in one SQL call.
 * Straight against the real Postgres (no Temporal: the decision is a database transaction), each test with
 * its own source, buyers and rules, so the tests do not see each other's rules.
 */
let db: Db;

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 6 });
});

afterAll(async () => {
  await db?.destroy();
});

const hash = () => crypto.randomBytes(32).toString('hex');

async function workspace(kind: 'source' | 'partner', extra: Record<string, unknown> = {}): Promise<string> {
  const [row] = await db('workspaces')
    .insert({ name: `${kind} ${crypto.randomUUID().slice(0, 8)}`, kind, ...(kind === 'source' ? { api_key_hash: hash() } : {}), ...extra })
    .returning('id');
  return row.id;
}

async function rule(source: string, r: { name: string; priority: number; product: string; destinations: RuleDestination[]; distribution?: Distribution }) {
  return insertRule(db, {
    name: r.name, priority: r.priority, sourceWorkspaceId: source, enabled: true, distribution: r.distribution ?? 'priority',
    conditions: { all: [{ field: 'product', op: 'eq', value: r.product }] }, destinations: r.destinations,
  });
}

/** A lead locked for routing, as the routing activities hand it to decide() (lib/store/routing.ts readLeadForDecision). */
async function lead(source: string, fields: { product: string; emailHash?: string | null; phoneHash?: string | null; status?: string }) {
  const emailHash = fields.emailHash === undefined ? hash() : fields.emailHash;
  const phoneHash = fields.phoneHash ?? null;
  const status = fields.status ?? 'routing';
  const [row] = await db('leads')
    .insert({
      source_workspace_id: source, external_id: crypto.randomUUID(), email_hash: emailHash, phone_hash: phoneHash,
      payload: JSON.stringify({ product: fields.product }), routing_status: status,
      ...(status === 'routing' ? { routing_lock_owner: 'test', routing_locked_at: db.fn.now() } : {}),
      expires_at: db.raw("now() + interval '1 day'"),
    })
    .returning(['id', 'payload', 'expires_at']);
  return { id: row.id as string, sourceWorkspaceId: source, payload: row.payload, emailHash, phoneHash, expiresAt: new Date(row.expires_at).toISOString() };
}

const decideNow = (l: Awaited<ReturnType<typeof lead>>, excludeDestinations: string[] = []) =>
  db.transaction((trx) => decide(trx, l, { excludeDestinations, dedupeWindowDays: 30, defaultPhoneCountry: 'US' }));

/** Everything a decision may write, to prove an undone one wrote nothing. */
async function writes() {
  const count = async (sql: string) => (await db.raw(sql)).rows[0];
  return {
    claims: await count('SELECT count(*)::int AS n, max(claimed_at) AS last FROM identity_claims'),
    reservations: await count('SELECT count(*)::int AS n FROM capacity_reservations'),
    capacity: await count('SELECT count(*)::int AS n, coalesce(sum(used), 0)::int AS used FROM capacity_counters'),
    ruleCounters: await count('SELECT count(*)::int AS n, coalesce(sum(assigned), 0)::int AS assigned FROM rule_destination_counters'),
  };
}

async function storedDecision(leadId: string): Promise<unknown> {
  const row = await db('capacity_reservations').where({ lead_id: leadId }).whereNull('released_at').first();
  return row?.decision;
}

test.each<[Distribution, number[]]>([
  ['weighted', [5, 3, 2]],
  ['weighted', [0.7, 0.2, 0.1]],
  ['round_robin', [1, 1, 1]],
])('%s %j: 40 leads go exactly where the reference model (test/support/distributionModel.ts) sends them, one by one', async (distribution, weights) => {
  const source = await workspace('source');
  const buyers = await Promise.all(weights.map(() => workspace('partner')));
  const destinations = buyers.map((workspaceId, i) => ({ workspaceId, weight: weights[i] }));
  const r = await rule(source, { name: 'split', priority: 1, product: 'split', destinations, distribution });

  const expected: string[] = [];
  const assigned = new Map<string, number>();
  const actual: string[] = [];
  for (let i = 0; i < 40; i++) {
    const next = destinationOrder(distribution, destinations, assigned)[0]!.workspaceId;
    expected.push(next);
    assigned.set(next, (assigned.get(next) ?? 0) + 1);
    const d = await decideNow(await lead(source, { product: 'split' }));
    expect(d).toMatchObject({ kind: 'assigned', ruleId: r.id });
    actual.push((d as Extract<Decision, { kind: 'assigned' }>).destinationWorkspaceId);
  }
  expect(actual).toEqual(expected);
  const counters = await db('rule_destination_counters').where({ rule_id: r.id });
  expect(Object.fromEntries(counters.map((c) => [c.workspace_id, Number(c.assigned)]))).toEqual(Object.fromEntries(assigned));
});

test('an assignment past a full buyer, a disabled one, a rejecting one and a later matching rule: recorded with its matched rules, and deciding again returns the same decision', async () => {
  const source = await workspace('source');
  const [full, disabled, rejecting, chosen, never] = await Promise.all([
    workspace('partner', { cap_daily: 1 }), workspace('partner', { enabled: false }), workspace('partner'), workspace('partner'), workspace('partner'),
  ]);
  // The first call takes 'full first' alone; the second 'disabled', then 'winner' (with the rules between).
  await rule(source, { name: 'not this product', priority: 1, product: 'other', destinations: [{ workspaceId: never }] });
  await rule(source, { name: 'full first', priority: 2, product: 'p', destinations: [{ workspaceId: full }] });
  await rule(source, { name: 'disabled buyer', priority: 3, product: 'p', distribution: 'round_robin', destinations: [{ workspaceId: disabled }] });
  await rule(source, { name: 'unmatched between', priority: 4, product: 'other', destinations: [{ workspaceId: never }] });
  const winner = await rule(source, { name: 'winner', priority: 5, product: 'p', destinations: [{ workspaceId: rejecting }, { workspaceId: chosen }] });
  await rule(source, { name: 'after the winner', priority: 6, product: 'p', destinations: [{ workspaceId: never }] });
  expect(await decideNow(await lead(source, { product: 'p' }))).toMatchObject({ kind: 'assigned', destinationWorkspaceId: full });

  const l = await lead(source, { product: 'p' });
  const decision = await decideNow(l, [rejecting]);
  expect(decision).toEqual({
    kind: 'assigned', destinationWorkspaceId: chosen, ruleId: winner.id, ruleVersion: winner.version,
    trace: {
      excluded: [rejecting],
      rules: [
        expect.objectContaining({ ruleName: 'not this product', matched: false }),
        expect.objectContaining({ ruleName: 'full first', matched: true, noEligibleDestination: true, destinations: [{ workspaceId: full, eligible: false, reason: 'capped_daily' }] }),
        expect.objectContaining({ ruleName: 'disabled buyer', matched: true, noEligibleDestination: true, destinations: [{ workspaceId: disabled, eligible: false, reason: 'disabled' }] }),
        expect.objectContaining({ ruleName: 'unmatched between', matched: false }),
        expect.objectContaining({
          ruleName: 'winner', matched: true, chosen: { workspaceId: chosen, distribution: 'priority' },
          destinations: [{ workspaceId: rejecting, eligible: false, reason: 'rejected_by_buyer' }, { workspaceId: chosen, eligible: true }],
        }),
      ],
    },
  });
  // Recorded with the matched rules only; an activity retry after the commit gets the same decision back
  // (the unmatched rules' entries evaluated again), and nothing more is reserved or counted.
  const matchedOnly = { ...decision, trace: { ...decision.trace, rules: decision.trace.rules.filter((r) => r.matched) } };
  expect(await storedDecision(l.id)).toEqual({ ...matchedOnly, unmatchedRulesOmitted: true });
  const before = await writes();
  expect(await decideNow(l, [rejecting])).toEqual(decision);
  expect(await writes()).toEqual(before);

  // A matched rule edited in between: the same decision, its trace the matched rules as they were.
  await db('routing_rules').where({ name: 'disabled buyer', source_workspace_id: source }).update({ name: 'disabled buyer, renamed' });
  expect(await decideNow(l, [rejecting])).toEqual(matchedOnly);
  expect(await writes()).toEqual(before);
});

test('duplicate, original_in_flight, no_match and capped decisions leave no claim, reservation or counter behind', async () => {
  const source = await workspace('source');
  const [capped, weightedA, weightedB] = await Promise.all([workspace('partner', { cap_hourly: 1 }), workspace('partner'), workspace('partner')]);
  await rule(source, { name: 'weighted', priority: 1, product: 'w', distribution: 'weighted', destinations: [{ workspaceId: weightedA, weight: 1 }, { workspaceId: weightedB, weight: 2 }] });
  await rule(source, { name: 'capped', priority: 2, product: 'c', destinations: [{ workspaceId: capped }] });
  await rule(source, { name: 'capped again', priority: 3, product: 'c', distribution: 'round_robin', destinations: [{ workspaceId: capped }] });

  const routedKey = hash();
  const routedOriginal = await lead(source, { product: 'w', emailHash: routedKey });
  expect(await decideNow(routedOriginal)).toMatchObject({ kind: 'assigned' });
  await db('leads').where({ id: routedOriginal.id }).update({ routing_status: 'routed', routing_result: 'success', routed_at: db.fn.now(), routing_lock_owner: null, routing_locked_at: null, destination_workspace_id: weightedB });
  const inFlightKey = hash();
  const inFlight = await lead(source, { product: 'w', phoneHash: inFlightKey, emailHash: null });
  expect(await decideNow(inFlight)).toMatchObject({ kind: 'assigned' });
  expect(await decideNow(await lead(source, { product: 'c' }))).toMatchObject({ kind: 'assigned', destinationWorkspaceId: capped });

  const before = await writes();
  // Each has a fresh key of its own too, claimed first or last (hash order) and then undone.
  const duplicate = await decideNow(await lead(source, { product: 'w', emailHash: routedKey, phoneHash: hash() }));
  expect(duplicate).toEqual({ kind: 'duplicate', duplicateOfLeadId: routedOriginal.id, trace: { rules: [], dedupe: { duplicateOfLeadId: routedOriginal.id, matchedOn: ['email'] } } });
  const waiting = await decideNow(await lead(source, { product: 'w', emailHash: hash(), phoneHash: inFlightKey }));
  expect(waiting).toMatchObject({ kind: 'original_in_flight', originalLeadId: inFlight.id, trace: { rules: [], dedupe: { duplicateOfLeadId: inFlight.id, matchedOn: ['phone'] } } });
  expect(Date.parse((waiting as Extract<Decision, { kind: 'original_in_flight' }>).retryAt)).toBeGreaterThan(Date.now());
  const noMatch = await decideNow(await lead(source, { product: 'nothing' }));
  expect(noMatch).toEqual({ kind: 'no_match', trace: { rules: [expect.objectContaining({ matched: false }), expect.objectContaining({ matched: false }), expect.objectContaining({ matched: false })] } });
  const cappedLead = await lead(source, { product: 'c' });
  const full = await decideNow(cappedLead);
  expect(full).toMatchObject({
    kind: 'capped', expiresAt: cappedLead.expiresAt,
    trace: { rules: [
      expect.objectContaining({ ruleName: 'weighted', matched: false }),
      expect.objectContaining({ ruleName: 'capped', noEligibleDestination: true, destinations: [{ workspaceId: capped, eligible: false, reason: 'capped_hourly' }] }),
      expect.objectContaining({ ruleName: 'capped again', noEligibleDestination: true, destinations: [{ workspaceId: capped, eligible: false, reason: 'capped_hourly' }] }),
    ] },
  });
  const nextReset = Date.parse((full as Extract<Decision, { kind: 'capped' }>).nextResetAt);
  expect(nextReset).toBeGreaterThan(Date.now());
  expect(nextReset).toBeLessThanOrEqual(Date.now() + 3_600_000);
  // The rule counters of 'capped again' (round_robin) were created in the undone part: gone too.
  expect(await writes()).toEqual(before);
});

test('two leads of the same person decided at the same time, keys in opposite orders: one assigned, the other waits for it', async () => {
  const source = await workspace('source');
  const buyer = await workspace('partner');
  await rule(source, { name: 'race', priority: 1, product: 'race', destinations: [{ workspaceId: buyer }] });
  for (let i = 0; i < 5; i++) {
    const [email, phone] = [hash(), hash()];
    const a = await lead(source, { product: 'race', emailHash: email, phoneHash: phone });
    const b = await lead(source, { product: 'race', emailHash: phone, phoneHash: email }); // same keys, other kinds
    const decisions = await Promise.all([decideNow(a), decideNow(b)]);
    const kinds = decisions.map((d) => d.kind).sort();
    expect(kinds).toEqual(['assigned', 'original_in_flight']);
    const winner = decisions[0]!.kind === 'assigned' ? a : b;
    const loser = decisions.find((d) => d.kind === 'original_in_flight') as Extract<Decision, { kind: 'original_in_flight' }>;
    expect(loser.originalLeadId).toBe(winner.id);
    const claims = await db('identity_claims').whereIn('key_hash', [email, phone]);
    expect(claims.map((c) => c.lead_id)).toEqual([winner.id, winner.id]);
  }
});
