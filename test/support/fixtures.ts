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
