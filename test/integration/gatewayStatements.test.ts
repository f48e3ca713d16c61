import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The gateway's database work per lead (issue 10: every round trip is CPU on both sides of a 2-core box): once
 * the source's key is known (api/plugins/sourceKeyCache.ts), a POST is ONE statement, store_lead()
 * (migrations/0017_store_lead.ts), which stores the lead and claims its admission together.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

test('a lead POST is one statement: stored and admitted by store_lead(); a repeat is one statement too and claims nothing new', async () => {
  const source = await createWorkspace(stack, { name: 'Statements source', kind: 'source' });
  expect((await postLead(stack, source.apiKey!, aLead())).statusCode).toBe(202); // the key is looked up once
  const statements: string[] = [];
  const listener = (q: { sql: string }) => statements.push(q.sql);
  stack.db.on('query', listener);
  try {
    const body = aLead();
    const res = await postLead(stack, source.apiKey!, body);
    expect(res.statusCode).toBe(202);
    expect(statements).toEqual([expect.stringMatching(/^SELECT store_lead\(/)]);
    const row = await stack.db('leads').where({ id: res.json().leadId }).first();
    expect(row.admitted_at).not.toBeNull(); // claimed in that statement

    statements.length = 0;
    const again = await postLead(stack, source.apiKey!, body);
    expect(again.json()).toMatchObject({ leadId: res.json().leadId, repeated: true });
    expect(statements).toEqual([expect.stringMatching(/^SELECT store_lead\(/)]);
    expect((await stack.db('leads').where({ id: res.json().leadId }).first()).admitted_at).toEqual(row.admitted_at);
  } finally {
    stack.db.off('query', listener);
  }
});
