import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as losslessParse } from 'lossless-json';
import { duplicateKeys } from '../../lib/input/duplicateKeys';
import { firstTooDeep } from '../../lib/input/jsonDepth';
import { MAX_DEPTH, sanitizeJson, TOO_DEEP } from '../../lib/input/sanitize';
import { ApiError, badRequest } from '../errors';
import { CONFLICTING, oneValue } from './headerValues';
import { reportProblems } from './inputProblems';

/**
 * The one parser of JSON request bodies, replacing Fastify's default so that what a partner sent is
 * either stored exactly or refused with a reason (issue 7, items 1, 2, 4, 11):
 *
 * - a compressed body (any Content-Encoding but `identity`: gzip, deflate, br, zstd, unknown ones) is 415
 *   naming the encoding, with `Accept-Encoding: identity` (RFC 7694 §3). Not decompressed: a lead is a
 *   few hundred bytes under a 64 KiB limit, so compression saves the partner nothing that matters, while
 *   a decoder is one more way to spend our memory and CPU (a zip bomb inflates 1,000-fold; the limit would
 *   have to apply to the inflated size); before this, a gzip body was read as text and answered
 *   "not valid UTF-8", and a `br` header on a plain body was ignored;
 * - a declared charset other than UTF-8 is 415 (RFC 8259 §8.1: JSON exchanged between systems is
 *   UTF-8; decoding Latin-1 bytes as UTF-8 would store U+FFFD in place of the partner's letters);
 * - bytes that are not valid UTF-8 are 400, never replaced with U+FFFD;
 * - an empty body is "no body" (many clients send `Content-Type: application/json` on a body-less
 *   POST or DELETE); routes that need a body then say the body must be a JSON object;
 * - `__proto__` and `constructor.prototype` keys are refused by name (prototype pollution); a key given twice in
 *   one object is refused naming its path, whatever its values (which copy wins is parser-dependent);
 * - two Content-Type headers that differ are refused naming content-type (Node reads the first only);
 * - a body nested deeper than MAX_DEPTH is 400 saying so, found before parsing (lib/input/jsonDepth.ts);
 * - every string and number is checked and NFC-normalized by lib/input/sanitize.ts (a 400 naming each one, with
 *   the body's other problems on an admin write: api/plugins/inputProblems.ts).
 */
const UTF8 = new Set(['utf-8', 'utf8']);
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function charsetOf(request: FastifyRequest): string | undefined {
  const header = request.headers['content-type'] ?? '';
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header);
  return match?.[1]?.toLowerCase();
}

/** The Content-Encoding of a body, when it says the body is encoded (anything but `identity`). */
function encodingOf(request: FastifyRequest): string | undefined {
  const header = request.headers['content-encoding'];
  const value = (Array.isArray(header) ? header.join(', ') : header ?? '').trim();
  const codings = value.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  // Shown back to the caller: cut short, so a header of any length makes a message of bounded length.
  return codings.every((c) => c === 'identity') ? undefined : value.slice(0, 40);
}

/**
 * A JSON request body (`raw`, as received) → the sanitized value, or an ApiError: 415 for a compressed
 * body or a charset other than UTF-8, 400 for bytes that are not UTF-8, JSON that is not valid or nests too
 * deep, a duplicate or forbidden key, or a string or number sanitizeJson refuses (on a route that collects its
 * problems, reported and the value as sent returned). Undefined for an empty body.
 */
