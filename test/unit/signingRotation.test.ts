// A signing secret's rotation (POST /api/admin/workspaces/:id/signing-secret): during the overlap a delivery
// carries one v1 value per valid secret, and the reference verifier accepts a header if ANY value matches.
import { deliverLead } from '../../lib/delivery/deliverLead';
import { MAX_SIGNATURE_VALUES, SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload, verifySignature } from '../../lib/delivery/signing';
import { startBuyerServer, type BuyerServer } from '../support/buyerServer';

const NEW = 'whsec_the_new_secret_0123456789abcdef';
const OLD = 'whsec_the_old_secret_0123456789abcdef';
const ts = 1_700_000_000;
const body = '{"leadId":"l1"}';
const at = () => ts * 1000;
const verify = (secret: string | string[], signature: string, over: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
  verifySignature({ secret, body, timestamp: String(ts), signature, now: at, ...over });

describe('signPayload with two secrets', () => {
  test('is one v1 value per secret, comma-separated, the current secret first', () => {
    const both = signPayload([NEW, OLD], ts, body);
    expect(both).toBe(`${signPayload(NEW, ts, body)},${signPayload(OLD, ts, body)}`);
    expect(both).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(signPayload([NEW], ts, body)).toBe(signPayload(NEW, ts, body));
  });

  test('refuses no secret, an empty one, or more than the verifier reads', () => {
    expect(() => signPayload([], ts, body)).toThrow(/secret is empty/);
    expect(() => signPayload([NEW, ''], ts, body)).toThrow(/secret is empty/);
    expect(() => signPayload(Array.from({ length: MAX_SIGNATURE_VALUES + 1 }, (_, i) => `s${i}`), ts, body)).toThrow(/at most 8/);
  });
});

describe('verifySignature with several values', () => {
  const both = signPayload([NEW, OLD], ts, body);

  test('a buyer with either secret accepts a two-value header; a third secret does not', () => {
    expect(verify(NEW, both)).toBe(true);
    expect(verify(OLD, both)).toBe(true);
    expect(verify('whsec_someone_else', both)).toBe(false);
    // The order does not matter, nor a space after the comma (a proxy joining repeated headers).
    expect(verify(OLD, `${signPayload(OLD, ts, body)},${signPayload(NEW, ts, body)}`)).toBe(true);
    expect(verify(NEW, both.replace(',', ', '))).toBe(true);
  });

  test('a buyer switching secrets may pass both: either one verifying is enough', () => {
    expect(verify([OLD, NEW], signPayload(NEW, ts, body))).toBe(true);
    expect(verify([OLD, NEW], signPayload(OLD, ts, body))).toBe(true);
    expect(verify([OLD, NEW], signPayload('whsec_someone_else', ts, body))).toBe(false);
    expect(verify([], both)).toBe(false);
    expect(verify([NEW, ''], both)).toBe(false);
  });

  test('the timestamp and body still count for every value: stale, tampered and future are refused', () => {
    expect(verify(OLD, both, { now: () => (ts + 301) * 1000 })).toBe(false);
    expect(verify(OLD, both, { now: () => (ts - 301) * 1000 })).toBe(false);
    expect(verify(OLD, both, { body: body + ' ' })).toBe(false);
    expect(verify(OLD, both, { timestamp: String(ts + 1) })).toBe(false);
  });

  test('malformed headers are refused even when one value would match', () => {
    const good = signPayload(OLD, ts, body);
    const junk = [
      `${good},`, `,${good}`, `${good},,${good}`, `${good};${good}`, `${good} ${good}`,
      `${good},v1=${'a'.repeat(63)}`, `${good},v1=`, `${good},${'a'.repeat(64)}`, `${good},\n${good}`,
    ];
    for (const signature of junk) expect(verify(OLD, signature)).toBe(false);
  });

  test('entries of another scheme are skipped, as Stripe\'s verifiers do: a scheme added later breaks no verifier', () => {
    const good = signPayload(OLD, ts, body);
    expect(verify(OLD, `v2=${'a'.repeat(64)},${good}`)).toBe(true);
    expect(verify(OLD, `${good}, t0=anything`)).toBe(true);
    expect(verify(OLD, `${good},v2=q83vEjRWeJA=`)).toBe(true); // base64 with its padding
    expect(verify(OLD, `V1=${good.slice(3)},${good}`)).toBe(true); // another scheme: skipped
    expect(verify(OLD, `v2=${'a'.repeat(64)}`)).toBe(false); // no v1 value at all
    expect(verify(OLD, `v2=${good.slice(3)}`)).toBe(false);
  });

  test(`at most ${MAX_SIGNATURE_VALUES} values: one more is refused, however it is filled`, () => {
    const good = signPayload(OLD, ts, body);
    const filler = signPayload('whsec_filler', ts, body);
    expect(verify(OLD, [...Array(MAX_SIGNATURE_VALUES - 1).fill(filler), good].join(','))).toBe(true);
    expect(verify(OLD, [...Array(MAX_SIGNATURE_VALUES).fill(filler), good].join(','))).toBe(false);
    expect(verify(OLD, Array(MAX_SIGNATURE_VALUES + 1).fill(good).join(','))).toBe(false);
  });
});

describe('deliverLead with a previous secret', () => {
  let buyer: BuyerServer;
  beforeAll(async () => {
    buyer = await startBuyerServer();
  });
  afterAll(async () => {
    await buyer?.close();
  });

  test('the request carries v1=<new>,v1=<old>; without a previous secret, one value', async () => {
    await deliverLead({ url: buyer.url('/two'), secret: NEW, previousSecret: OLD, leadId: 'lead-two', payload: { a: 1 }, timeoutMs: 5000 });
    await deliverLead({ url: buyer.url('/one'), secret: NEW, leadId: 'lead-one', payload: { a: 1 }, timeoutMs: 5000 });
    const [two] = buyer.received.filter((r) => r.path === '/two');
    const [one] = buyer.received.filter((r) => r.path === '/one');
    const check = (req: typeof two, secret: string | string[]) =>
      verifySignature({ secret, body: req!.rawBody, timestamp: String(req!.headers[TIMESTAMP_HEADER]), signature: String(req!.headers[SIGNATURE_HEADER]) });
    const sent = String(two!.headers[SIGNATURE_HEADER]);
    expect(sent).toBe(signPayload([NEW, OLD], Number(two!.headers[TIMESTAMP_HEADER]), two!.rawBody));
    expect(check(two, NEW)).toBe(true);
    expect(check(two, OLD)).toBe(true);
    expect(String(one!.headers[SIGNATURE_HEADER])).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(check(one, NEW)).toBe(true);
    expect(check(one, OLD)).toBe(false);
  });

  test("a buyer's rejection that echoes either secret has both masked", async () => {
    buyer.respondWith('/echo', [{ status: 400, body: `bad signature; we have ${OLD} and you sent ${NEW}` }]);
    const outcome = await deliverLead({ url: buyer.url('/echo'), secret: NEW, previousSecret: OLD, leadId: 'lead-echo', payload: { a: 1 }, timeoutMs: 5000 });
    expect(outcome.kind).toBe('rejected');
    const reason = outcome.kind === 'rejected' ? outcome.reason : '';
    expect(reason).toContain('[redacted]');
    expect(reason).not.toContain(OLD);
    expect(reason).not.toContain(NEW);
  });

  test('an empty previous secret is a configuration error, before any request', async () => {
    const before = buyer.received.length;
    await expect(deliverLead({ url: buyer.url('/empty'), secret: NEW, previousSecret: '', leadId: 'lead-empty', payload: {}, timeoutMs: 5000 })).rejects.toThrow(/previous signing secret/);
    expect(buyer.received.length).toBe(before);
  });
});
