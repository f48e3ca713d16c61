import { startRouteLead } from '../../lib/temporal/startRouteLead';
import { waitFor } from '../../scripts/local/waitFor';
import { startBuyerServer } from '../support/buyerServer';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';

/** DESIGN §6 on the real stack: distribution, caps, cross-partner dedupe, delivery, audit. */
const stack = useTestStack({ worker: true });
const buyer = useBuyerServer();
let sourceA: { id: string; apiKey?: string };
let sourceB: { id: string; apiKey?: string };

beforeAll(async () => {
  sourceA = await createWorkspace(stack, { name: 'Source A', kind: 'source' });
  sourceB = await createWorkspace(stack, { name: 'Source B', kind: 'source' });
});

interface LeadRow {
  id: string;
  routing_status: string;
  routing_result: string | null;
  destination_workspace_id: string | null;
  duplicate_of_lead_id: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stored trace, asserted field by field
  decision: any;
  last_error: string | null;
}

async function finished(leadIds: string[], timeoutMs = 120_000): Promise<LeadRow[]> {
  return waitFor(`${leadIds.length} leads to finish`, async () => {
    const rows: LeadRow[] = await stack.db('leads').whereIn('id', leadIds);
    return rows.length === leadIds.length && rows.every((r) => ['routed', 'failed', 'expired'].includes(r.routing_status)) ? rows : undefined;
  }, { timeoutMs, intervalMs: 250 });
}

/** POSTs leads with at most `concurrency` requests in flight; returns their ids. */
async function postMany(apiKey: string, leads: Array<Record<string, unknown>>, concurrency = 50): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < leads.length; i += concurrency) {
    const batch = await Promise.all(leads.slice(i, i + concurrency).map((l) => postLead(stack, apiKey, l)));
    for (const res of batch) {
      expect(res.statusCode).toBe(202);
      ids.push(res.json().leadId);
    }
  }
  return ids;
}

const countBy = (rows: LeadRow[]) => rows.reduce<Record<string, number>>((acc, r) => {
  const k = r.destination_workspace_id ?? r.routing_result ?? r.routing_status;
  acc[k] = (acc[k] ?? 0) + 1;
  return acc;
}, {});

test('weighted distribution: 1,000 leads split within ±3% of 50/30/20', async () => {
  const [b1, b2, b3] = await Promise.all([1, 2, 3].map((i) => createWorkspace(stack, { name: `Weighted buyer ${i}`, kind: 'partner' })));
  await createRule(stack, {
    name: 'weighted', priority: 10, distribution: 'weighted',
    conditions: { all: [{ field: 'product', op: 'eq', value: 'weighted-test' }] },
    destinations: [{ workspaceId: b1!.id, weight: 50 }, { workspaceId: b2!.id, weight: 30 }, { workspaceId: b3!.id, weight: 20 }],
  });
  const ids = await postMany(sourceA.apiKey!, Array.from({ length: 1000 }, () => aLead({ product: 'weighted-test' })));
  const counts = countBy(await finished(ids, 240_000));
  for (const [b, share] of [[b1!, 0.5], [b2!, 0.3], [b3!, 0.2]] as const) {
    expect(Math.abs((counts[b.id] ?? 0) / 1000 - share)).toBeLessThanOrEqual(0.03);
  }
}, 300_000);

test('round-robin: 300 concurrent leads over 3 buyers is exactly 100 each', async () => {
  const buyers = await Promise.all([1, 2, 3].map((i) => createWorkspace(stack, { name: `RR buyer ${i}`, kind: 'partner' })));
  await createRule(stack, {
    name: 'round robin', priority: 11, distribution: 'round_robin',
    conditions: { all: [{ field: 'product', op: 'eq', value: 'rr-test' }] },
    destinations: buyers.map((b) => ({ workspaceId: b.id })),
  });
  const ids = await postMany(sourceA.apiKey!, Array.from({ length: 300 }, () => aLead({ product: 'rr-test' })), 100);
  const counts = countBy(await finished(ids));
  expect(buyers.map((b) => counts[b.id])).toEqual([100, 100, 100]);
}, 180_000);

