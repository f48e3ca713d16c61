import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { freePort } from '../../scripts/local/freePort';
import { waitFor } from '../../scripts/local/waitFor';
import { aLead, createRule, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

test('Temporal unreachable: the lead is kept and the caller told to retry; the retry of the same request starts its routing', async () => {
  const source = await createWorkspace(stack, { name: 'Source', kind: 'source' });
  const buyer = await createWorkspace(stack, { name: 'Buyer', kind: 'partner' });
  await createRule(stack, { name: 'all', priority: 1, destinations: [{ workspaceId: buyer.id }] });

  // The same API, but its Temporal client points at a port where nothing listens.
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
  const deadTemporal = new Client({ connection });
  const app = await buildApp({ db: stack.db, temporal: deadTemporal, config: stack.config }, { logger: false });
  const lead = aLead();
  try {
    const res = await app.inject({ method: 'POST', url: '/api/leads/route', headers: { authorization: `Bearer ${source.apiKey}` }, payload: lead });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'routing_unavailable', message: expect.stringContaining('retry the same request') });
  } finally {
    await app.close();
    await connection.close().catch(() => undefined);
  }
  const [stored] = await stack.db('leads').where({ source_workspace_id: source.id, external_id: lead.externalId });
  expect(stored).toMatchObject({ routing_status: 'pending' });

  // The partner retries with the same externalId once Temporal is back: same lead, now routed.
  const again = await postLead(stack, source.apiKey!, lead);
  expect(again.statusCode).toBe(200);
  expect(again.json()).toMatchObject({ leadId: stored.id, repeated: true });
  await waitFor('the stored lead to be routed', async () => {
    const row = await stack.db('leads').where({ id: stored.id }).first();
    return row.routing_status === 'routed' ? row : undefined;
  });
}, 60_000);