export function parseJsonBody(request: FastifyRequest, raw: Buffer): unknown {
  const encoding = encodingOf(request);
  if (encoding !== undefined) {
    throw new ApiError(415, 'unsupported_media_type', `Content-Encoding: ${encoding} is not accepted; send the JSON body uncompressed (no Content-Encoding)`, undefined, { 'accept-encoding': 'identity' });
  }
  const charset = charsetOf(request);
  if (charset !== undefined && !UTF8.has(charset)) {
    throw new ApiError(415, 'unsupported_media_type', `charset=${charset} is not supported; send the JSON body as UTF-8 (charset=utf-8)`);
  }
  let text: string;
  try {
    text = decoder.decode(raw); // also drops a leading BOM
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'body is not valid UTF-8; send the JSON body encoded as UTF-8');
  }
  if (text.trim() === '') return undefined;
  const tooDeep = firstTooDeep(text, MAX_DEPTH);
  if (tooDeep !== undefined) throw badRequest('invalid body', [{ field: tooDeep || '(root)', message: TOO_DEEP }]);

  let parsed: unknown;
  try {
    // lossless-json keeps each number's text, so the sanitiser can refuse one a double cannot hold
    // instead of storing it rounded. Duplicate keys are found below, all of them: keep the first for now.
    parsed = losslessParse(text, undefined, { onDuplicateKey: () => undefined });
  } catch {
    throw new ApiError(400, 'invalid_json', 'body is not valid JSON');
  }
  refuseDuplicateKeys(text);

  const result = sanitizeJson(parsed);
  if (!result.ok && result.forbiddenKeys.length > 0) {
    throw new ApiError(400, 'forbidden_key', `body contains a "__proto__" or "constructor.prototype" key, which is refused (prototype pollution): ${result.forbiddenKeys.join(', ')}`);
  }
  // On an admin write these are answered with the body's other problems (api/plugins/inputProblems.ts): the checks
  // after this one read the value as sent, and skip the fields named here.
  // A body too deep to walk is not read any further by anything.
  if (!result.ok && result.problems.some((p) => p.message === TOO_DEEP)) throw badRequest('invalid body', result.problems);
  if (!result.ok) reportProblems(request, 'invalid body', result.problems);
  return result.value;
}

/**
 * A key given twice in one object, at any depth and whatever its values (JSON.parse keeps the last copy, other
 * readers the first, so partners and buyers could read different leads): 400 invalid_json naming each one's path.
 * Answered at once, as JSON that does not parse is: which value was meant is unknown, so the body is not read on.
 */
function refuseDuplicateKeys(text: string): void {
  const duplicates = duplicateKeys(text);
  if (duplicates.length === 0) return;
  const [first] = duplicates;
  const times = (n: number) => (n === 2 ? 'twice' : `${n} times`);
  const message = duplicates.length === 1
    ? `body has the key "${first!.path}" ${times(first!.times)}; send each key once`
    : `body has ${duplicates.length} keys given more than once (${duplicates.map((d) => `"${d.path}"`).join(', ')}); send each key once`;
  const details = duplicates.map((d) => ({ field: d.path || '(root)', message: `is given ${times(d.times)} in one object (keys are compared after NFC normalization); send each key once` }));
  throw new ApiError(400, 'invalid_json', message, details);
}

/**
 * Two Content-Type headers that differ (`application/json` and `text/plain`): Node keeps the first, so the body was
 * read as JSON or refused 415 by the order of the headers. A 400 naming content-type, on every request whose body
 * is read (a non-empty one: an empty body is none, whatever its type says). Copies that agree (in any case,
 * spaces around `;` aside) are one type.
 */
function refuseConflictingContentTypes(request: FastifyRequest, raw: Buffer): void {
  if (raw.length === 0) return;
  const normal = (t: string) => t.trim().toLowerCase().replace(/\s*;\s*/g, ';');
  if (oneValue(request, 'content-type', (a, b) => normal(a) === normal(b)).conflicting) {
    throw badRequest('invalid headers', [{ field: 'content-type', message: CONFLICTING }]);
  }
}

/** A body of any other Content-Type: none when empty (a body-less POST from `curl -d ''`), else 415. */
export function parseOtherBody(raw: Buffer): undefined {
  if (raw.length === 0) return undefined;
  throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json');
}

export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    try {
      refuseConflictingContentTypes(request, body as Buffer);
      done(null, parseJsonBody(request, body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Every other type: an empty body is no body (as an empty JSON one), whatever the type says; a non-empty
  // one is the 415 Fastify would answer. The body limit still applies (413) while it is read.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    try {
      refuseConflictingContentTypes(request, body as Buffer);
      done(null, parseOtherBody(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