test('caps: 200 concurrent leads against a buyer capped at 50/day: exactly 50 go to it, the rest to the fallback', async () => {
  const capped = await createWorkspace(stack, { name: 'Capped buyer', kind: 'partner', timezone: 'America/New_York', caps: { daily: 50 } });
  const fallback = await createWorkspace(stack, { name: 'Fallback buyer', kind: 'partner' });
  await createRule(stack, { name: 'capped first', priority: 12, conditions: { all: [{ field: 'product', op: 'eq', value: 'cap-test' }] }, destinations: [{ workspaceId: capped.id }] });
  await createRule(stack, { name: 'fallback', priority: 13, conditions: { all: [{ field: 'product', op: 'eq', value: 'cap-test' }] }, destinations: [{ workspaceId: fallback.id }] });

  const ids = await postMany(sourceA.apiKey!, Array.from({ length: 200 }, () => aLead({ product: 'cap-test' })), 200);
  const rows = await finished(ids);
  const counts = countBy(rows);
  expect(counts[capped.id]).toBe(50);
  expect(counts[fallback.id]).toBe(150);
  const [{ used }] = await stack.db('capacity_counters').where({ workspace_id: capped.id, period: 'daily' }).select('used');
  expect(used).toBe(50);
  // The trace says why the fallback got them.
  const overflow = rows.find((r) => r.destination_workspace_id === fallback.id)!;
  expect(overflow.decision.rules).toEqual(expect.arrayContaining([
    expect.objectContaining({ ruleName: 'capped first', matched: true, noEligibleDestination: true, destinations: [{ workspaceId: capped.id, eligible: false, reason: 'capped_daily' }] }),
    expect.objectContaining({ ruleName: 'fallback', chosen: { workspaceId: fallback.id, distribution: 'priority' } }),
  ]));
}, 180_000);

test('the same person from two partners at the same instant: one success, one duplicate, ten times over', async () => {
  const dedupeBuyer = await createWorkspace(stack, { name: 'Dedupe buyer', kind: 'partner' });
  await createRule(stack, { name: 'dedupe', priority: 14, conditions: { all: [{ field: 'product', op: 'eq', value: 'dedupe-test' }] }, destinations: [{ workspaceId: dedupeBuyer.id }] });
  for (let i = 0; i < 10; i++) {
    // Same person, written differently by each partner: gmail dots / case, and phone formats.
    const [a, b] = await Promise.all([
      postLead(stack, sourceA.apiKey!, aLead({ product: 'dedupe-test', email: `Jane.Doe${i}@gmail.com`, phone: `(415) 555-01${10 + i}` })),
      postLead(stack, sourceB.apiKey!, aLead({ product: 'dedupe-test', email: `janedoe${i}+leads@googlemail.com` })),
    ]);
    const rows = await finished([a.json().leadId, b.json().leadId]);
    expect(rows.map((r) => r.routing_result).sort()).toEqual(['duplicate', 'success']);
    const original = rows.find((r) => r.routing_result === 'success')!;
    const duplicate = rows.find((r) => r.routing_result === 'duplicate')!;
    expect(duplicate).toMatchObject({ routing_status: 'routed', duplicate_of_lead_id: original.id, destination_workspace_id: null });
    expect(duplicate.decision.dedupe).toEqual({ duplicateOfLeadId: original.id, matchedOn: ['email'] });
  }
}, 120_000);

