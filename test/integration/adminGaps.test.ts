import crypto from 'node:crypto';
import { waitFor } from '../../scripts/local/waitFor';
import { leadViews } from '../../api/leadView';
import { getLeadState } from '../../lib/store/leads';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useBuyerServer, useTestStack } from '../support/useStack';

/**
 * Admin API gaps an operator hits, on the real stack (Postgres, Temporal dev server, a worker):
 *  1. GET /api/admin/leads pages past 500 leads with an opaque keyset cursor, filters kept;
 *  2. a deleted rule's versions stay readable (leads' traces name them), the rule stays out of routing and
 *     out of the default list;
 *  3. a lead waiting for a durable retry after a failed delivery shows its decision and retry state.
 * Retries wait an hour here (ROUTING_RETRY_BASE_SECONDS): a waiting lead stays waiting while it is looked at.
 */
const stack = useTestStack({ worker: true, env: { ROUTING_RETRY_BASE_SECONDS: '3600', ROUTING_RETRY_MAX_SECONDS: '3600' } });
const buyer = useBuyerServer();
let source: { id: string; apiKey?: string };

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Admin gaps source', kind: 'source' });
});

function admin(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: Record<string, unknown>) {
  return stack.app.inject({ method, url, headers: { authorization: `Bearer ${stack.adminToken}` }, ...(payload ? { payload } : {}) });
}

const fields = (res: { json(): { error?: { details?: Array<{ field: string }> } } }) => (res.json().error?.details ?? []).map((d) => d.field);

/**
 * Leads of a source of their own, inserted in SQL (no workflow: `failed` or `expired`, which nothing routes),
 * `perInstant` of them sharing each created_at to the microsecond (ties only the id can order).
 */
async function insertLeads(sourceId: string, n: number, status: 'failed' | 'expired', perInstant = 1, from = "timestamptz '2026-01-01 00:00:00.000001+00'"): Promise<void> {
  await stack.db.raw(
    `INSERT INTO leads (source_workspace_id, external_id, phone_hash, payload, routing_status, routing_result, last_error, created_at, expires_at)
     SELECT ?::uuid, 'gap-' || gen_random_uuid(), md5(random()::text), '{}'::jsonb, ?::text,
            CASE WHEN ?::text = 'failed' THEN 'failed' END, CASE WHEN ?::text = 'failed' THEN 'no_matching_rule' ELSE 'ttl_expired' END,
            ${from} + make_interval(secs => (g / ?::int) * 0.000001), now() + interval '1 day'
       FROM generate_series(0, ? - 1) g`,
    [sourceId, status, status, status, perInstant, n],
  );
}

/** Every page of a listing, following nextCursor (with `again` the filters are re-sent with each cursor). */
async function allPages(firstUrl: string, opts: { again?: string; onPage?: (n: number) => Promise<void> } = {}): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let url = firstUrl;
  for (let page = 0; page < 100; page += 1) {
    const res = await admin('GET', url);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { leads: Array<{ leadId: string }>; nextCursor: string | null };
    ids.push(...body.leads.map((l) => l.leadId));
    sizes.push(body.leads.length);
    await opts.onPage?.(page);
    if (body.nextCursor === null) return { ids, sizes };
    const limit = new URL(firstUrl, 'http://x').searchParams.get('limit');
    url = `/api/admin/leads?cursor=${encodeURIComponent(body.nextCursor)}${limit ? `&limit=${limit}` : ''}${opts.again ? `&${opts.again}` : ''}`;
  }
  throw new Error('more than 100 pages');
}

