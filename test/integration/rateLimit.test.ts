import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_PER_MINUTE: '3' });
});
afterAll(async () => {
  await stack?.stop();
});

test('a source over its per-minute limit gets 429 in the API error shape; another key and /health are unaffected', async () => {
  // The admin's own calls count against the admin token, not against the sources.
  const a = await createWorkspace(stack, { name: 'Busy source', kind: 'source' });
  const b = await createWorkspace(stack, { name: 'Quiet source', kind: 'source' });

  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await postLead(stack, a.apiKey!, aLead())).statusCode);
  expect(statuses).toEqual([202, 202, 202, 429]);

  const limited = await postLead(stack, a.apiKey!, aLead());
  expect(limited.statusCode).toBe(429);
  expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/rate limit of 3 requests per 1 minute/) } });
  expect(limited.headers['retry-after']).toBeDefined();

  expect((await postLead(stack, b.apiKey!, aLead())).statusCode).toBe(202);
  for (let i = 0; i < 5; i++) expect((await stack.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
});
