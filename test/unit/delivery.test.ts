// Partner delivery (DESIGN §6): the signature buyers verify, and the client that POSTs a lead and classifies
// the answer, exercised against a real HTTP buyer on loopback (test/support/buyerServer.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverLead, type DeliveryOutcome } from '../../lib/delivery/deliverLead';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload, verifySignature } from '../../lib/delivery/signing';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';

const SECRET = 'whsec_unit_test_secret_0123456789';
const EMAIL = 'jane.doe.private@example.com';
const PAYLOAD = { externalId: 'ext-1', email: EMAIL, phone: '+14155550123', firstName: 'Jane', state: 'CA' };

describe('signPayload / verifySignature', () => {
  const ts = 1_700_000_000;
  const body = '{"leadId":"l1"}';
  const at = (seconds: number) => () => seconds * 1000;
  const verify = (over: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
    verifySignature({ secret: SECRET, body, timestamp: String(ts), signature: signPayload(SECRET, ts, body), now: at(ts), ...over });

  test('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" (a vector computed with openssl)', () => {
    expect(signPayload('whsec_test', ts, body)).toBe('v1=7425244f1a21407f07098dc19c6278bf8cc65e52b2f4075f90657412d505edcd');
    expect(SIGNATURE_HEADER).toBe('x-leadrouter-signature');
    expect(TIMESTAMP_HEADER).toBe('x-leadrouter-timestamp');
  });

  test('round trip: a fresh signature verifies, with the timestamp as header string, number, or bytes body', () => {
    expect(verify()).toBe(true);
    expect(verify({ timestamp: ts })).toBe(true);
    expect(verify({ body: Buffer.from(body) })).toBe(true);
    expect(verify({ signature: signPayload(SECRET, ts, body).toUpperCase().replace('V1=', 'v1=') })).toBe(true);
  });

  test('detects tampering: body, timestamp, secret', () => {
    expect(verify({ body: '{"leadId":"l2"}' })).toBe(false);
    expect(verify({ body: body + ' ' })).toBe(false);
    expect(verify({ timestamp: String(ts + 1) })).toBe(false);
    expect(verify({ secret: SECRET + 'x' })).toBe(false);
    expect(verify({ secret: '' })).toBe(false);
  });

  test('rejects stale and future timestamps outside the tolerance (300 s by default)', () => {
    expect(verify({ now: at(ts + 300) })).toBe(true);
    expect(verify({ now: at(ts + 301) })).toBe(false);
    expect(verify({ now: at(ts - 301) })).toBe(false);
    expect(verify({ now: at(ts + 3600), toleranceSeconds: 3600 })).toBe(true);
    expect(verify({ now: at(ts + 1), toleranceSeconds: 0 })).toBe(false);
    // a real clock: a signature made now verifies now, one from an hour ago does not
    const nowTs = Math.floor(Date.now() / 1000);
    expect(verifySignature({ secret: SECRET, body, timestamp: String(nowTs), signature: signPayload(SECRET, nowTs, body) })).toBe(true);
    expect(verifySignature({ secret: SECRET, body, timestamp: String(nowTs - 3600), signature: signPayload(SECRET, nowTs - 3600, body) })).toBe(false);
  });

  test('rejects malformed headers', () => {
    const good = signPayload(SECRET, ts, body);
    for (const signature of [undefined, null, '', 'v1=', good.slice(0, -2), good + '00', good.replace('v1=', 'v2='), good.replace('v1=', ''),
      `${good},`, `,${good}`, `${good},,${good}`, `${good};${good}`, 'v1=' + 'zz'.repeat(32)]) {
      expect(verify({ signature })).toBe(false);
    }
    for (const timestamp of [undefined, null, '', 'abc', `${ts}abc`, ` ${ts}`, `${ts}.0`, '-1', '1e9', ts + 0.5, -1, Number.NaN]) {
      expect(verify({ timestamp })).toBe(false);
    }
  });

  test('signing refuses an empty secret or a non-integer timestamp', () => {
    expect(() => signPayload('', ts, body)).toThrow(/secret/);
    expect(() => signPayload(SECRET, ts + 0.5, body)).toThrow(/unix seconds/);
    expect(() => signPayload(SECRET, Date.now() * 1000 * 1000, body)).toThrow(/unix seconds/);
  });
});

describe('deliverLead against a real buyer', () => {
  let buyer: BuyerServer;
  let n = 0;
  const fresh = () => `lead-${++n}-${process.pid}`;
  const path = () => `/buyer-${++n}`;
  const deliver = (url: string, leadId = fresh(), timeoutMs = 5000) => deliverLead({ url, secret: SECRET, leadId, payload: PAYLOAD, timeoutMs });

  const expectClean = (outcome: DeliveryOutcome) => {
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PAYLOAD.phone);
  };

  beforeAll(async () => {
    buyer = await startBuyerServer({ secret: SECRET });
  });
  afterAll(async () => {
    await buyer.close();
  });

  test('POSTs the JSON payload, signed, with the lead id as Idempotency-Key', async () => {
    const p = path();
    const leadId = fresh();
    const before = Math.floor(Date.now() / 1000);
    const outcome = await deliver(buyer.url(p), leadId);
    expect(outcome).toEqual({ kind: 'accepted', status: 200, durationMs: expect.any(Number) });

    const [req] = buyer.received.filter((r) => r.path === p);
    expect(req).toMatchObject({ method: 'POST', idempotencyKey: leadId, body: PAYLOAD, signatureValid: true, answer: 200 });
    expect(req?.rawBody).toBe(JSON.stringify(PAYLOAD));
    expect(req?.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': leadId, 'user-agent': 'lead-router/1' });
    const ts = Number(req?.headers[TIMESTAMP_HEADER]);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(req?.headers[SIGNATURE_HEADER]).toBe(signPayload(SECRET, ts, JSON.stringify(PAYLOAD)));
  });

  test('a buyer with another secret sees the signature as invalid', async () => {
    const other = await startBuyerServer({ secret: 'whsec_someone_else' });
    try {
      expect((await deliver(other.url())).kind).toBe('accepted');
      expect(other.received.map((r) => r.signatureValid)).toEqual([false]);
    } finally {
      await other.close();
    }
  });

  test.each([
    [200, 'accepted'], [201, 'accepted'], [202, 'accepted'], [204, 'accepted'], [409, 'accepted'],
    [400, 'rejected'], [401, 'rejected'], [403, 'rejected'], [404, 'rejected'], [410, 'rejected'], [422, 'rejected'],
    [408, 'retryable'], [429, 'retryable'], [500, 'retryable'], [502, 'retryable'], [503, 'retryable'], [504, 'retryable'],
  ] as const)('HTTP %i → %s', async (status, kind) => {
    const p = path();
    buyer.respondWith(p, [status]);
    const outcome = await deliver(buyer.url(p));
    expect(outcome.kind).toBe(kind);
    expect(outcome.status).toBe(status);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(outcome.durationMs).toBeLessThan(5000);
    if (outcome.kind !== 'accepted') expect(outcome.reason).toMatch(new RegExp(`^HTTP ${status}\\b`));
    expectClean(outcome);
  });

  test('a redirect is not followed (fetch would re-send a 302 POST as a GET) and counts as a rejection', async () => {
    const p = path();
    const target = path();
    buyer.respondWith(p, [{ status: 302, headers: { location: target } }]);
    const outcome = await deliver(buyer.url(p));
    expect(outcome).toMatchObject({ kind: 'rejected', status: 302, reason: expect.stringMatching(/^HTTP 302 \(redirects are not followed/) });
    expect(buyer.received.filter((r) => r.path === target)).toHaveLength(0);
  });

  test('retries carry the same Idempotency-Key; the buyer answers 409 to a key it already accepted, which is accepted', async () => {
    const p = path();
    const leadId = fresh();
    buyer.respondWith(p, [503, 200]);
    expect(await deliver(buyer.url(p), leadId)).toMatchObject({ kind: 'retryable', status: 503, reason: 'HTTP 503' });
    expect(await deliver(buyer.url(p), leadId)).toMatchObject({ kind: 'accepted', status: 200 });
    expect(await deliver(buyer.url(p), leadId)).toMatchObject({ kind: 'accepted', status: 409 });
    const other = fresh();
    expect(await deliver(buyer.url(p), other)).toMatchObject({ kind: 'accepted', status: 200 });
    expect(buyer.received.filter((r) => r.path === p).map((r) => [r.idempotencyKey, r.answer]))
      .toEqual([[leadId, 503], [leadId, 200], [leadId, 409], [other, 200]]);
    expect(buyer.acceptedKeys(p)).toEqual([leadId, other]);
  });

  test('a rejection carries the start of the buyer\'s answer: capped at 200 characters, one line, no control characters', async () => {
    const p = path();
    const message = 'state CA is not served by this buyer';
    buyer.respondWith(p, [{ status: 422, body: `${message}\r\n\u001b[31m\u0000\u202e\u200b${'x'.repeat(5000)}` }]);
    const outcome = await deliver(buyer.url(p));
    if (outcome.kind !== 'rejected') throw new Error(`expected a rejection, got ${outcome.kind}`);
    expect(outcome.reason.startsWith(`HTTP 422: ${message} [31m x`)).toBe(true);
    expect(outcome.reason.length).toBe('HTTP 422: '.length + 200);
    expect(outcome.reason).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  test('a rejection whose answer echoes the lead or the secret does not carry them', async () => {
    const p = path();
    const echo = JSON.stringify({ error: 'duplicate lead', lead: PAYLOAD, note: `signed with ${SECRET}`, contact: 'other.person@buyer.example' });
    buyer.respondWith(p, [{ status: 400, body: echo }]);
    const outcome = await deliver(buyer.url(p));
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400, reason: expect.stringContaining('duplicate lead') });
    expectClean(outcome);
    expect(JSON.stringify(outcome)).not.toContain('other.person@buyer.example');
    expect(JSON.stringify(outcome)).not.toContain('Jane');
    expect(JSON.stringify(outcome)).toContain('[redacted]');
  });

  test('an empty rejection is just the status', async () => {
    const p = path();
    buyer.respondWith(p, [{ status: 404, body: '' }]);
    expect(await deliver(buyer.url(p))).toMatchObject({ kind: 'rejected', status: 404, reason: 'HTTP 404' });
  });

  test('a timeout is retryable and says so', async () => {
    const p = path();
    buyer.respondWith(p, ['hang']);
    const outcome = await deliver(buyer.url(p), fresh(), 200);
    expect(outcome).toEqual({ kind: 'retryable', durationMs: expect.any(Number), reason: 'timeout after 200 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(180);
    expect(outcome.durationMs).toBeLessThan(2000);
    expect(buyer.received.filter((r) => r.path === p).map((r) => r.answer)).toEqual(['hang']);
  });

  test('a buyer that sends its status and then stalls the body: the status counts, within the timeout', async () => {
    const stalling = http.createServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"ok":');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = stalling.address() as AddressInfo;
      const outcome = await deliver(`http://127.0.0.1:${port}/leads`, fresh(), 300);
      expect(outcome).toMatchObject({ kind: 'accepted', status: 201 });
      expect(outcome.durationMs).toBeLessThan(2000);
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });

  test('a large answer is read only up to 64 KiB, and the next delivery still works', async () => {
    const p = path();
    buyer.respondWith(p, [{ status: 200, body: 'y'.repeat(4 * 1024 * 1024) }, { status: 400, body: 'z'.repeat(1024 * 1024) }, 200]);
    expect(await deliver(buyer.url(p))).toMatchObject({ kind: 'accepted', status: 200 });
    const started = Date.now();
    const rejected = await deliver(buyer.url(p));
    expect(Date.now() - started).toBeLessThan(3000); // masking a 64 KiB answer once took 10 s (a backtracking regex)
    expect(rejected).toMatchObject({ kind: 'rejected', status: 400, reason: `HTTP 400: ${'z'.repeat(200)}` });
    expect(await deliver(buyer.url(p))).toMatchObject({ kind: 'accepted', status: 200 });
  });

  test('a connection reset is retryable', async () => {
    const p = path();
    buyer.respondWith(p, ['reset']);
    const outcome = await deliver(buyer.url(p));
    expect(outcome).toMatchObject({ kind: 'retryable', reason: expect.stringMatching(/^connection closed by the buyer/) });
    expect(outcome.status).toBeUndefined();
  });

  test('connection refused is retryable', async () => {
    const closed = await startBuyerServer();
    const url = closed.url();
    await closed.close();
    const outcome = await deliver(url);
    expect(outcome).toEqual({ kind: 'retryable', durationMs: expect.any(Number), reason: 'connection refused' });
  });

  test('closing the buyer destroys a hung request; the client sees a retryable error', async () => {
    const hung = await startBuyerServer();
    hung.respondWith('/leads', ['hang']);
    const pending = deliver(hung.url(), fresh(), 10_000);
    while (hung.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await hung.close();
    expect(Date.now() - started).toBeLessThan(1000);
    const outcome = await pending;
    expect(outcome.kind).toBe('retryable');
    expect(outcome.durationMs).toBeLessThan(5000);
  });

  test('network errors name the error class, never the message (which may quote the payload or secret)', async () => {
    const failing = (cause: unknown) => (() => Promise.reject(new TypeError('fetch failed', { cause }))) as unknown as typeof fetch;
    const withCode = (code: string) => Object.assign(new Error(`getaddrinfo ${code} ${EMAIL} ${SECRET}`), { code });
    const run = (fetchImpl: typeof fetch) =>
      deliverLead({ url: 'https://buyer.example/leads', secret: SECRET, leadId: 'lead-x', payload: PAYLOAD, timeoutMs: 1000, fetchImpl });

    const cases: Array<[unknown, string]> = [
      [withCode('ENOTFOUND'), 'DNS lookup failed (ENOTFOUND)'],
      [withCode('EAI_AGAIN'), 'DNS lookup failed (EAI_AGAIN)'],
      [withCode('ECONNRESET'), 'connection closed by the buyer (ECONNRESET)'],
      [withCode('UND_ERR_CONNECT_TIMEOUT'), 'connect timeout (UND_ERR_CONNECT_TIMEOUT)'],
      [withCode('CERT_HAS_EXPIRED'), 'TLS error (CERT_HAS_EXPIRED)'],
      [new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], EMAIL), 'connection refused'],
      [new Error(`something odd about ${EMAIL}`), 'network error (TypeError)'],
    ];
    for (const [cause, reason] of cases) {
      const outcome = await run(failing(cause));
      expect(outcome).toEqual({ kind: 'retryable', durationMs: expect.any(Number), reason });
      expectClean(outcome);
    }
    // not even a TypeError: an odd fetch implementation
    const odd = await run((() => Promise.reject(`raw ${SECRET}`)) as unknown as typeof fetch);
    expect(odd).toMatchObject({ kind: 'retryable', reason: 'network error (unknown)' });
    expectClean(odd);
  });

  test('configuration errors throw before anything is sent', async () => {
    const fetchImpl = jest.fn() as unknown as typeof fetch;
    const attempt = (over: Partial<Parameters<typeof deliverLead>[0]>) =>
      deliverLead({ url: 'https://buyer.example/leads', secret: SECRET, leadId: 'lead-1', payload: PAYLOAD, timeoutMs: 1000, fetchImpl, ...over });

    for (const url of ['ftp://buyer.example/leads', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:buyer@example.com', 'ws://buyer.example/', 'not a url', '']) {
      await expect(attempt({ url })).rejects.toThrow(/delivery URL/);
    }
    await expect(attempt({ url: 'https://user:hunter2@buyer.example/leads' })).rejects.toThrow(/must not contain credentials/);
    await expect(attempt({ url: 'https://user:hunter2@buyer.example/leads' })).rejects.not.toThrow(/hunter2/);
    await expect(attempt({ secret: '' })).rejects.toThrow(/signing secret/);
    await expect(attempt({ leadId: 'a\r\nx-evil: 1' })).rejects.toThrow(/leadId/);
    await expect(attempt({ leadId: '' })).rejects.toThrow(/leadId/);
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) await expect(attempt({ timeoutMs })).rejects.toThrow(/timeoutMs/);
    await expect(attempt({ payload: undefined })).rejects.toThrow(/JSON/);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  test('a port fetch refuses to use (the Fetch spec "bad ports") is a configuration error, not a retry', async () => {
    await expect(deliver('http://127.0.0.1:25/leads')).rejects.toThrow(/port that fetch refuses/);
  });

  test('the signature timestamp and duration come from the injected clock', async () => {
    const p = path();
    let clock = 1_700_000_000_500;
    const outcome = await deliverLead({
      url: buyer.url(p), secret: SECRET, leadId: fresh(), payload: PAYLOAD, timeoutMs: 5000,
      now: () => (clock += 40),
    });
    expect(outcome).toEqual({ kind: 'accepted', status: 200, durationMs: 40 });
    const [req] = buyer.received.filter((r) => r.path === p);
    expect(req?.headers[TIMESTAMP_HEADER]).toBe('1700000000');
    expect(req?.signatureValid).toBe(false); // 2023: far outside the buyer's tolerance
    expect(verifySignature({ secret: SECRET, body: req?.rawBody ?? '', timestamp: '1700000000', signature: String(req?.headers[SIGNATURE_HEADER]), now: () => clock })).toBe(true);
  });
});

describe('buyer server', () => {
  test('scripts repeat their last step; without a script a path answers 200', async () => {
    const buyer = await startBuyerServer();
    try {
      buyer.respondWith('/a', [500, 429, 200]);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(buyer.url('/a'), { method: 'POST', body: '{}', headers: { 'idempotency-key': `k${i}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([500, 429, 200, 200, 200]);
      const res = await fetch(buyer.url('/b'), { method: 'POST', body: 'not json' });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(buyer.received.at(-1)).toMatchObject({ path: '/b', body: 'not json', idempotencyKey: undefined, signatureValid: undefined });
      expect(buyer.acceptedKeys('/a')).toEqual(['k2', 'k3', 'k4']);
      expect(buyer.acceptedKeys()).toEqual(['k2', 'k3', 'k4']);
      expect(() => buyer.respondWith('/a', [])).toThrow();
      expect(() => buyer.respondWith('/a', [99])).toThrow();
    } finally {
      await buyer.close();
      await buyer.close(); // idempotent
    }
  });

  test('an explicit non-2xx step wins over the duplicate 409; { idempotent: false } accepts duplicates', async () => {
    const strict = await startBuyerServer();
    const lax = await startBuyerServer({ idempotent: false });
    try {
      const post = async (server: BuyerServer) => {
        const res = await fetch(server.url(), { method: 'POST', body: '{}', headers: { 'idempotency-key': 'same' } });
        await res.arrayBuffer();
        return res.status;
      };
      strict.respondWith('/leads', [200, 200, 500, 200]);
      expect([await post(strict), await post(strict), await post(strict), await post(strict)]).toEqual([200, 409, 500, 409]);
      expect(strict.acceptedKeys()).toEqual(['same']);
      expect([await post(lax), await post(lax)]).toEqual([200, 200]);
    } finally {
      await Promise.all([strict.close(), lax.close()]);
    }
  });
});

describe('a rejection that echoes the person in the buyer\'s own form (found by review)', () => {
  let echoBuyer: BuyerServer;
  beforeAll(async () => {
    echoBuyer = await startBuyerServer();
  });
  afterAll(async () => {
    await echoBuyer.close();
  });

  test.each([
    ['upper-cased name', '{"error":"rejected","first":"ZEBEDIAH"}', 'ZEBEDIAH'],
    ['phone reformatted to E.164', '{"error":"rejected","phone":"+14155552671"}', '14155552671'],
    ['phone as digits with dots', 'bad phone 415.555.2671', '555.2671'],
    ['a two-letter surname as a word', '{"error":"rejected","last":"Li"}', '"Li"'],
    ['a JSON-escaped non-ASCII name', '{"error":"rejected","n":"Zeb\\u00e9diah"}', 'diah'],
    ['a name with a zero-width space inside', '{"error":"rejected","n":"Zeb\u200bédiah"}', 'diah'],
  ])('%s', async (_name, body, leaked) => {
    const p = `/echo-${crypto.randomUUID()}`;
    echoBuyer.respondWith(p, [{ status: 400, body }]);
    const outcome = await deliverLead({
      url: echoBuyer.url(p), secret: SECRET, leadId: crypto.randomUUID(), timeoutMs: 5000,
      payload: { externalId: 'x', firstName: 'Zebédiah', lastName: 'Li', phone: '(415) 555-2671', email: 'zeb.li@outlook.com' },
    });
    if (outcome.kind !== 'rejected') throw new Error(`expected a rejection, got ${outcome.kind}`);
    expect(outcome.reason).not.toContain(leaked);
    expect(outcome.reason).toContain('[redacted]');
  });

  test('the buyer\'s own words survive: "client" is not masked for a person named Li', async () => {
    const p = `/echo-${crypto.randomUUID()}`;
    echoBuyer.respondWith(p, [{ status: 422, body: 'client not eligible: Li' }]);
    const outcome = await deliverLead({ url: echoBuyer.url(p), secret: SECRET, leadId: crypto.randomUUID(), timeoutMs: 5000, payload: { lastName: 'Li' } });
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'HTTP 422: client not eligible: [redacted]' });
  });
});
