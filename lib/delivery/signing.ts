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

/** The most values a header may carry (we send at most two); more is refused as malformed. */
export const MAX_SIGNATURE_VALUES = 8;

const SCHEME = 'v1=';
/**
 * One `scheme=value` entry of the header, spaces or tabs around it (proxies join repeated headers with ", "). The
 * value of another scheme may hold anything but a comma (base64 with its `=` padding, say): it is skipped unread.
 */
const ENTRY = /^[ \t]*([A-Za-z][A-Za-z0-9]{0,15})=([^,]*?)[ \t]*$/;
const V1_VALUE = /^[0-9a-fA-F]{64}$/;
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
  /** The x-leadrouter-signature header: comma-separated `v1=` values (entries of other schemes are skipped). */
  signature: string | undefined | null;
  /** How far (either way) the timestamp may be from now. */
  toleranceSeconds?: number;
  /** Clock in milliseconds, like Date.now (the default). */
  now?: () => number;
}

/**
 * The header's `v1` values as 32-byte buffers, or undefined when it is malformed: not 1 to MAX_SIGNATURE_VALUES
 * comma-separated `scheme=value` entries, a `v1` value that is not 64 hex digits, or no `v1` entry at all. Entries
 * of other schemes (any other name, `V1` included: schemes are case-sensitive) are skipped whatever their value,
 * as Stripe's verifiers do, so a scheme added later does not break a verifier.
 */
function v1Values(header: string): Buffer[] | undefined {
  const entries = header.split(',');
  if (entries.length > MAX_SIGNATURE_VALUES) return undefined;
  const values: Buffer[] = [];
  for (const entry of entries) {
    const m = ENTRY.exec(entry);
    if (!m) return undefined;
    if (`${m[1]}=` !== SCHEME) continue;
    if (!V1_VALUE.test(m[2]!)) return undefined;
    values.push(Buffer.from(m[2]!, 'hex'));
  }
  return values.length > 0 ? values : undefined;
}

/**
 * True only for a fresh, well-formed header (1 to MAX_SIGNATURE_VALUES comma-separated entries, v1Values)
 * of which at least one value was made with `secret` (any of them, if several) over exactly this timestamp and
 * body. Every value is compared with every secret, each comparison in constant time. Throws RangeError for a
 * negative tolerance (a programming error); anything the request carries is answered false, never thrown.
 */
export function verifySignature({ secret, body, timestamp, signature, toleranceSeconds = 300, now = Date.now }: VerifySignatureInput): boolean {
  if (!(toleranceSeconds >= 0)) throw new RangeError('verifySignature: toleranceSeconds must be a non-negative number');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || !s)) return false;
  const given = typeof signature === 'string' ? v1Values(signature) : undefined;
  if (!given) return false;

  let ts: number;
  if (typeof timestamp === 'number') ts = timestamp;
  else if (typeof timestamp === 'string' && TIMESTAMP_SHAPE.test(timestamp)) ts = Number(timestamp);
  else return false;
  if (!Number.isSafeInteger(ts) || ts < 0) return false;
  if (Math.abs(now() / 1000 - ts) > toleranceSeconds) return false;

  let matched = false;
  for (const s of secrets) {
    const expected = mac(s, ts, body);
    // No early exit: the time taken does not tell which value matched.
    for (const value of given) matched = (value.length === expected.length && crypto.timingSafeEqual(value, expected)) || matched;
  }
  return matched;
}
