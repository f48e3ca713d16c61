import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from './signing';

/**
 * Partner delivery client (DESIGN §6): POSTs a routed lead to the buyer's delivery URL, signed with the
 * buyer's secret, and classifies the answer. It never throws for anything the buyer or the network does;
 * it throws a plain Error only for a configuration or programming error (a URL fetch would never accept,
 * an empty secret, a lead id that cannot be a header), which retrying cannot fix.
 *
 *  - accepted:  2xx, or 409 (the buyer already has this Idempotency-Key: an earlier attempt got through);
 *  - rejected:  other 4xx (the buyer refuses this lead), and 3xx: redirects are not followed, because fetch
 *               would turn a 301/302/303 POST into a bodiless GET whose 200 we would mistake for acceptance;
 *  - retryable: 408, 429, 5xx, timeouts and network errors (connection refused/reset, DNS, TLS).
 *
 * Every attempt for one lead carries the same Idempotency-Key (the lead id), so retrying after a timeout
 * whose request did reach the buyer is safe. Reasons name the status or error class, never the payload or
 * the secret; a rejection's reason carries the start of the buyer's answer, with PII and the secret masked.
 */
export type DeliveryOutcome =
  | { kind: 'accepted'; status: number; durationMs: number }
  | { kind: 'rejected'; status: number; durationMs: number; reason: string }
  | { kind: 'retryable'; status?: number; durationMs: number; reason: string };

