// The HTTP boundary's known nits (newcomer walk, session 8), each kept as a regression with the right
// answer, and each checked as a KIND: every route or field where it can happen, not the one example.
// Real Postgres and Temporal (test/support/stack.ts); the 431 goes over a real socket to a listening app.
import type { InjectOptions } from 'fastify';
import crypto from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { aLead, createWorkspace } from '../support/fixtures';
import { rowCounts } from '../support/rowCounts';
import { startTestStack } from '../support/stack';
import { useTestStack } from '../support/useStack';

const stack = useTestStack({ worker: false });
let source: { id: string; apiKey?: string };
let partner: { id: string };
const ANY_ID = '0b4f6a0e-3c1d-4e8f-9a2b-5d6c7e8f9a0b';

beforeAll(async () => {
  source = await createWorkspace(stack, { name: 'Nits source', kind: 'source' });
  partner = await createWorkspace(stack, { name: 'Nits partner', kind: 'partner', deliveryUrl: 'http://127.0.0.1:9/leads' });
});

const asSource = () => ({ authorization: `Bearer ${source.apiKey}` });
const asAdmin = () => ({ authorization: `Bearer ${stack.adminToken}` });
const inject = (opts: InjectOptions) => stack.app.inject(opts);
/** POST /api/leads/route with a JSON object, or raw text / bytes sent as application/json. */
const route = (payload: unknown, headers: Record<string, string> = {}, query = '') =>
  inject({
    method: 'POST',
    url: `/api/leads/route${query}`,
    headers: { ...asSource(), 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
const details = (res: { json: () => unknown }) => (res.json() as { error: { details?: Array<{ field: string; message: string }> } }).error.details;
const uniqueEmail = () => `p${crypto.randomBytes(4).toString('hex')}@outlook.com`;

describe('1. a known path asked with a method it does not serve: 405 with Allow, in the error shape', () => {
  test.each([
    ['PUT', '/api/leads/route', 'GET, HEAD, POST'], // GET /api/leads/:id matches the path too
    ['DELETE', `/api/leads/${ANY_ID}`, 'GET, HEAD'],
    ['PATCH', `/api/admin/rules/${ANY_ID}`, 'DELETE, GET, HEAD, PUT'],
    ['PATCH', '/api/admin/rules/simulate', 'DELETE, GET, HEAD, POST, PUT'], // and /api/admin/rules/:id
    ['POST', '/health', 'GET, HEAD'],
    ['OPTIONS', '/api/admin/slo', 'GET, HEAD'],
  ])('%s %s → 405, Allow: %s', async (method, url, allow) => {
    const res = await inject({ method: method as InjectOptions['method'], url, headers: asAdmin() });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.json()).toEqual({ error: { code: 'method_not_allowed', message: `${method} is not served at ${url}; allowed: ${allow}` } });
  });

  test('a path no route serves is still 404', async () => {
    const res = await inject({ method: 'PUT', url: '/api/leads/route/extra', headers: asSource() });
    expect(res.statusCode).toBe(404);
    expect(res.headers.allow).toBeUndefined();
    expect(res.json().error.code).toBe('not_found');
  });
});

describe('2. a compressed body: 415 naming the encoding (not decompressed), nothing written', () => {
  const lead = () => JSON.stringify(aLead());
  test.each([
    ['gzip', () => zlib.gzipSync(lead())],
    ['deflate', () => zlib.deflateSync(lead())],
    ['br', () => zlib.brotliCompressSync(lead())],
    ['br', lead], // a plain body under an encoding header was stored as if the header were absent
    ['x-unknown', lead],
    ['gzip, identity', () => zlib.gzipSync(lead())],
  ])('Content-Encoding: %s → 415', async (encoding, body) => {
    const before = await rowCounts(stack.db, ['leads']);
    const res = await route(body(), { 'content-encoding': encoding });
    expect(res.statusCode).toBe(415);
    expect(res.headers['accept-encoding']).toBe('identity');
    expect(res.json()).toEqual({ error: { code: 'unsupported_media_type', message: `Content-Encoding: ${encoding} is not accepted; send the JSON body uncompressed (no Content-Encoding)` } });
    expect(await rowCounts(stack.db, ['leads'])).toEqual(before);
  });

  test('on the admin API too', async () => {
    const res = await inject({ method: 'POST', url: '/api/admin/workspaces', headers: { ...asAdmin(), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: zlib.gzipSync(JSON.stringify({ name: 'Zipped', kind: 'source' })) });
    expect(res.statusCode).toBe(415);
  });

  test('Content-Encoding: identity is the uncompressed body, accepted', async () => {
    expect((await route(aLead(), { 'content-encoding': 'identity' })).statusCode).toBe(202);
  });
});

describe('3. an unknown query parameter on any /api route: 400 naming it (and what the route accepts)', () => {
  test.each([
    ['GET', `/api/leads/${ANY_ID}?wiat=5000`, 'wiat', 'it takes none', asSource],
    ['POST', '/api/leads/route?wiat=5000', 'wiat', 'accepted: wait', asSource],
    ['GET', '/api/admin/slo?window=1h', 'window', undefined, asAdmin],
    ['GET', '/api/admin/rules?x=1', 'x', undefined, asAdmin],
    ['GET', `/api/admin/rules/${ANY_ID}?x=1`, 'x', 'it takes none', asAdmin],
    ['GET', '/api/admin/leads?stauts=failed', 'stauts', 'accepted: status, stale, sourceWorkspaceId, limit', asAdmin],
    ['GET', '/api/admin/workspaces?knd=source', 'knd', 'accepted: kind', asAdmin],
    ['POST', '/api/admin/retry-queue/process?dryRun=true', 'dryRun', undefined, asAdmin],
  ])('%s %s → 400 naming %s', async (method, url, field, accepted, who) => {
    // A lead to the lead route only: the retry-queue pass takes no body, and would list the body among its problems too.
    const res = await inject({ method: method as InjectOptions['method'], url, headers: who(), ...(url.startsWith('/api/leads/route') ? { payload: aLead() } : {}) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('invalid querystring');
    expect(details(res)).toEqual([{ field, message: expect.stringMatching(/^is not a query parameter of this endpoint/) }]);
    if (accepted) expect(details(res)![0]!.message).toContain(accepted);
  });

  test('every documented GET /api route refuses ?typo=1 (the kind, not the examples)', async () => {
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const gets = Object.entries(doc.paths).filter(([p, ops]) => p.startsWith('/api/') && ops.get);
    expect(gets.length).toBeGreaterThanOrEqual(6);
    for (const [p, ops] of gets) {
      // Valid path parameters (Fastify checks params before the query string): ids are UUIDs, others numbers.
      const url = `${p.replace(/\{(\w+)\}/g, (_, name: string) => (/id$/i.test(name) ? ANY_ID : '1'))}?typo=1`;
      const res = await inject({ method: 'GET', url, headers: p.startsWith('/api/admin/') ? asAdmin() : asSource() });
      expect([url, res.statusCode, details(res)?.[0]?.field]).toEqual([url, 400, 'typo']);
      expect([p, Object.keys(ops.get!.responses)]).toEqual([p, expect.arrayContaining(['400'])]); // documented
    }
  });

  test('the query strings the runbooks and tools send still work; probes ignore query strings', async () => {
    expect((await inject({ method: 'GET', url: '/api/admin/leads?status=routing&stale=true&limit=20', headers: asAdmin() })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/api/admin/workspaces?kind=partner', headers: asAdmin() })).statusCode).toBe(200);
    expect((await route(aLead(), {}, '?wait=0')).statusCode).toBe(202);
    expect((await inject({ method: 'GET', url: '/health?_=123' })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/openapi.json?v=2' })).statusCode).toBe(200);
  });
});

describe('4. control characters inside free text: 400 naming the field (trimmed at the ends, as before)', () => {
  const CONTROLS = /^must not contain control characters/;
  test.each([
    ['firstName', 'Jo\nhn'], ['firstName', 'Jo\thn'], ['firstName', 'Jo\rhn'], ['firstName', 'Jo\u001Bhn'], ['firstName', 'Jo\u007Fhn'],
    ['firstName', 'Jo\u0085hn'], ['firstName', 'Jo\u2028hn'], ['firstName', 'Jo\u202Ehn'], ['firstName', 'Jo\u2066hn'],
    ['lastName', 'Do\u0007e'], ['state', 'C\nA'], ['postalCode', '941\t07'], ['product', 'auto\u0000x'],
  ])('%s = %j → 400 naming it', async (field, value) => {
    const res = await route(aLead({ [field]: value }));
    expect(res.statusCode).toBe(400);
    // NUL is refused by the JSON parser for every string (Postgres cannot store it), the rest by the schema.
    expect(details(res)).toEqual([{ field, message: value.includes('\u0000') ? expect.stringMatching(/NUL/) : expect.stringMatching(CONTROLS) }]);
  });

  test('externalId: a tab inside is refused like a line break', async () => {
    const res = await route(aLead({ externalId: 'ext\t1' }));
    expect(res.statusCode).toBe(400);
    expect(details(res)).toEqual([{ field: 'externalId', message: expect.stringContaining('without control characters') }]);
  });

  test('attribute values may span lines (tab, LF, CR) but carry no other control', async () => {
    const bad = await route(aLead({ attributes: { note: 'a\u001Bb', ok: 'x' } }));
    expect(details(bad)).toEqual([{ field: 'attributes.note', message: expect.stringMatching(/^must not contain control characters other than tab and line breaks/) }]);
    expect((await route(aLead({ attributes: { note: 'line 1\r\nline 2\tend' } }))).statusCode).toBe(202);
  });

  test('joiners and directional marks (Persian, Indic names, emoji) are accepted; controls at the ends are trimmed', async () => {
    const res = await route(aLead({ firstName: 'می\u200Cخواهم', lastName: '\tक्\u200Dष\n', product: '👩\u200D💻' }), {}, '');
    expect(res.statusCode).toBe(202);
    const row = await stack.db('leads').where({ id: res.json().leadId }).first();
    expect(row.payload).toMatchObject({ firstName: 'می\u200Cخواهم', lastName: 'क्\u200Dष', product: '👩\u200D💻' });
  });

  test('the same rule on the admin API: the simulated lead and a workspace name', async () => {
    const sim = await inject({ method: 'POST', url: '/api/admin/rules/simulate', headers: asAdmin(), payload: { sourceWorkspaceId: source.id, lead: { email: uniqueEmail(), firstName: 'A\nB' } } });
    expect(sim.statusCode).toBe(400);
    expect(details(sim)).toEqual([{ field: 'lead.firstName', message: expect.stringMatching(CONTROLS) }]);
    const ws = await inject({ method: 'POST', url: '/api/admin/workspaces', headers: asAdmin(), payload: { name: 'Acme\u202Egnp.exe', kind: 'source' } });
    expect(ws.statusCode).toBe(400);
    expect(details(ws)?.map((d) => d.field)).toEqual(['name']);
  });
});

describe('5. full-width / compatibility email and other-script phone digits: one identity with the ASCII form', () => {
  const hashesOf = async (body: Record<string, unknown>) => {
    const res = await route(aLead({ email: undefined, ...body }));
    expect([body, res.statusCode]).toEqual([body, 202]);
    const row = await stack.db('leads').where({ id: res.json().leadId }).first();
    return { email: row.email_hash as string | null, phone: row.phone_hash as string | null, payload: row.payload as Record<string, unknown> };
  };

  test('ｊｏｈｎ＠ｏｕｔｌｏｏｋ．ｃｏｍ and john＠outlook.com are stored and deduped as john@outlook.com', async () => {
    const local = `john${crypto.randomBytes(3).toString('hex')}`;
    const ascii = await hashesOf({ email: `${local}@outlook.com` });
    const fullWidth = await hashesOf({ email: `${local.replace(/[a-z0-9]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0))}＠ｏｕｔｌｏｏｋ．ｃｏｍ` });
    const fullWidthAt = await hashesOf({ email: `${local}＠outlook.com` });
    expect(ascii.email).toEqual(expect.any(String));
    expect(fullWidth.email).toBe(ascii.email);
    expect(fullWidthAt.email).toBe(ascii.email);
    expect(fullWidth.payload.email).toBe(`${local}@outlook.com`);
  });

  test('a phone in full-width, Arabic-Indic or Devanagari digits is the ASCII number', async () => {
    const ascii = await hashesOf({ phone: '+1 415 555 2671' });
    expect(ascii.phone).toEqual(expect.any(String));
    for (const phone of ['＋１ ４１５ ５５５ ２６７１', '+1 ٤١٥ ٥٥٥ ٢٦٧١', '+۱ ۴۱۵ ۵۵۵ ۲۶۷۱', '+१ ४१५ ५५५ २६७१']) {
      const other = await hashesOf({ phone });
      expect([phone, other.phone]).toEqual([phone, ascii.phone]);
      expect(other.payload.phone).toBe('+1 415 555 2671');
    }
  });

  test('what NFKC does not make an address is still a clear 400 naming email', async () => {
    const res = await route(aLead({ email: 'john﹠example.com' }));
    expect(details(res)).toEqual([{ field: 'email', message: 'is not an email address such as jane@example.com (a local part, one @, then a domain with a dot)' }]);
  });
});

describe('6. messages that said the wrong thing', () => {
  const BEYOND = /^is beyond ±9007199254740991 \(2\^53 − 1\)/;
  test.each(['1e21', '1E21', '-1e21', '1000000000000000000000', '2.5e300', '1e16'])('%s in a numeric field says it is beyond 2^53 − 1 (not "more significant digits")', async (text) => {
    const res = await route(`{"externalId":"n-${crypto.randomUUID()}","email":"${uniqueEmail()}","attributes":{"amount":${text}}}`);
    expect(details(res)).toEqual([{ field: 'attributes.amount', message: expect.stringMatching(BEYOND) }]);
    const rule = await inject({ method: 'POST', url: '/api/admin/rules', headers: { ...asAdmin(), 'content-type': 'application/json' }, payload: `{"name":"n","priority":${text},"destinations":[{"workspaceId":"${partner.id}"}]}` });
    expect(details(rule)).toEqual([{ field: 'priority', message: expect.stringMatching(BEYOND) }]);
  });

  test('a body 30,000 levels deep says it nests too deep, with the limit (not "not valid JSON")', async () => {
    for (const body of ['['.repeat(30_000) + ']'.repeat(30_000), `{"externalId":"d","attributes":{"x":${'['.repeat(30_000)}`]) {
      const res = await route(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_request', message: 'invalid body' });
      expect(details(res)).toEqual([{ field: expect.any(String), message: 'nests deeper than 64 levels of arrays and objects, the limit' }]);
    }
    const named = await route(`{"externalId":"d","attributes":{"x":${'['.repeat(100)}${']'.repeat(100)}}}`);
    expect(details(named)?.[0]?.field).toBe(`attributes.x${'[0]'.repeat(63)}`);
  });

  test('an empty externalId is one detail, not the same one twice', async () => {
    expect(details(await route(aLead({ externalId: '' })))).toEqual([{ field: 'externalId', message: expect.stringMatching(/^must be 1-200 characters/) }]);
  });

  test('a value of the wrong JSON type says which type, whatever the field\'s own message', async () => {
    const res = await route(aLead({ phone: 4155552671, email: 12, firstName: true, attributes: { a: [1] } }));
    expect(details(res)).toEqual(expect.arrayContaining([
      { field: 'phone', message: 'must be a string' },
      { field: 'email', message: 'must be a string' },
      { field: 'firstName', message: 'must be a string' },
      { field: 'attributes.a', message: 'must be a string, a number or a boolean (true or false)' },
    ]));
    expect(details(res)).toHaveLength(4);
  });

  test('name length is counted after NFC (what is stored), and the message says so', async () => {
    // 100 × e + U+0301 is 200 code points as sent, 100 é after NFC: accepted.
    expect((await route(aLead({ firstName: 'e\u0301'.repeat(100) }))).statusCode).toBe(202);
    // 60 × U+0958 (क़) is 60 as sent, 120 after NFC (a composition exclusion): refused, saying how it counts.
    expect(details(await route(aLead({ firstName: '\u0958'.repeat(60) })))).toEqual([
      { field: 'firstName', message: 'must be at most 100 characters (Unicode characters, counted after NFC normalization)' },
    ]);
  });

  test('429 says the limit per minute and "retry after N seconds", N being the Retry-After header', async () => {
    const limited = await createWorkspace(stack, { name: 'Limited', kind: 'source', rateLimitPerMinute: 2 });
    const headers = { authorization: `Bearer ${limited.apiKey}` };
    const send = () => inject({ method: 'POST', url: '/api/leads/route', headers, payload: aLead() });
    expect([(await send()).statusCode, (await send()).statusCode]).toEqual([202, 202]);
    const res = await send();
    expect(res.statusCode).toBe(429);
    const seconds = Number(res.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(res.json()).toEqual({ error: { code: 'rate_limited', message: `rate limit of 2 requests per 1 minute exceeded; retry after ${seconds} second${seconds === 1 ? '' : 's'} (Retry-After)` } });
  });

  test('headers too large (431) and an unreadable request (400) are answered in the API error shape', async () => {
    const app = await startTestStack();
    try {
      await app.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.app.server.address() as net.AddressInfo;
      const big = await rawExchange(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(big.head).toMatch(/^HTTP\/1\.1 431 /);
      expect(JSON.parse(big.body)).toEqual({ error: { code: 'headers_too_large', message: expect.stringContaining('headers are larger than') } });
      const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
      expect(garbage.head).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(garbage.body)).toEqual({ error: { code: 'invalid_request', message: 'the request is not valid HTTP' } });
    } finally {
      await app.stop();
    }
  });
});

/** Writes `request` on a new connection and reads the answer until the server closes it (5 s deadline). */
function rawExchange(port: number, request: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(request));
    let response = '';
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got ${JSON.stringify(response.slice(0, 200))}`));
    }, 5_000);
    socket.on('data', (d) => (response += d));
    socket.on('error', () => undefined); // a reset after the answer is a close too
    socket.on('close', () => {
      clearTimeout(deadline);
      const at = response.indexOf('\r\n\r\n');
      resolve({ head: response.slice(0, at), body: response.slice(at + 4) });
    });
  });
}
