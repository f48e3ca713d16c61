import crypto from 'node:crypto';
import type { Db } from '../../lib/db/createDb';
import type { TestStack } from './stack';

/** Creates workspaces and rules through the admin API, as an operator would. */
export async function createWorkspace(stack: TestStack, body: Record<string, unknown>) {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/admin/workspaces',
    headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`create workspace: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; apiKey?: string; signingSecret?: string; kind: string };
}

export async function createRule(stack: TestStack, body: Record<string, unknown>) {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/admin/rules',
    headers: { authorization: `Bearer ${stack.adminToken}` },
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`create rule: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; version: number };
}

/**
 * The smallest routing set-up, through the admin API: a source ('Source'), a partner ('Buyer', no delivery URL)
 * and one rule ('all', priority 1, no conditions) that sends every lead of any source to that partner.
 */
export async function createCatchAllRouting(stack: TestStack) {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: buyer.id }] });
  return { source, buyer };
}

export function postLead(stack: TestStack, apiKey: string, body: Record<string, unknown>, query = '') {
  return stack.app.inject({
    method: 'POST',
    url: `/api/leads/route${query}`,
    headers: { authorization: `Bearer ${apiKey}` },
    payload: body,
  });
}

let counter = 0;
/** A valid lead with a unique externalId (and a real-looking email: example.com is a placeholder, never a dedupe key). */
export function aLead(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return { externalId: `ext-${Date.now()}-${counter}`, email: `person${counter}@outlook.com`, state: 'CA', ...overrides };
}

/**
 * A pending lead inserted straight into `leads` (no gateway, no workflow), for tests that drive the routing
 * activities or SQL functions themselves; returns its id. `payload` as stored; a random email hash (a new person)
 * unless `emailHash` is given (null: no email key).
 */
export async function insertPendingLead(stack: Pick<TestStack, 'db'>, sourceId: string, payload: Record<string, unknown> = {}, opts: { emailHash?: string | null } = {}): Promise<string> {
  return insertLeadRow(stack.db, {
    source_workspace_id: sourceId,
    email_hash: opts.emailHash === undefined ? crypto.randomBytes(32).toString('hex') : opts.emailHash,
    payload, expires_at: stack.db.raw("now() + interval '90 days'"),
  });
}

/**
 * A `leads` row with exactly the given columns over a unique external_id, a random email hash (a new person)
 * and an empty payload; returns its id. For tests that seed what a store function reads (any status, any
 * timestamps): `expires_at` is required as the table has no default for it.
 */
export async function insertLeadRow(db: Db, columns: { source_workspace_id: string; expires_at: unknown } & Record<string, unknown>): Promise<string> {
  const [row] = await db('leads')
    .insert({ external_id: crypto.randomUUID(), email_hash: crypto.randomUUID(), payload: '{}', ...columns })
    .returning('id');
  return row.id as string;
}

/** A `workspaces` row (a source gets a made-up key hash, as the table requires); returns its id. No API, no secrets. */
export async function insertWorkspaceRow(db: Db, kind: 'source' | 'partner'): Promise<string> {
  const [row] = await db('workspaces')
    .insert({ name: `${kind} ${crypto.randomUUID()}`, kind, ...(kind === 'source' ? { api_key_hash: crypto.randomUUID(), api_key_prefix: 'lr_live_x' } : {}) })
    .returning('id');
  return row.id as string;
}
