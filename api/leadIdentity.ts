import { identityHash, normalizeEmail, normalizePhone } from '../lib/identity';
import { badRequest, type FieldProblem } from './errors';
import type { LeadBody } from './schemas/lead';

/**
 * The checks JSON schema cannot express: a lead needs an email or a phone, and a phone must be a
 * number that can exist (libphonenumber-js, in the lead's country or the configured default).
 */
export function leadIdentityHashes(
  body: LeadBody,
  opts: { hmacKey: string; defaultCountry: string },
): { emailHash: string | null; phoneHash: string | null } {
  const problems: FieldProblem[] = [];
  if (body.email === undefined && body.phone === undefined) {
    problems.push({ field: 'email', message: 'email or phone is required' }, { field: 'phone', message: 'email or phone is required' });
  }
  const email = body.email === undefined ? undefined : normalizeEmail(body.email);
  if (body.email !== undefined && !email) problems.push({ field: 'email', message: 'is not a valid email address' });
  const country = body.country?.toUpperCase() ?? opts.defaultCountry;
  const phone = body.phone === undefined ? undefined : normalizePhone(body.phone, country);
  if (body.phone !== undefined && !phone) problems.push({ field: 'phone', message: `is not a valid phone number (for country ${country})` });
  if (problems.length > 0) throw badRequest('invalid body', problems);
  return {
    emailHash: email ? identityHash(opts.hmacKey, 'email', email) : null,
    phoneHash: phone ? identityHash(opts.hmacKey, 'phone', phone) : null,
  };
}
