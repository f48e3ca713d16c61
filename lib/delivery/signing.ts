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
 *
 * While a partner's secret is being rotated (POST /api/admin/workspaces/:id/signing-secret, migrations/0026)
 * the header carries one value per valid secret, the current one first, as Stripe does:
 *
 *   x-leadrouter-signature: v1=<hex with the new secret>,v1=<hex with the old secret>
 *
 * so a buyer verifying with either secret accepts it: a verifier succeeds if ANY value matches its secret.
 */
export const SIGNATURE_HEADER = 'x-leadrouter-signature';
export const TIMESTAMP_HEADER = 'x-leadrouter-timestamp';

/** The most `v1=` values a header may carry (we send at most two); more is refused as malformed. */
export const MAX_SIGNATURE_VALUES = 8;

const SCHEME = 'v1=';
const VALUE = 'v1=[0-9a-fA-F]{64}';
/** One to MAX_SIGNATURE_VALUES values, comma-separated (spaces or tabs allowed after a comma: proxies join repeated headers with ", "). */
const SIGNATURE_SHAPE = new RegExp(`^${VALUE}(?:,[ \t]*${VALUE}){0,${MAX_SIGNATURE_VALUES - 1}}$`);
const TIMESTAMP_SHAPE = /^[0-9]{1,12}$/;

function mac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/**
 * The x-leadrouter-signature value: `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`) per secret, joined
 * by commas in the order given (the current secret first, then the previous one during a rotation's overlap);
 * `timestamp` is in unix seconds. Throws for no secret, an empty one, more than MAX_SIGNATURE_VALUES, or a
 * timestamp that is not whole non-negative seconds.
 */
export function signPayload(secrets: string | readonly string[], timestamp: number, body: string): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0 || list.some((secret) => !secret)) throw new Error('signPayload: the signing secret is empty');
  if (list.length > MAX_SIGNATURE_VALUES) throw new Error(`signPayload: at most ${MAX_SIGNATURE_VALUES} signing secrets`);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('signPayload: timestamp must be whole unix seconds');
  return list.map((secret) => SCHEME + mac(secret, timestamp, body).toString('hex')).join(',');
}

export interface VerifySignatureInput {
  /**
   * The buyer's secret; or its secrets while it switches from an old one to a new one (either may verify).
   * Empty (or an empty entry) never verifies.
   */
  secret: string | readonly string[];
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** The x-leadrouter-timestamp header (unix seconds). */
  timestamp: string | number | undefined | null;
  /** The x-leadrouter-signature header: one or more comma-separated `v1=` values. */
  signature: string | undefined | null;
  /** How far (either way) the timestamp may be from now. */
  toleranceSeconds?: number;
  /** Clock in milliseconds, like Date.now (the default). */
  now?: () => number;
}

/**
 * True only for a fresh, well-formed header (1 to MAX_SIGNATURE_VALUES `v1=<64 hex>` values, comma-separated)
 * of which at least one value was made with `secret` (any of them, if several) over exactly this timestamp and
 * body. Every value is compared with every secret, each comparison in constant time. Throws RangeError for a
 * negative tolerance (a programming error); anything the request carries is answered false, never thrown.
 */
export function verifySignature({ secret, body, timestamp, signature, toleranceSeconds = 300, now = Date.now }: VerifySignatureInput): boolean {
  if (!(toleranceSeconds >= 0)) throw new RangeError('verifySignature: toleranceSeconds must be a non-negative number');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || !s)) return false;
  if (typeof signature !== 'string' || !SIGNATURE_SHAPE.test(signature)) return false;

  let ts: number;
  if (typeof timestamp === 'number') ts = timestamp;
  else if (typeof timestamp === 'string' && TIMESTAMP_SHAPE.test(timestamp)) ts = Number(timestamp);
  else return false;
  if (!Number.isSafeInteger(ts) || ts < 0) return false;
  if (Math.abs(now() / 1000 - ts) > toleranceSeconds) return false;

  // 32 bytes each: the shape check guarantees it.
  const given = signature.split(',').map((value) => Buffer.from(value.trim().slice(SCHEME.length), 'hex'));
  let matched = false;
  for (const s of secrets) {
    const expected = mac(s, ts, body);
    // No early exit: the time taken does not tell which value matched.
    for (const value of given) matched = (value.length === expected.length && crypto.timingSafeEqual(value, expected)) || matched;
  }
  return matched;
}