test('dedupe matches on the phone alone, and a duplicate is never delivered', async () => {
  const pushBuyer = await createWorkspace(stack, { name: 'Push buyer', kind: 'partner', deliveryUrl: buyer.url('/dedupe-push') });
  await createRule(stack, { name: 'dedupe push', priority: 15, conditions: { all: [{ field: 'product', op: 'eq', value: 'dedupe-push' }] }, destinations: [{ workspaceId: pushBuyer.id }] });
  const first = await postLead(stack, sourceA.apiKey!, aLead({ product: 'dedupe-push', email: 'someone@outlook.com', phone: '+44 20 7183 8750' }), '?wait=10000');
  expect(first.json()).toMatchObject({ status: 'routed', result: 'success' });
  const second = await postLead(stack, sourceB.apiKey!, aLead({ product: 'dedupe-push', email: 'other@yahoo.com', phone: '020 7183 8750', country: 'GB' }), '?wait=10000');
  expect(second.json()).toMatchObject({ status: 'routed', result: 'duplicate', duplicateOfLeadId: first.json().leadId });
  expect(buyer.received.filter((r) => r.path === '/dedupe-push').map((r) => r.idempotencyKey)).toEqual([first.json().leadId]);
});

test('a buyer answering 422 gets its capacity back and the next destination gets the lead', async () => {
  const rejecting = await createWorkspace(stack, { name: 'Rejecting buyer', kind: 'partner', deliveryUrl: buyer.url('/reject'), caps: { hourly: 5 } });
  const accepting = await createWorkspace(stack, { name: 'Accepting buyer', kind: 'partner', deliveryUrl: buyer.url('/accept') });
  buyer.respondWith('/reject', [{ status: 422, body: '{"error":"we do not buy leads from this state"}' }]);
  await createRule(stack, { name: 'reject then accept', priority: 16, conditions: { all: [{ field: 'product', op: 'eq', value: 'reject-test' }] }, destinations: [{ workspaceId: rejecting.id }, { workspaceId: accepting.id }] });

  const res = await postLead(stack, sourceA.apiKey!, aLead({ product: 'reject-test' }), '?wait=10000');
  const lead = res.json();
  expect(lead).toMatchObject({ status: 'routed', result: 'success', destinationWorkspaceId: accepting.id });
  expect(buyer.received.filter((r) => r.path === '/reject').map((r) => r.idempotencyKey)).toEqual([lead.leadId]);
  expect(buyer.acceptedKeys('/accept')).toEqual([lead.leadId]);
  const [{ used }] = await stack.db('capacity_counters').where({ workspace_id: rejecting.id, period: 'hourly' }).select('used');
  expect(used).toBe(0);
  expect(lead.decision.deliveries).toEqual([
    expect.objectContaining({ workspaceId: rejecting.id, outcome: 'rejected', status: 422, reason: expect.stringContaining('do not buy') }),
    expect.objectContaining({ workspaceId: accepting.id, outcome: 'accepted', status: 200 }),
  ]);
  expect(lead.decision.excluded).toEqual([rejecting.id]);
});

test('a buyer that fails twice then succeeds: routed on the third attempt, two ledger rows both processed, delivered once', async () => {
  const flaky = await createWorkspace(stack, { name: 'Flaky buyer', kind: 'partner', deliveryUrl: buyer.url('/flaky'), caps: { daily: 10 } });
  buyer.respondWith('/flaky', [500, 503, 200]);
  await createRule(stack, { name: 'flaky', priority: 17, conditions: { all: [{ field: 'product', op: 'eq', value: 'flaky-test' }] }, destinations: [{ workspaceId: flaky.id }] });
  const res = await postLead(stack, sourceA.apiKey!, aLead({ product: 'flaky-test' }));
  const [row] = await finished([res.json().leadId], 60_000);
  expect(row).toMatchObject({ routing_status: 'routed', destination_workspace_id: flaky.id, routing_attempts: 3 });

  const received = buyer.received.filter((r) => r.path === '/flaky');
  expect(received.map((r) => r.answer)).toEqual([500, 503, 200]);
  expect(new Set(received.map((r) => r.idempotencyKey))).toEqual(new Set([row!.id]));
  expect(buyer.acceptedKeys('/flaky')).toEqual([row!.id]);

  const ledger = await stack.db('lead_routing_queue').where({ lead_id: row!.id }).orderBy('attempt_number');
  expect(ledger.map((q) => q.attempt_number)).toEqual([1, 2]);
  expect(ledger.map((q) => ({ processed: q.processed_at !== null, lastError: q.last_error }))).toEqual([
    { processed: true, lastError: 'delivery_failed: HTTP 500' },
    { processed: true, lastError: 'delivery_failed: HTTP 503' },
  ]);
  // Backoff doubles (0.2 s then 0.4 s in tests): the second wait is longer than the first.
  const waits = ledger.map((q) => new Date(q.next_retry_at).getTime() - new Date(q.created_at).getTime());
  expect(waits[1]!).toBeGreaterThan(waits[0]!);
  // The capacity was held across the retries and used once.
  const [{ used }] = await stack.db('capacity_counters').where({ workspace_id: flaky.id, period: 'daily' }).select('used');
  expect(used).toBe(1);
}, 90_000);

