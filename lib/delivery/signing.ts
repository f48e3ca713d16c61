import crypto from 'node:crypto';

/**
 * Signed deliveries (DESIGN §6). Every lead we POST to a buyer carries two headers:
 *
 *   x-leadrouter-timestamp: 1718000000            (unix seconds when we sent it)
 *   x-leadrouter-signature: v1=<64 hex chars>     (HMAC-SHA256, keyed with the partner's signing secret,
 *                                                  of the timestamp, a ".", then the raw request body)
 *
 * The timestamp is inside the MAC, so a captured request cannot be replayed later: a verifier rejects
 * timestamps outside a tolerance window (5 minutes by default). `verifySignature` is the reference check we
 * document for buyers: recompute the HMAC over the exact bytes received (before any JSON parsing), compare in
 * constant time, reject stale or future timestamps and anything malformed.
 */
export const SIGNATURE_HEADER = 'x-leadrouter-signature';
export const TIMESTAMP_HEADER = 'x-leadrouter-timestamp';

const SCHEME = 'v1=';
const SIGNATURE_SHAPE = /^v1=[0-9a-fA-F]{64}$/;
const TIMESTAMP_SHAPE = /^[0-9]{1,12}$/;

function mac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`); `timestamp` is in unix seconds. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  if (!secret) throw new Error('signPayload: the signing secret is empty');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('signPayload: timestamp must be whole unix seconds');
  return SCHEME + mac(secret, timestamp, body).toString('hex');
}

export interface VerifySignatureInput {
  secret: string;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** The x-leadrouter-timestamp header (unix seconds). */
  timestamp: string | number | undefined | null;
  /** The x-leadrouter-signature header. */
  signature: string | undefined | null;
  /** How far (either way) the timestamp may be from now. */
  toleranceSeconds?: number;
  /** Clock in milliseconds, like Date.now (the default). */
  now?: () => number;
}

/** True only for a well-formed, fresh signature made with `secret` over exactly this timestamp and body. */
export function verifySignature({ secret, body, timestamp, signature, toleranceSeconds = 300, now = Date.now }: VerifySignatureInput): boolean {
  if (!(toleranceSeconds >= 0)) throw new RangeError('verifySignature: toleranceSeconds must be a non-negative number');
  if (!secret || typeof signature !== 'string' || !SIGNATURE_SHAPE.test(signature)) return false;

  let ts: number;
  if (typeof timestamp === 'number') ts = timestamp;
  else if (typeof timestamp === 'string' && TIMESTAMP_SHAPE.test(timestamp)) ts = Number(timestamp);
  else return false;
  if (!Number.isSafeInteger(ts) || ts < 0) return false;
  if (Math.abs(now() / 1000 - ts) > toleranceSeconds) return false;

  const expected = mac(secret, ts, body);
  const given = Buffer.from(signature.slice(SCHEME.length), 'hex'); // 32 bytes: the shape check guarantees it
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
