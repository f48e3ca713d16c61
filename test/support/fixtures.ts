import crypto from 'node:crypto';
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
  const [row] = await stack.db('leads')
    .insert({
      source_workspace_id: sourceId, external_id: crypto.randomUUID(),
      email_hash: opts.emailHash === undefined ? crypto.randomBytes(32).toString('hex') : opts.emailHash,
      payload, expires_at: stack.db.raw("now() + interval '90 days'"),
    })
    .returning('id');
  return row.id as string;
}