test('a buyer that never recovers: the lead ends failed after ROUTING_MAX_ATTEMPTS with the last error, capacity returned', async () => {
  const down = await createWorkspace(stack, { name: 'Down buyer', kind: 'partner', deliveryUrl: buyer.url('/down'), caps: { daily: 10 } });
  buyer.respondWith('/down', [502]);
  await createRule(stack, { name: 'down', priority: 17, conditions: { all: [{ field: 'product', op: 'eq', value: 'down-test' }] }, destinations: [{ workspaceId: down.id }] });
  const res = await postLead(stack, sourceA.apiKey!, aLead({ product: 'down-test' }));
  const [row] = await finished([res.json().leadId], 90_000);
  expect(row).toMatchObject({ routing_status: 'failed', routing_result: 'failed', last_error: 'retries_exhausted', routing_attempts: stack.config.ROUTING_MAX_ATTEMPTS });
  expect(buyer.received.filter((r) => r.path === '/down')).toHaveLength(stack.config.ROUTING_MAX_ATTEMPTS);
  const [log] = await stack.db('lead_routing_logs').where({ lead_id: row!.id });
  expect(log.error_message).toContain('502');
  // Still explainable: the last decision's rules and every failed delivery (DESIGN §6).
  expect(log.decision.rules.at(-1)).toMatchObject({ ruleName: 'down', matched: true, chosen: { workspaceId: down.id } });
  expect(log.decision.deliveries).toHaveLength(stack.config.ROUTING_MAX_ATTEMPTS);
  expect(log.decision.deliveries[0]).toMatchObject({ workspaceId: down.id, outcome: 'failed', reason: expect.stringContaining('502') });
  const [{ used }] = await stack.db('capacity_counters').where({ workspace_id: down.id, period: 'daily' }).select('used');
  expect(used).toBe(0);
}, 120_000);

test('deliveries are signed with the partner secret over the timestamp and body', async () => {
  const signedBuyer = await startBuyerServer({ secret: 'pending' });
  try {
    const partner = await createWorkspace(stack, { name: 'Signed buyer', kind: 'partner', deliveryUrl: signedBuyer.url('/signed') });
    await signedBuyer.close();
    const server = await startBuyerServer({ secret: partner.signingSecret! });
    await stack.db('workspaces').where({ id: partner.id }).update({ delivery_url: server.url('/signed') });
    await createRule(stack, { name: 'signed', priority: 18, conditions: { all: [{ field: 'product', op: 'eq', value: 'signed-test' }] }, destinations: [{ workspaceId: partner.id }] });
    const res = await postLead(stack, sourceA.apiKey!, aLead({ product: 'signed-test', email: 'signed.lead@outlook.com' }), '?wait=10000');
    expect(res.json().status).toBe('routed');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ signatureValid: true, idempotencyKey: res.json().leadId });
    expect(server.received[0]!.body).toMatchObject({ leadId: res.json().leadId, lead: { email: 'signed.lead@outlook.com', product: 'signed-test' } });
    await server.close();
  } finally {
    await signedBuyer.close().catch(() => undefined);
  }
});

