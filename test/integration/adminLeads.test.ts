import crypto from 'node:crypto';
import { waitFor } from '../../scripts/local/waitFor';
import { routeLeadWorkflowId } from '../../workflows/routeLead.types';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * Issue 4 part 5 through the admin API, on the real stack: the stuck-lead list (from Postgres, with each
 * lead's Temporal UI link), the operator's retry of one lead, and the validation / auth of both.
 */
const stack = useTestStack({ worker: true });
let source: { id: string; apiKey?: string };
let buyer: { id: string };

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Admin leads source', kind: 'source' });
  buyer = await createWorkspace(stack, { name: 'Admin leads buyer', kind: 'partner' });
});

function admin(method: 'GET' | 'POST', url: string, token: string | null = stack.adminToken) {
  return stack.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** A `routing` lead row whose lock was taken `lockedAgo` (SQL interval) ago by a run that is gone. */
async function routingLead(lockedAgo: string, createdAgo: string, sourceId = source.id): Promise<string> {
  const db = stack.db;
  const [row] = await db('leads')
    .insert({
      source_workspace_id: sourceId,
      external_id: `admin-${crypto.randomUUID()}`,
      phone_hash: crypto.randomBytes(16).toString('hex'),
      payload: { state: 'CA' },
      routing_status: 'routing',
      routing_lock_owner: 'route-lead-gone/dead-run',
      routing_locked_at: db.raw('now() - ?::interval', [lockedAgo]),
      routing_attempts: 1,
      created_at: db.raw('now() - ?::interval', [createdAgo]),
      expires_at: db.raw("now() + interval '80 days'"),
    })
    .returning('id');
  return row.id;
}

const details = (res: { json(): { error?: { details?: Array<{ field: string }> } } }) => (res.json().error?.details ?? []).map((d) => d.field);

describe('GET /api/admin/leads', () => {
  test('status=routing&stale=true lists exactly the leads with a lock older than the stale threshold, newest first, with Temporal UI links', async () => {
    const staleOld = await routingLead('20 minutes', '21 minutes');
    const staleNew = await routingLead('6 minutes', '7 minutes');
    const fresh = await routingLead('1 minute', '2 minutes');
    const other = await createWorkspace(stack, { name: 'Other source', kind: 'source' });
    const staleOther = await routingLead('30 minutes', '31 minutes', other.id);

    const res = await admin('GET', '/api/admin/leads?status=routing&stale=true');
    expect(res.statusCode).toBe(200);
    const leads = res.json().leads as Array<Record<string, unknown>>;
    expect(leads.map((l) => l.leadId)).toEqual([staleNew, staleOld, staleOther]);
    for (const lead of leads) {
      const workflowId = routeLeadWorkflowId(lead.leadId as string);
      expect(lead).toMatchObject({ status: 'routing', workflowId, temporalUiUrl: `${stack.config.TEMPORAL_UI_URL}/namespaces/${stack.config.TEMPORAL_NAMESPACE}/workflows/${workflowId}` });
      expect(lead).not.toHaveProperty('payload');
    }
    // stale=true alone means the same; the fresh lock shows among all routing leads only.
    expect((await admin('GET', '/api/admin/leads?stale=true')).json().leads.map((l: { leadId: string }) => l.leadId)).toEqual([staleNew, staleOld, staleOther]);
    const routing = (await admin('GET', '/api/admin/leads?status=routing')).json().leads.map((l: { leadId: string }) => l.leadId);
    expect(routing).toEqual([fresh, staleNew, staleOld, staleOther]);
    // Filters: source, limit.
    expect((await admin('GET', `/api/admin/leads?stale=true&sourceWorkspaceId=${other.id}`)).json().leads.map((l: { leadId: string }) => l.leadId)).toEqual([staleOther]);
    expect((await admin('GET', '/api/admin/leads?stale=true&limit=1')).json().leads.map((l: { leadId: string }) => l.leadId)).toEqual([staleNew]);

    // Tidy up: these leads have no workflow; the rest of the file does not want them.
    await stack.db('leads').whereIn('id', [staleOld, staleNew, fresh, staleOther]).delete();
  });

  test('bad query values are a 400 naming the field; no admin token is a 401', async () => {
    for (const [query, field] of [
      ['status=bogus', 'status'],
      ['stale=maybe', 'stale'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['sourceWorkspaceId=not-a-uuid', 'sourceWorkspaceId'],
      ['colour=red', 'colour'],
      ['status=pending&stale=true', 'stale'],
    ] as const) {
      const res = await admin('GET', `/api/admin/leads?${query}`);
      expect({ query, status: res.statusCode, code: res.json().error?.code, fields: details(res) }).toEqual({ query, status: 400, code: 'invalid_request', fields: [field] });
    }
    expect((await admin('GET', '/api/admin/leads', null)).statusCode).toBe(401);
    expect((await admin('GET', '/api/admin/leads', 'wrong-token-wrong-token')).statusCode).toBe(401);
    expect((await admin('GET', '/api/admin/leads', source.apiKey!)).statusCode).toBe(401); // a source is not an operator
  });
});

describe('POST /api/admin/leads/:id/retry', () => {
  test('a failed lead (no matching rule) is reset and re-driven once a catch-all rule exists, and ends routed', async () => {
    const first = await postLead(stack, source.apiKey!, aLead(), '?wait=10000');
    expect(first.json()).toMatchObject({ status: 'failed', result: 'failed', lastError: 'no_matching_rule' });
    const leadId = first.json().leadId as string;

    await createRule(stack, { name: 'catch-all', priority: 100, destinations: [{ workspaceId: buyer.id }] });
    const res = await admin('POST', `/api/admin/leads/${leadId}/retry`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ leadId, outcome: 'started' });

    const lead = await waitFor(`lead ${leadId} routed`, async () => {
      const body = (await admin('GET', `/api/leads/${leadId}`)).json();
      return body.status === 'routed' ? body : undefined;
    });
    expect(lead).toMatchObject({ result: 'success', destinationWorkspaceId: buyer.id });
    const logs = await stack.db('lead_routing_logs').where({ lead_id: leadId }).orderBy('id');
    expect(logs.map((l) => [l.routing_result, l.error_code])).toEqual([['failed', 'no_matching_rule'], ['success', null]]);

    // A routed lead is final.
    const again = await admin('POST', `/api/admin/leads/${leadId}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_final');
    expect(await stack.db('lead_routing_logs').where({ lead_id: leadId })).toHaveLength(2);
  });

  test('a lead waiting for a full buyer\'s cap reset is woken by the retry once the operator raises the cap, and routed now', async () => {
    // Only this test's rule: with a catch-all (another test's) the second lead would go there instead of waiting.
    const auth = { authorization: `Bearer ${stack.adminToken}` };
    for (const rule of (await admin('GET', '/api/admin/rules')).json().rules as Array<{ id: string }>) {
      expect((await stack.app.inject({ method: 'DELETE', url: `/api/admin/rules/${rule.id}`, headers: auth })).statusCode).toBe(204);
    }
    const full = await createWorkspace(stack, { name: 'Full buyer', kind: 'partner', caps: { monthly: 1 } });
    await createRule(stack, { name: 'only the full buyer', priority: 1, destinations: [{ workspaceId: full.id }] });
    const first = await postLead(stack, source.apiKey!, aLead(), '?wait=10000');
    expect(first.json()).toMatchObject({ status: 'routed', destinationWorkspaceId: full.id });

    // The second lead finds the buyer full: it waits, pending, with a ledger row due at the next monthly reset.
    const leadId = (await postLead(stack, source.apiKey!, aLead())).json().leadId as string;
    const waiting = await waitFor('the second lead to wait for the cap reset', async () => {
      const row = await stack.db('lead_routing_queue').where({ lead_id: leadId }).first();
      return row ? row : undefined;
    });
    expect(waiting).toMatchObject({ last_error: 'all_destinations_capped', processed_at: null });
    expect(new Date(waiting.next_retry_at).getTime()).toBeGreaterThan(Date.now());
    expect(await stack.db('leads').where({ id: leadId }).first()).toMatchObject({ routing_status: 'pending' });

    const patched = await stack.app.inject({ method: 'PATCH', url: `/api/admin/workspaces/${full.id}`, headers: auth, payload: { caps: { monthly: 2 } } });
    expect(patched.statusCode).toBe(200);
    const res = await admin('POST', `/api/admin/leads/${leadId}/retry`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ leadId, outcome: 'signalled' });

    const lead = await waitFor(`lead ${leadId} routed`, async () => {
      const body = (await admin('GET', `/api/leads/${leadId}`)).json();
      return body.status === 'routed' ? body : undefined;
    });
    expect(lead).toMatchObject({ result: 'success', destinationWorkspaceId: full.id });
    expect((await stack.db('lead_routing_queue').where({ lead_id: leadId })).map((r) => r.processed_at)).toEqual([expect.any(Date)]);
  });

  test('an expired lead is final too (409); a failed lead past its TTL is not revived (409 past_ttl)', async () => {
    const db = stack.db;
    const base = { source_workspace_id: source.id, email_hash: crypto.randomBytes(16).toString('hex'), payload: {} };
    const [expired] = await db('leads').insert({ ...base, external_id: `exp-${crypto.randomUUID()}`, routing_status: 'expired', last_error: 'ttl_expired', expires_at: db.raw("now() - interval '1 day'") }).returning('id');
    const [failedOld] = await db('leads').insert({ ...base, external_id: `fail-${crypto.randomUUID()}`, routing_status: 'failed', routing_result: 'failed', last_error: 'no_matching_rule', expires_at: db.raw("now() - interval '1 day'") }).returning('id');
    expect((await admin('POST', `/api/admin/leads/${expired.id}/retry`)).json().error.code).toBe('already_final');
    const res = await admin('POST', `/api/admin/leads/${failedOld.id}/retry`);
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'past_ttl']);
    expect(await db('leads').where({ id: failedOld.id }).first()).toMatchObject({ routing_status: 'failed' });
  });

  test('an unknown lead is a 404, a malformed id a 400 naming `id`, no token a 401', async () => {
    const unknown = await admin('POST', `/api/admin/leads/${crypto.randomUUID()}/retry`);
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'not_found']);
    const bad = await admin('POST', '/api/admin/leads/not-a-uuid/retry');
    expect([bad.statusCode, details(bad)]).toEqual([400, ['id']]);
    expect((await admin('POST', `/api/admin/leads/${crypto.randomUUID()}/retry`, null)).statusCode).toBe(401);
    expect((await admin('POST', '/api/admin/retry-queue/process', null)).statusCode).toBe(401);
  });
});
