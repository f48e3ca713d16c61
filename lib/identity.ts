import crypto from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A person's identity keys for cross-partner dedupe (DESIGN §6): normalized, then hashed with a keyed
 * HMAC so the database never holds a directly searchable email or phone index.
 */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

export function normalizeEmail(raw: string): string | undefined {
  const email = raw.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  if (GMAIL_DOMAINS.has(domain)) {
    // Gmail ignores dots and everything after '+', and googlemail.com is the same mailbox.
    local = local.split('+')[0]!.replace(/\./g, '');
    domain = 'gmail.com';
  }
  return local ? `${local}@${domain}` : undefined;
}

/** E.164 (+14155550123), or undefined when the input cannot be a phone number. */
export function normalizePhone(raw: string, defaultCountry: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  return parsed?.isPossible() ? parsed.number : undefined;
}

export function identityHash(hmacKey: string, kind: 'email' | 'phone', normalized: string): string {
  return crypto.createHmac('sha256', hmacKey).update(`${kind}:${normalized}`).digest('hex');
}