/** The ids of a source's leads in the listing's order, straight from SQL: what the pages must add up to. */
async function expectedIds(sourceId: string, status?: string): Promise<string[]> {
  const q = stack.db('leads').select('id').where({ source_workspace_id: sourceId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (status) q.where({ routing_status: status });
  return (await q).map((r: { id: string }) => r.id);
}

describe('GET /api/admin/leads pages with a cursor', () => {
  test('1,150 failed leads of a day come out in pages of 500, 500, 150, each once, in order, while new leads arrive', async () => {
    const pager = await createWorkspace(stack, { name: 'Paging source', kind: 'source' });
    await insertLeads(pager.id, 1150, 'failed');
    await insertLeads(pager.id, 300, 'expired'); // filtered out: the status filter holds on every page
    const expected = await expectedIds(pager.id, 'failed');

    const filters = `status=failed&sourceWorkspaceId=${pager.id}`;
    // A failed lead arriving between pages sorts before the first page: no page shifts, none repeats.
    const arrive = () => insertLeads(pager.id, 1, 'failed', 1, 'now()');
    const { ids, sizes } = await allPages(`/api/admin/leads?${filters}&limit=500`, { onPage: arrive });
    expect(sizes).toEqual([500, 500, 150]);
    expect(ids).toEqual(expected);

    // The same filters sent again with each cursor are accepted, and give the same pages.
    expect((await allPages(`/api/admin/leads?${filters}&limit=500`, { again: filters })).ids.slice(-1150)).toEqual(expected);
  }, 60_000);

  test('leads created in the same microsecond are neither skipped nor repeated across pages (id breaks the tie)', async () => {
    const ties = await createWorkspace(stack, { name: 'Ties source', kind: 'source' });
    await insertLeads(ties.id, 53, 'expired', 5); // 11 instants of 5 leads (the last of 3), pages of 7 cut through them
    const { ids, sizes } = await allPages(`/api/admin/leads?sourceWorkspaceId=${ties.id}&limit=7`);
    expect(sizes).toEqual([7, 7, 7, 7, 7, 7, 7, 4]);
    expect(ids).toEqual(await expectedIds(ties.id));
  });

  test('a bad cursor, or one sent with other filters, is a 400 naming `cursor`; the existing parameters still work', async () => {
    const mine = await createWorkspace(stack, { name: 'Cursor source', kind: 'source' });
    await insertLeads(mine.id, 3, 'failed');
    const first = (await admin('GET', `/api/admin/leads?status=failed&sourceWorkspaceId=${mine.id}&limit=1`)).json() as { leads: unknown[]; nextCursor: string };
    expect(first.leads).toHaveLength(1);
    expect(typeof first.nextCursor).toBe('string');

    const forged = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const uuid = crypto.randomUUID();
    for (const bad of ['not-a-cursor', forged({ c: 'yesterday', i: uuid }), forged({ c: '2026-13-01T00:00:00.000000Z', i: uuid }), forged({ c: '2026-01-01T00:00:00.000000Z', i: 'x' }), forged({ c: '2026-01-01T00:00:00.000000Z', i: uuid, s: 'lost' }), 'x'.repeat(1001)]) {
      const res = await admin('GET', `/api/admin/leads?cursor=${encodeURIComponent(bad)}`);
      expect([bad.slice(0, 40), res.statusCode, fields(res)]).toEqual([bad.slice(0, 40), 400, ['cursor']]);
    }
    for (const other of ['status=expired', `sourceWorkspaceId=${source.id}`, 'stale=true', `status=failed&sourceWorkspaceId=${mine.id}&stale=true`]) {
      const res = await admin('GET', `/api/admin/leads?cursor=${first.nextCursor}&${other}`);
      expect([other, res.statusCode, fields(res)]).toEqual([other, 400, ['cursor']]);
    }
    // The cursor alone continues the same listing (its filters travel with it).
    const rest = (await admin('GET', `/api/admin/leads?cursor=${first.nextCursor}&limit=5`)).json() as { leads: Array<{ leadId: string; status: string; sourceWorkspaceId: string }>; nextCursor: string | null };
    expect(rest.leads.map((l) => l.leadId)).toEqual((await expectedIds(mine.id, 'failed')).slice(1));
    expect(rest.nextCursor).toBeNull();
    // No cursor: as before (newest first, limit, filters, the stale check).
    expect((await admin('GET', `/api/admin/leads?status=failed&sourceWorkspaceId=${mine.id}`)).json().leads).toHaveLength(3);
    expect(fields(await admin('GET', '/api/admin/leads?status=failed&stale=true'))).toEqual(['stale']);
    expect(fields(await admin('GET', '/api/admin/leads?limit=501'))).toEqual(['limit']);
  });
});

describe('a deleted rule', () => {
  test('its versions stay readable (the version that routed a lead), it says it is deleted, and it neither routes nor lists by default', async () => {
    const partner = await createWorkspace(stack, { name: 'Deleted-rule buyer', kind: 'partner' }); // no deliveryUrl: accepted as not pushed
    const rule = await createRule(stack, { name: 'to be deleted', priority: 5, conditions: { all: [{ field: 'state', op: 'eq', value: 'WY' }] }, destinations: [{ workspaceId: partner.id }] });
    const edited = await admin('PUT', `/api/admin/rules/${rule.id}`, { name: 'to be deleted', priority: 5, conditions: { all: [{ field: 'state', op: 'in', value: ['WY', 'MT'] }] }, destinations: [{ workspaceId: partner.id }] });
    expect(edited.json()).toMatchObject({ version: 2, deletedAt: null });

    const routed = await postLead(stack, source.apiKey!, aLead({ state: 'MT' }), '?wait=10000');
    expect(routed.json()).toMatchObject({ status: 'routed', matchedRuleId: rule.id, matchedRuleVersion: 2 });
    const tracedRule = (routed.json().decision.rules as Array<{ ruleId: string; version: number }>).find((r) => r.ruleId === rule.id);
    expect(tracedRule).toMatchObject({ version: 2 });

    expect((await admin('DELETE', `/api/admin/rules/${rule.id}`)).statusCode).toBe(204);

    // The rule: readable by id, marked deleted, every version (the delete is the last one) included.
    const got = await admin('GET', `/api/admin/rules/${rule.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ id: rule.id, enabled: false, version: 3, deletedAt: expect.any(String) });
    expect(Date.parse(got.json().deletedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(got.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);

    const versions = await admin('GET', `/api/admin/rules/${rule.id}/versions`);
    expect(versions.json()).toMatchObject({ ruleId: rule.id, deletedAt: got.json().deletedAt });
    expect(versions.json().versions).toEqual(got.json().versions);

    // What decided the lead, from the lead's own matchedRuleId / matchedRuleVersion.
    const lead = routed.json() as { matchedRuleId: string; matchedRuleVersion: number };
    const version = await admin('GET', `/api/admin/rules/${lead.matchedRuleId}/versions/${lead.matchedRuleVersion}`);
    expect(version.statusCode).toBe(200);
    expect(version.json()).toMatchObject({ ruleId: rule.id, version: 2, deletedAt: got.json().deletedAt, definition: { enabled: true, conditions: { all: [{ field: 'state', op: 'in', value: ['WY', 'MT'] }] } } });
    expect((await admin('GET', `/api/admin/rules/${rule.id}/versions/4`)).statusCode).toBe(404);
    expect(fields(await admin('GET', `/api/admin/rules/${rule.id}/versions/0`))).toEqual(['version']);
    expect((await admin('GET', `/api/admin/rules/${crypto.randomUUID()}/versions`)).statusCode).toBe(404);

    // Out of the default list, in it on request; not editable, not deletable twice.
    expect((await admin('GET', '/api/admin/rules')).json().rules.map((r: { id: string }) => r.id)).not.toContain(rule.id);
    const all = (await admin('GET', '/api/admin/rules?includeDeleted=true')).json().rules as Array<{ id: string; deletedAt: string | null }>;
    expect(all.find((r) => r.id === rule.id)).toMatchObject({ deletedAt: got.json().deletedAt });
    expect(all.filter((r) => r.id !== rule.id).every((r) => r.deletedAt === null)).toBe(true);
    expect((await admin('PUT', `/api/admin/rules/${rule.id}`, { name: 'revived', priority: 5, destinations: [{ workspaceId: partner.id }] })).statusCode).toBe(404);
    expect((await admin('DELETE', `/api/admin/rules/${rule.id}`)).statusCode).toBe(404);

    // Out of routing: a lead only it would match finds no rule.
    const after = await postLead(stack, source.apiKey!, aLead({ state: 'WY' }), '?wait=10000');
    expect(after.json()).toMatchObject({ status: 'failed', matchedRuleId: null });
    expect((after.json().decision.rules as Array<{ ruleId: string }>).map((r) => r.ruleId)).not.toContain(rule.id);
  }, 60_000);
});

describe('a lead waiting for a durable retry', () => {
  test('shows the decision it holds (buyer, rule version, trace) and its retry (attempt, failures, next attempt time); both clear once routed', async () => {
    const flaky = await createWorkspace(stack, { name: 'Down buyer', kind: 'partner', deliveryUrl: buyer.url('/down-then-up') });
    buyer.respondWith('/down-then-up', [500, 200]);
    const rule = await createRule(stack, { name: 'to the down buyer', priority: 6, conditions: { all: [{ field: 'state', op: 'eq', value: 'VT' }] }, destinations: [{ workspaceId: flaky.id }] });
    const leadId = (await postLead(stack, source.apiKey!, aLead({ state: 'VT' }))).json().leadId as string;

    // Delivery failed (HTTP 500): the lead is pending again, waiting an hour on its ledger row.
    await waitFor('the retry to be scheduled', async () => (await stack.db('lead_routing_queue').where({ lead_id: leadId }).whereNull('processed_at').first()) ?? undefined);
    const scheduledAt = Date.now();
    type Listed = { leadId: string; retry: { nextAttemptAt: string }; pendingDecision: { decidedAt: string }; decision: { rules: unknown[] } };
    const listed = (await admin('GET', `/api/admin/leads?status=pending&sourceWorkspaceId=${source.id}`)).json().leads as Listed[];
    const view = listed.find((l) => l.leadId === leadId)!;
    expect(view).toMatchObject({
      status: 'pending',
      result: null,
      destinationWorkspaceId: null, // not routed yet: the buyer has not accepted it
      attempts: 1,
      lastError: 'delivery_failed: HTTP 500',
      pendingDecision: { destinationWorkspaceId: flaky.id, ruleId: rule.id, ruleVersion: 1, decidedAt: expect.any(String) },
      retry: { attempt: 1, failedAttempts: 1, kind: 'backoff', reason: 'delivery_failed: HTTP 500', nextAttemptAt: expect.any(String) },
    });
    // Next attempt: the first backoff (ROUTING_RETRY_BASE_SECONDS = 1 h) after the failure.
    expect(Math.abs(Date.parse(view.retry.nextAttemptAt) - (scheduledAt + 3_600_000))).toBeLessThan(60_000);
    // The decision's trace: the rule that chose the buyer, as recorded with the decision.
    expect(view.decision).toMatchObject({ unmatchedRulesOmitted: true });
    expect(view.decision.rules).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: rule.id, chosen: expect.objectContaining({ workspaceId: flaky.id }) })]));
    expect(Date.parse(view.pendingDecision.decidedAt)).toBeLessThanOrEqual(scheduledAt);

    // The partner sees the same on GET /api/leads/:id (its own lead, its own key); the admin token too.
    for (const authorization of [`Bearer ${source.apiKey!}`, `Bearer ${stack.adminToken}`]) {
      const direct = await stack.app.inject({ method: 'GET', url: `/api/leads/${leadId}`, headers: { authorization } });
      expect(direct.statusCode).toBe(200);
      expect(direct.json()).toMatchObject({ pendingDecision: view.pendingDecision, retry: view.retry, decision: view.decision });
    }

    // The operator retries it now: the buyer accepts, the lead is routed, nothing is pending any more.
    expect((await admin('POST', `/api/admin/leads/${leadId}/retry`)).json()).toMatchObject({ outcome: 'signalled' });
    await waitFor('the lead to be routed', async () => ((await getLeadState(stack.db, leadId))?.status === 'routed' ? true : undefined));
    const done = (await admin('GET', `/api/admin/leads?status=routed&sourceWorkspaceId=${source.id}`)).json().leads.find((l: { leadId: string }) => l.leadId === leadId);
    expect(done).toMatchObject({ status: 'routed', destinationWorkspaceId: flaky.id, matchedRuleId: rule.id, matchedRuleVersion: 1, pendingDecision: null, retry: null });
    // Each delivery with the buyer's answer: the 500 that failed (retried later), then the 200.
    expect(done.decision.deliveries).toEqual([
      expect.objectContaining({ workspaceId: flaky.id, outcome: 'failed', status: 500, reason: 'HTTP 500' }),
      expect.objectContaining({ workspaceId: flaky.id, outcome: 'accepted', status: 200 }),
    ]);
  }, 60_000);

  test('a lead that was never decided has no pending decision or retry; a finished one neither', async () => {
    const leadId = (await postLead(stack, source.apiKey!, aLead({ state: 'ZZ' }), '?wait=10000')).json().leadId as string;
    const [view] = await leadViews(stack.db, [(await getLeadState(stack.db, leadId))!]);
    expect(view).toMatchObject({ status: 'failed', pendingDecision: null, retry: null, decision: expect.objectContaining({ rules: expect.any(Array) }) });
    expect(view!.workflowId).toBe(routeLeadWorkflowId(leadId));
  });
});