export interface DeliverLeadInput {
  url: string;
  secret: string;
  /**
   * The partner's previous secret while its rotation's overlap lasts: the request then carries two signatures,
   * `v1=<with secret>,v1=<with previousSecret>` (lib/delivery/signing.ts), so the buyer may verify with either.
   */
  previousSecret?: string;
  leadId: string;
  payload: unknown;
  /** Whole exchange, response body included. */
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Clock in milliseconds, like Date.now (the default): the signature timestamp and durationMs. */
  now?: () => number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 200;
const USER_AGENT = 'lead-router/1';
const PII_KEYS = new Set(['email', 'phone', 'firstname', 'lastname']);
// Control characters (C0, DEL, C1), format characters (zero-width, bidi overrides, BOM) and line separators:
// nothing that could break or disguise a log line.
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029]+/gu;
const FORMAT_CHARS = /\p{Cf}+/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** 7 or more digits, optionally separated by spaces, dots, dashes or parentheses: a phone in any format. */
const DIGIT_RUN = /\+?\d(?:[\s().-]{0,2}\d){6,}/g;
// Anything shaped like an address. Bounded quantifiers keep it linear: an unbounded `[^@]+@` backtracks
// quadratically, and a 64 KiB answer without an "@" then takes seconds (measured: 10 s).
const EMAIL = /[^\s@"'<>(),;:]{1,64}@[^\s@"'<>(),;:]{1,255}/g;

export async function deliverLead({ url, secret, previousSecret, leadId, payload, timeoutMs, fetchImpl = fetch, now = Date.now }: DeliverLeadInput): Promise<DeliveryOutcome> {
  checkConfig(url, secret, leadId, timeoutMs);
  if (previousSecret !== undefined && (typeof previousSecret !== 'string' || !previousSecret)) throw new Error('deliverLead: the previous signing secret is empty');
  const secrets = previousSecret === undefined ? [secret] : [secret, previousSecret];
  const body = JSON.stringify(payload);
  if (typeof body !== 'string') throw new Error('deliverLead: the payload does not serialise to JSON');

  const started = now();
  const timestamp = Math.floor(started / 1000);
  const elapsed = () => Math.max(0, Math.round(now() - started));

  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
      headers: {
        'content-type': 'application/json',
        'idempotency-key': leadId,
        'user-agent': USER_AGENT,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signPayload(secrets, timestamp, body),
      },
    });
  } catch (err) {
    if (causeMessage(err) === 'bad port') throw new Error('deliverLead: the delivery URL uses a port that fetch refuses to connect to', { cause: err });
    return { kind: 'retryable', durationMs: elapsed(), reason: networkReason(err, timeoutMs) };
  }

  const status = response.status;
  const answer = await readCapped(response);
  const durationMs = elapsed();

  if ((status >= 200 && status < 300) || status === 409) return { kind: 'accepted', status, durationMs };
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return { kind: 'retryable', status, durationMs, reason: `HTTP ${status}` };
  const what = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed: fix the delivery URL)` : `HTTP ${status}`;
  const excerpt = buyerExcerpt(answer, secrets, payload);
  return { kind: 'rejected', status, durationMs, reason: excerpt ? `${what}: ${excerpt}` : what };
}

function checkConfig(url: string, secret: string, leadId: string, timeoutMs: number): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('deliverLead: the delivery URL is not a valid URL'); // not echoed: it may hold a token
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`deliverLead: the delivery URL must be http(s), not ${JSON.stringify(parsed.protocol.slice(0, 20))}`);
  }
  // fetch refuses these, with an error that quotes the password
  if (parsed.username || parsed.password) throw new Error('deliverLead: the delivery URL must not contain credentials');
  if (typeof secret !== 'string' || !secret) throw new Error('deliverLead: the buyer has no signing secret');
  if (typeof leadId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(leadId)) throw new Error('deliverLead: leadId must be 1-200 visible ASCII characters');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('deliverLead: timeoutMs must be a positive number');
}

/** Reads at most 64 KiB of the answer and drops the rest, so the socket is released either way. */
async function readCapped(response: Response): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE_BYTES) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      const part = value.subarray(0, MAX_RESPONSE_BYTES - size);
      chunks.push(part);
      size += part.length;
    }
    await reader.cancel();
  } catch {
    // a body cut short (timeout, reset) changes nothing: the status line already answered
  }
  return Buffer.concat(chunks);
}

/**
 * The first 200 characters of the buyer's answer: one line, no control characters, and nothing of the
 * lead's person or our secrets. A buyer echoes what it received in its own way, so the answer is first
 * brought to one form (JSON `\\uXXXX` escapes decoded, Unicode NFKD, format characters such as zero-width
 * spaces removed, whitespace collapsed) and then masked case-insensitively: the secrets, every email
 * address, every run of 7 or more digits (any phone, however formatted: +14155552671, (415) 555-2671),
 * and the lead's names with or without their accents (short ones, such as "Li", as whole words).
 */
function buyerExcerpt(answer: Uint8Array, secrets: readonly string[], payload: unknown): string {
  const maskSecrets = (t: string) => secrets.reduce((masked, secret) => masked.split(secret).join('[redacted]'), t);
  // Masking works on a window well beyond the 200 characters kept, so that shrinking masked values cannot pull
  // a value cut at the window's edge into the excerpt, while a 64 KiB answer costs no more than a short one.
  let text = maskSecrets(new TextDecoder('utf-8').decode(answer).slice(0, 20 * MAX_REASON_CHARS));
  // Decoded escapes can leave half a surrogate pair, which Postgres would refuse inside the stored decision.
  text = oneForm(text.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(LONE_SURROGATE, '\ufffd'));
  text = maskSecrets(text).replace(EMAIL, '[redacted]').replace(DIGIT_RUN, '[redacted]');
  const names = piiValues(payload).map((v) => oneForm(v).replace(/\p{M}+/gu, '')).filter((v) => Array.from(v).length >= 2);
  if (names.length > 0) {
    const alternatives = names
      .sort((a, b) => b.length - a.length)
      .map((v) => (Array.from(v).length >= 3 ? accentInsensitive(v) : `(?<![\\p{L}\\p{M}\\p{N}])${accentInsensitive(v)}(?![\\p{L}\\p{N}])`));
    text = text.replace(new RegExp(alternatives.join('|'), 'giu'), '[redacted]');
  }
  text = text.normalize('NFC');
  return Array.from(text).slice(0, MAX_REASON_CHARS).join('').trim(); // code points: never half a surrogate pair
}

/** Compatibility-decomposed (NFKD), controls to spaces, format characters (zero-width, bidi) removed, whitespace collapsed. */
function oneForm(s: string): string {
  return s.normalize('NFKD').replace(CONTROL_CHARS, ' ').replace(FORMAT_CHARS, '').replace(/\s+/g, ' ').trim();
}

/** A name as a pattern that matches it with or without accents ("Zebédiah" matches ZEBEDIAH and Zebédiah). */
function accentInsensitive(name: string): string {
  return Array.from(oneForm(name).replace(/\p{M}+/gu, ''), (ch) => `${escapeRegExp(ch)}\\p{M}*`).join('');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** String values under PII keys (email, phone, firstName, lastName) anywhere in the first levels of the payload. */
function piiValues(payload: unknown, depth = 0): string[] {
  if (depth > 4 || typeof payload !== 'object' || payload === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === 'string' && PII_KEYS.has(key.toLowerCase())) found.push(value);
    else found.push(...piiValues(value, depth + 1));
  }
  return found;
}

function networkReason(err: unknown, timeoutMs: number): string {
  const name = safeToken(field(err, 'name')) ?? '';
  if (name === 'TimeoutError' || name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': case 'EPIPE': case 'UND_ERR_SOCKET': return `connection closed by the buyer (${code})`;
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NODATA': return `DNS lookup failed (${code})`;
    case 'ETIMEDOUT': case 'UND_ERR_CONNECT_TIMEOUT': return `connect timeout (${code})`;
    case 'EHOSTUNREACH': case 'ENETUNREACH': return `host unreachable (${code})`;
    case undefined: return `network error (${safeToken(name) ?? 'unknown'})`;
    default:
      if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS error (${code})`;
      return `network error (${code})`;
  }
}

/** The first errno-style code on the error or its causes (fetch wraps them: TypeError → cause → AggregateError). */
function errorCode(err: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  const errors = field(err, 'errors');
  return safeToken(field(err, 'code')) ?? errorCode(field(err, 'cause'), depth + 1) ?? (Array.isArray(errors) ? errorCode(errors[0], depth + 1) : undefined);
}

function causeMessage(err: unknown): unknown {
  return field(field(err, 'cause'), 'message');
}

/** Duck-typed on purpose: errors from Node's built-in fetch may come from another realm (instanceof fails under jest). */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Only identifier-like strings make it into a reason (an error message could quote a URL or a body). */
function safeToken(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(value) ? value : undefined;
}