test('every matching destination full: the lead waits (lock released, retry in the ledger), then expires at its TTL', async () => {
  const full = await createWorkspace(stack, { name: 'Full buyer', kind: 'partner', caps: { monthly: 1 } });
  await createRule(stack, { name: 'full', priority: 19, conditions: { all: [{ field: 'product', op: 'eq', value: 'full-test' }] }, destinations: [{ workspaceId: full.id }] });
  const first = await postLead(stack, sourceA.apiKey!, aLead({ product: 'full-test' }), '?wait=10000');
  expect(first.json().destinationWorkspaceId).toBe(full.id);

  // A lead whose TTL ends in 3 s, inserted directly so the test controls its clock.
  const [lead] = await stack.db('leads')
    .insert({ source_workspace_id: sourceA.id, external_id: 'ttl-soon', email_hash: 'ttl-hash', payload: { product: 'full-test' }, expires_at: stack.db.raw("now() + interval '3 seconds'") })
    .returning('id');
  await startRouteLead(stack.client, stack.config.TEMPORAL_TASK_QUEUE, { id: lead.id, sourceWorkspaceId: sourceA.id });

  const waiting = await waitFor('the lead to wait for capacity', async () => {
    const row = await stack.db('leads').where({ id: lead.id }).first();
    return row.routing_status === 'pending' && row.last_error === 'all_destinations_capped' ? row : undefined;
  });
  expect(waiting.routing_lock_owner).toBeNull();
  const [queued] = await stack.db('lead_routing_queue').where({ lead_id: lead.id });
  expect(queued).toMatchObject({ workspace_id: sourceA.id, attempt_number: 1, processed_at: null, last_error: 'all_destinations_capped' });

  // ?wait gives up after its budget and answers what is known: accepted, not yet routed.
  const waited = await postLead(stack, sourceA.apiKey!, aLead({ product: 'full-test' }), '?wait=300');
  expect(waited.statusCode).toBe(202);
  expect(['pending', 'routing']).toContain(waited.json().status);

  const [done] = await finished([lead.id], 30_000);
  expect(done).toMatchObject({ routing_status: 'expired', routing_result: null, destination_workspace_id: null });
  expect(await stack.db('identity_claims').where({ lead_id: lead.id })).toEqual([]);
});

test('simulate returns the decision real routing makes, and writes nothing', async () => {
  const simBuyer = await createWorkspace(stack, { name: 'Sim buyer', kind: 'partner', caps: { hourly: 10 } });
  await createRule(stack, { name: 'sim', priority: 20, conditions: { all: [{ field: 'product', op: 'eq', value: 'sim-test' }, { field: 'attributes.loanAmount', op: 'gte', value: 100000 }] }, destinations: [{ workspaceId: simBuyer.id }] });
  const tables = ['leads', 'lead_routing_logs', 'identity_claims', 'capacity_counters', 'capacity_reservations', 'rule_destination_counters', 'lead_routing_queue'];
  const snapshot = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, JSON.stringify(await stack.db(t).select('*').orderByRaw('1'))])));
  const before = await snapshot();

  const lead = { email: 'sim.lead@outlook.com', product: 'sim-test', attributes: { loanAmount: 250000 } };
  const sim = await stack.app.inject({ method: 'POST', url: '/api/admin/rules/simulate', headers: { authorization: `Bearer ${stack.adminToken}` }, payload: { sourceWorkspaceId: sourceA.id, lead } });
  expect(sim.statusCode).toBe(200);
  expect(sim.json().decision).toMatchObject({ kind: 'assigned', destinationWorkspaceId: simBuyer.id });
  const low = await stack.app.inject({ method: 'POST', url: '/api/admin/rules/simulate', headers: { authorization: `Bearer ${stack.adminToken}` }, payload: { sourceWorkspaceId: sourceA.id, lead: { ...lead, attributes: { loanAmount: 5 } } } });
  expect(low.json().decision.trace.rules).toEqual(expect.arrayContaining([
    expect.objectContaining({ ruleName: 'sim', matched: false, failedAt: { path: 'conditions.all[1]', field: 'attributes.loanAmount', op: 'gte' } }),
  ]));
  const invalid = await stack.app.inject({ method: 'POST', url: '/api/admin/rules/simulate', headers: { authorization: `Bearer ${stack.adminToken}` }, payload: { sourceWorkspaceId: sourceA.id, lead: { product: 'sim-test' } } });
  expect(invalid.statusCode).toBe(400);
  expect(invalid.json().error.details.map((d: { field: string }) => d.field)).toEqual(['lead.email', 'lead.phone']);
  expect(await snapshot()).toEqual(before);

  const real = await postLead(stack, sourceA.apiKey!, aLead(lead), '?wait=10000');
  expect(real.json()).toMatchObject({ status: 'routed', destinationWorkspaceId: simBuyer.id });
});

