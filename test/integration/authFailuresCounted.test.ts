// Every 401 for a bad or malformed credential counts against the failed-authentication throttle the same way
// (api/plugins/auth.ts). Two Authorization headers used to be answered 401 by a hook of their own, before the
// throttle: never counted, so a client could probe without limit by sending its guesses twice, and never
// throttled. Each kind below is sent AUTH_FAILURES_PER_MINUTE times from its own address (each a 401), then once
// more, with the right admin token, and that answer is the throttle's 429. Real Postgres and Temporal.
import type { InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import { aLead, createWorkspace } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

const PER_MINUTE = 3;
const stack = useTestStack({ worker: false, env: { AUTH_FAILURES_PER_MINUTE: String(PER_MINUTE), RATE_LIMIT_PER_MINUTE: '1000' } });

type Headers = InjectOptions['headers'];
// light-my-request sends an array as the header given twice (Node's typings allow one Authorization only).
const twice = (first: string, second: string) => ({ authorization: [first, second] }) as unknown as Headers;

/** Malformed or bad credentials, each as the headers that carry it. */
const kinds: Array<[string, () => Headers]> = [
  // Two copies of one credential are that credential (a header a route reads, given twice with one value, is that value).
  ['two Authorization headers, the right admin token first', () => twice(`Bearer ${stack.adminToken}`, `Bearer other-${crypto.randomUUID()}`)],
  ['two Authorization headers, a wrong one first', () => twice(`Bearer wrong-token-${crypto.randomUUID()}`, `Bearer ${stack.adminToken}`)],
  ['an empty Bearer', () => ({ authorization: 'Bearer ' })],
  ['another scheme', () => ({ authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` })],
  ['a token without a scheme', () => ({ authorization: stack.adminToken })],
  ['a Bearer of two words', () => ({ authorization: `Bearer ${stack.adminToken} extra` })],
  ['no Authorization at all', () => ({})],
  // A new one each time: a wrong credential is also counted across addresses.
  ['a wrong token', () => ({ authorization: `Bearer wrong-token-${crypto.randomUUID()}` })],
];

let address = 0;
/** A fresh client address per case: the throttle counts per address. */
const nextAddress = () => `203.0.113.${++address}`;

describe.each([
  ['the admin API', 'GET', '/api/admin/workspaces'],
  ['a source endpoint', 'POST', '/api/leads/route'],
] as const)('%s', (_name, method, url) => {
  test.each(kinds)(`%s: ${PER_MINUTE} times 401, then 429 even for the right credential`, async (_kind, headers) => {
    const remoteAddress = nextAddress();
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE; i++) {
      const res = await stack.app.inject({ method, url, remoteAddress, headers: headers(), ...(method === 'POST' ? { payload: aLead() } : {}) });
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
      statuses.push(res.statusCode);
    }
    const right = url.startsWith('/api/admin/') ? `Bearer ${stack.adminToken}` : `Bearer ${(await createWorkspace(stack, { name: `Counted ${remoteAddress}`, kind: 'source' })).apiKey}`;
    const after = await stack.app.inject({ method, url, remoteAddress, headers: { authorization: right }, ...(method === 'POST' ? { payload: aLead() } : {}) });
    expect([...statuses, after.statusCode]).toEqual([...Array<number>(PER_MINUTE).fill(401), 429]);
    expect(after.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/too many failed authentications/) } });
    expect(Number(after.headers['retry-after'])).toBeGreaterThan(0);
  });
});

test('two Authorization headers still say so in the 401, and a throttled address gets the 429 first', async () => {
  const remoteAddress = nextAddress();
  const first = await stack.app.inject({ method: 'GET', url: '/api/admin/workspaces', remoteAddress, headers: twice(`Bearer ${stack.adminToken}`, 'Bearer x') });
  expect(first.json()).toEqual({ error: { code: 'unauthorized', message: 'the Authorization header is given more than once with different values, so which credential was meant is unknown: send one Authorization: Bearer <credential>' } });
  for (let i = 1; i < PER_MINUTE; i++) await stack.app.inject({ method: 'GET', url: '/api/admin/workspaces', remoteAddress, headers: { authorization: 'Bearer ' } });
  const throttled = await stack.app.inject({ method: 'GET', url: '/api/admin/workspaces', remoteAddress, headers: twice(`Bearer ${stack.adminToken}`, 'Bearer x') });
  expect(throttled.statusCode).toBe(429);
});

test('a request with two Authorization headers blames its address, not the credentials in it: the admin token keeps working elsewhere', async () => {
  // From many addresses, each below its own limit: only a credential key could add these up.
  for (let i = 0; i < PER_MINUTE * 2; i++) {
    const res = await stack.app.inject({ method: 'GET', url: '/api/admin/workspaces', remoteAddress: nextAddress(), headers: twice(`Bearer ${stack.adminToken}`, 'Bearer other') });
    expect(res.statusCode).toBe(401);
  }
  const res = await stack.app.inject({ method: 'GET', url: '/api/admin/workspaces', remoteAddress: nextAddress(), headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(res.statusCode).toBe(200);
});
