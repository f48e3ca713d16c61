import { emailDedupeKey, identityHash, phoneDedupeKey } from '../lib/identity';
import type { FastifyRequest } from 'fastify';
import { ApiError, badRequest, type FieldProblem } from './errors';
import { isSound, refuseProblems } from './plugins/inputProblems';
import type { LeadBody } from './schemas/lead';

export interface LeadIdentityOptions {
  hmacKey: string;
  /** The region a national phone number is read in when the lead has no `country`. */
  defaultCountry: string;
  /** Effective placeholder lists (config DEDUPE_PLACEHOLDER_EMAILS / _PHONES); the built-in defaults when omitted. */
  placeholderEmails?: readonly string[];
  placeholderPhones?: readonly string[];
}

/**
 * The identity checks JSON schema cannot express, and the lead's dedupe keys (DESIGN §6).
 *
 * Rejected with 400, writing nothing: a lead with neither email nor phone, an email that is not
 * `local@domain`, and a phone that cannot be a number at all (libphonenumber-js `isPossible()`: letters,
 * too short or too long for the lead's country, else the configured default).
 *
 * Accepted, but with NO dedupe key from that field (its hash is null): a phone that is possible but not
 * *valid* (`isValid()`: 000-000-0000, 555-555-5555 in the US) and any placeholder email or phone
 * (lib/identity.ts: RFC 2606 domains, test@test.com, fictional 555-01xx / Ofcom / ACMA ranges, repeated or
 * sequential digits, plus the configured entries). Such values are entered for many different people, so
 * as a key they would make every later person a `duplicate` of the first and lose them for the whole
 * window; rejecting them would lose the lead instead. The lead is stored and routed normally, and still
 * dedupes on its other field when that one is a real key.
 */
export function leadIdentityHashes(
  body: LeadBody,
  opts: LeadIdentityOptions,
): { emailHash: string | null; phoneHash: string | null } {
  const problems: FieldProblem[] = [];
  if (body.email === undefined && body.phone === undefined) {
    problems.push({ field: 'email', message: 'email or phone is required' }, { field: 'phone', message: 'email or phone is required' });
  }
  const email = body.email === undefined ? undefined : emailDedupeKey(body.email, opts.placeholderEmails);
  if (email?.kind === 'malformed') problems.push({ field: 'email', message: 'is not a valid email address' });
  const country = body.country?.toUpperCase() ?? opts.defaultCountry;
  const phone = body.phone === undefined ? undefined : phoneDedupeKey(body.phone, country, opts.placeholderPhones);
  if (phone?.kind === 'impossible') problems.push({ field: 'phone', message: phoneProblem(body.phone ?? '', country) });
  if (problems.length > 0) throw badRequest('invalid body', problems);
  return {
    emailHash: email?.kind === 'key' ? identityHash(opts.hmacKey, 'email', email.value) : null,
    phoneHash: phone?.kind === 'key' ? identityHash(opts.hmacKey, 'phone', phone.value) : null,
  };
}

/**
 * Why a phone number is refused, without its digits: one written with its country code (`+…`) is read by that
 * code, so naming the lead's country there would mislead (`+999 123456789` is no number anywhere); one without is
 * read as a number of `country` (the lead's, or DEFAULT_PHONE_COUNTRY).
 */
function phoneProblem(phone: string, country: string): string {
  return phone.trim().startsWith('+')
    ? 'is not a valid phone number (read with the country calling code it starts with)'
    : `is not a valid phone number (read as a number of ${country}: write it as +<country code> <number> if it is from elsewhere)`;
}

type Hashes = { emailHash: string | null; phoneHash: string | null };

/**
 * leadIdentityHashes as one of a request's checks (api/plugins/inputProblems.ts): run on the lead at `at` in the body
 * (`lead` for a simulation; the body itself by default) when the fields it reads (email, phone, country) are sound,
 * its problems named under `at` (`lead.phone`); then one 400 answers every problem of the request, or the hashes
 * are returned.
 */
export function checkedIdentity(request: FastifyRequest, opts: LeadIdentityOptions, at = ''): Hashes {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const body = request.body;
  const lead = at === '' ? body : isObject(body) ? body[at] : undefined;
  const field = (name: string) => (at ? `${at}.${name}` : name);
  let hashes: Hashes = { emailHash: null, phoneHash: null };
  const problems: FieldProblem[] = [];
  if (isObject(lead) && ['email', 'phone', 'country'].every((name) => isSound(request, field(name)))) {
    try {
      hashes = leadIdentityHashes({ externalId: 'checked', ...lead } as LeadBody, opts);
    } catch (err) {
      if (!(err instanceof ApiError && err.details)) throw err;
      problems.push(...err.details.map((d) => ({ ...d, field: field(d.field) })));
    }
  }
  refuseProblems(request, 'invalid body', problems);
  return hashes;
}