test('rules: a change bumps the version, the lead records the version that matched, a deleted rule no longer routes', async () => {
  const v1Buyer = await createWorkspace(stack, { name: 'v1 buyer', kind: 'partner' });
  const v2Buyer = await createWorkspace(stack, { name: 'v2 buyer', kind: 'partner' });
  const base = { name: 'versioned', priority: 21, conditions: { all: [{ field: 'product', op: 'eq', value: 'version-test' }] } };
  const rule = await createRule(stack, { ...base, destinations: [{ workspaceId: v1Buyer.id }] });
  const first = await postLead(stack, sourceA.apiKey!, aLead({ product: 'version-test' }), '?wait=10000');
  expect(first.json()).toMatchObject({ destinationWorkspaceId: v1Buyer.id, matchedRuleId: rule.id, matchedRuleVersion: 1 });

  const admin = { authorization: `Bearer ${stack.adminToken}` };
  const put = await stack.app.inject({ method: 'PUT', url: `/api/admin/rules/${rule.id}`, headers: admin, payload: { ...base, destinations: [{ workspaceId: v2Buyer.id }] } });
  expect(put.statusCode).toBe(200);
  expect(put.json().version).toBe(2);
  const second = await postLead(stack, sourceA.apiKey!, aLead({ product: 'version-test' }), '?wait=10000');
  expect(second.json()).toMatchObject({ destinationWorkspaceId: v2Buyer.id, matchedRuleVersion: 2 });

  const got = await stack.app.inject({ method: 'GET', url: `/api/admin/rules/${rule.id}`, headers: admin });
  expect(got.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  expect(got.json().versions[0].definition.destinations).toEqual([{ workspaceId: v1Buyer.id }]);

  expect((await stack.app.inject({ method: 'DELETE', url: `/api/admin/rules/${rule.id}`, headers: admin })).statusCode).toBe(204);
  // Deleted, it stays readable (old leads name its versions) but out of the list and out of routing.
  const deleted = await stack.app.inject({ method: 'GET', url: `/api/admin/rules/${rule.id}`, headers: admin });
  expect(deleted.statusCode).toBe(200);
  expect(deleted.json().deletedAt).toEqual(expect.any(String));
  const listed = (await stack.app.inject({ method: 'GET', url: '/api/admin/rules', headers: admin })).json() as { rules?: Array<{ id: string }> } | Array<{ id: string }>;
  expect((Array.isArray(listed) ? listed : listed.rules ?? []).map((r) => r.id)).not.toContain(rule.id);
  const third = await postLead(stack, sourceA.apiKey!, aLead({ product: 'version-test' }), '?wait=10000');
  expect(third.json()).toMatchObject({ status: 'failed', lastError: 'no_matching_rule' });
});
