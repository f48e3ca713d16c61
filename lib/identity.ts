import crypto from 'node:crypto';
import { domainToASCII } from 'node:url';
import { asciiDigits } from './input/digits';
import { removeDefaultIgnorable } from './input/invisible';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A person's identity keys for cross-partner dedupe (DESIGN §6): normalized, then hashed with a keyed
 * HMAC so the database never holds a directly searchable email or phone index.
 *
 * Not every email or phone a partner sends is a person's. A dedupe key says "these two leads are the same
 * person"; a value many different people are entered with (a form's placeholder `000-000-0000`, a fictional
 * `555-0123`, `test@test.com`) would make every later person with it a `duplicate` of the first and lose
 * them for the whole dedupe window. So a value is a key only if it is well-formed, *valid* and not a known
 * placeholder; otherwise it is accepted with the lead but hashed to nothing (see api/leadIdentity.ts).
 * Everything here is pure: the rule lists come in as arguments (lib/config.ts builds them).
 */

// ---------------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------------

/**
 * Unicode NFC, then trim: canonically equal spellings (precomposed `é` vs `e` + combining acute) become
 * the same string before anything else looks at them. The API boundary does this to all input as well;
 * doing it here too means a hash never depends on which path a value came in by.
 */
function canonical(raw: string): string {
  return raw.normalize('NFC').trim();
}

/**
 * An email or phone in compatibility form (NFKC), trimmed: full-width ＠ and ． from a CJK input method are
 * @ and ., so ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ and john@example.com are one person (api/leadInput.ts stores
 * that form; doing it here too means a hash never depends on which path a value came in by).
 */
function compatible(raw: string): string {
  return raw.normalize('NFKC').trim();
}

/** A phone as text to parse: NFKC (full-width ＋ and －), and digits of any script in ASCII (٤١٥ is 415). */
function phoneText(raw: string): string {
  return asciiDigits(compatible(raw));
}

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * An email's local part in compatibility form without invisible code points: full-width ｔｅｓｔ is test,
 * and a variation selector or combining grapheme joiner (jane\u034F) does not make another person.
 */
function canonicalLocalPart(local: string): string {
  return removeDefaultIgnorable(local.normalize('NFKC'));
}

/**
 * An email's domain in its ASCII (IDNA, UTS #46) form: full-width letters from a CJK input method
 * (ＥＸＡＭＰＬＥ.com) and the Unicode / punycode spellings of one IDN domain are the same mailbox.
 * Unchanged when it is not a domain IDNA can map (empty, or invalid: later checks refuse it).
 */
function canonicalDomain(domain: string): string {
  return (domain && domainToASCII(domain)) || domain;
}

/**
 * `local@domain`, NFKC, trimmed, lower-cased; for Gmail also without dots and `+tag` in the local part and
 * with googlemail.com as gmail.com (the same mailbox). Undefined when it has no non-empty local part and
 * domain around its last `@`.
 */
export function normalizeEmail(raw: string): string | undefined {
  // NFKC again after lower-casing: a case mapping can leave a string that is no longer normalized.
  const email = compatible(raw).toLowerCase().normalize('NFKC');
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  let local = canonicalLocalPart(email.slice(0, at));
  let domain = canonicalDomain(email.slice(at + 1));
  if (GMAIL_DOMAINS.has(domain)) {
    // Gmail ignores dots and everything after '+', and googlemail.com is the same mailbox.
    local = local.split('+')[0]!.replace(/\./g, '');
    domain = 'gmail.com';
  }
  return local ? `${local}@${domain}` : undefined;
}

/**
 * E.164 (+14155550123) of a number that is *possible* (a plausible length for its country), or undefined
 * when the input cannot be a phone number at all. Possible is not valid: see {@link phoneDedupeKey}.
 */
export function normalizePhone(raw: string, defaultCountry: string): string | undefined {
  const parsed = parsePhoneNumberFromString(phoneText(raw), defaultCountry as CountryCode);
  return parsed?.isPossible() ? parsed.number : undefined;
}

export function identityHash(hmacKey: string, kind: 'email' | 'phone', normalized: string): string {
  return crypto.createHmac('sha256', hmacKey).update(`${kind}:${normalized}`).digest('hex');
}

// ---------------------------------------------------------------------------------------------------
// Placeholder emails
// ---------------------------------------------------------------------------------------------------

/**
 * Emails that many different people are entered with, so never a dedupe key. An entry has one of three
 * shapes, matched against the normalized address (see {@link normalizeEmail}):
 *
 * - `@domain`       the domain and every subdomain of it (`@example.com` matches `a@mail.example.com`);
 *                   a bare top-level label (`@test`) matches that whole TLD.
 * - `local@`        that local part at any domain, ignoring a `+tag` (`noemail@` matches `noemail+1@x.org`).
 * - `local@domain`  exactly that address (normalized the same way, so Gmail spellings all match).
 */
export const DEFAULT_PLACEHOLDER_EMAILS: readonly string[] = Object.freeze([
  // RFC 2606 §3 / RFC 6761 §6.5: second-level domains reserved for documentation; nobody has a mailbox there.
  '@example.com',
  '@example.net',
  '@example.org',
  // RFC 2606 §2 / RFC 6761 §6.2-6.4: reserved top-level names, never delegated in the public DNS.
  '@test',
  '@example',
  '@invalid',
  '@localhost',
  // Common junk typed into "email" fields to get past a form: test@test.com and friends.
  '@test.com',
  'test@',
  'email@',
  'asdf@',
  'noemail@',
  'no-email@',
  'none@',
  'na@',
  'n/a@',
  'null@',
  'unknown@',
  'nobody@',
  'noreply@',
  'no-reply@',
  'donotreply@',
  'do-not-reply@',
]);

type EmailEntry =
  | { shape: 'domain'; domain: string }
  | { shape: 'local'; local: string }
  | { shape: 'address'; address: string };

const EMAIL_PART = /^[^\s@]+$/u;

/** The canonical spelling of an email entry, or undefined when it has none of the three shapes. */
function parseEmailEntry(raw: string): { text: string; entry: EmailEntry } | undefined {
  const text = compatible(raw).toLowerCase().normalize('NFKC');
  const at = text.indexOf('@');
  if (at < 0 || text.indexOf('@', at + 1) >= 0) return undefined;
  // Compared with normalized addresses, so entries are written the same way.
  const local = canonicalLocalPart(text.slice(0, at));
  const domain = canonicalDomain(text.slice(at + 1).replace(/\.$/, ''));
  if (!local) {
    if (!EMAIL_PART.test(domain) || domain.startsWith('.') || domain.includes('..')) return undefined;
    return { text: `@${domain}`, entry: { shape: 'domain', domain } };
  }
  if (!EMAIL_PART.test(local)) return undefined;
  if (!domain) return { text: `${local}@`, entry: { shape: 'local', local } };
  const address = normalizeEmail(`${local}@${domain}`);
  if (!address || !EMAIL_PART.test(domain) || domain.startsWith('.') || domain.includes('..')) return undefined;
  return { text: address, entry: { shape: 'address', address } };
}

function emailEntryMatches(entry: EmailEntry, address: string): boolean {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).replace(/\.$/, '');
  switch (entry.shape) {
    case 'domain':
      return domain === entry.domain || domain.endsWith(`.${entry.domain}`);
    case 'local':
      return address.slice(0, at).split('+')[0] === entry.local;
    case 'address':
      return address === entry.address;
  }
}

// ---------------------------------------------------------------------------------------------------
// Placeholder phones
// ---------------------------------------------------------------------------------------------------

/**
 * Phone numbers that many different people are entered with, so never a dedupe key. Only *valid* numbers
 * get this far (an invalid one, such as 000-000-0000 or 555-555-5555 in the US, is never a key anyway).
 * An entry is one of:
 *
 * - an E.164 pattern: `+`, then digits where `?` stands for any one digit, optionally ending in `*` for
 *   any number of further digits (`+1???55501??` is 555-0100..555-0199 in every NANP area code);
 * - `repeated`: the last seven digits of the national number are one digit repeated (…000-0000,
 *   …555-5555, 06 00 00 00 00); the whole national number when it is shorter;
 * - `sequential`: those digits are a run of consecutive digits, up or down and wrapping 9→0
 *   (…123-4567, 1234567890, 9876543210, 01 23 45 67 89).
 *
 * A real subscriber whose number happens to match loses only the phone as a dedupe key (an email still
 * dedupes); a placeholder that is a key loses every later lead that carries it. So the rules lean wide.
 */
export const DEFAULT_PLACEHOLDER_PHONES: readonly string[] = Object.freeze([
  'repeated',
  'sequential',
  // NANPA: 555-0100 through 555-0199 are reserved for fictional use in every NANP area code.
  '+1???55501??',
  // NANP: 555-1212 is directory assistance in every area code, never a person's number.
  '+1???5551212',
  // Ofcom "telephone numbers for drama purposes" (UK): 1,000 numbers in each range, never allocated.
  '+441134960???', // 0113 496 0xxx Leeds
  '+441144960???', // 0114 496 0xxx Sheffield
  '+441154960???', // 0115 496 0xxx Nottingham
  '+441164960???', // 0116 496 0xxx Leicester
  '+441174960???', // 0117 496 0xxx Bristol
  '+441184960???', // 0118 496 0xxx Reading
  '+441214960???', // 0121 496 0xxx Birmingham
  '+441314960???', // 0131 496 0xxx Edinburgh
  '+441414960???', // 0141 496 0xxx Glasgow
  '+441514960???', // 0151 496 0xxx Liverpool
  '+441614960???', // 0161 496 0xxx Manchester
  '+441914980???', // 0191 498 0xxx Tyneside
  '+442079460???', // 020 7946 0xxx London
  '+442896496???', // 028 9649 6xxx Northern Ireland
  '+442920180???', // 029 2018 0xxx Cardiff
  '+441632960???', // 01632 960xxx no real area
  '+447700900???', // 07700 900xxx mobile
  '+448081570???', // 08081 570xxx freephone
  '+449098790???', // 0909 879 0xxx premium rate
  '+443069990???', // 03069 990xxx UK-wide
  // ACMA (Australia): the fictitious mobile numbers it lists for film and TV all lie in 0491 570 000-0491 579 999.
  '+6149157????',
]);

type PhoneEntry = { shape: 'rule'; rule: 'repeated' | 'sequential' } | { shape: 'pattern'; pattern: RegExp };

const PHONE_PATTERN = /^\+[0-9?]{1,15}\*?$/;

function parsePhoneEntry(raw: string): { text: string; entry: PhoneEntry } | undefined {
  const text = canonical(raw).toLowerCase();
  if (text === 'repeated' || text === 'sequential') return { text, entry: { shape: 'rule', rule: text } };
  if (!PHONE_PATTERN.test(text) || text[1] === '0') return undefined;
  const body = text.slice(1).replace(/\?/g, '\\d').replace(/\*$/, '\\d*');
  return { text, entry: { shape: 'pattern', pattern: new RegExp(`^\\+${body}$`) } };
}

const ASCENDING = '01234567890123456789';
const DESCENDING = '98765432109876543210';

function phoneEntryMatches(entry: PhoneEntry, e164: string, nationalNumber: string): boolean {
  if (entry.shape === 'pattern') return entry.pattern.test(e164);
  const tail = nationalNumber.slice(-7);
  if (entry.rule === 'repeated') return /^(\d)\1*$/.test(tail);
  return tail.length >= 2 && (ASCENDING.includes(tail) || DESCENDING.includes(tail));
}

// ---------------------------------------------------------------------------------------------------
// Placeholder lists from configuration
// ---------------------------------------------------------------------------------------------------

/**
 * The effective list for a setting such as DEDUPE_PLACEHOLDER_EMAILS: the built-in defaults, plus each
 * comma-separated entry, minus each entry written `-entry` (which must be one of the defaults). The setting
 * EXTENDS the defaults rather than replacing them, so a deployment that adds one value keeps every default,
 * including ones a later release adds; removing a default is explicit and checked. Entries are returned in
 * their canonical spelling; unset or blank means the defaults alone.
 */
function resolveList(
  setting: string | undefined,
  defaults: readonly string[],
  parse: (raw: string) => { text: string } | undefined,
  shapes: string,
): { entries: string[] } | { problem: string } {
  const entries = [...defaults];
  const bad: string[] = [];
  for (const item of (setting ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const remove = item.startsWith('-');
    const parsed = parse(remove ? item.slice(1) : item);
    if (!parsed) {
      bad.push(`"${item}" is not ${shapes}`);
    } else if (remove) {
      if (!defaults.includes(parsed.text)) bad.push(`"${item}" removes nothing: ${parsed.text} is not a built-in default`);
      else if (entries.includes(parsed.text)) entries.splice(entries.indexOf(parsed.text), 1);
    } else if (!entries.includes(parsed.text)) {
      entries.push(parsed.text);
    }
  }
  return bad.length > 0 ? { problem: bad.join('; ') } : { entries };
}

export function resolvePlaceholderEmails(setting: string | undefined) {
  return resolveList(setting, DEFAULT_PLACEHOLDER_EMAILS, parseEmailEntry, 'an email placeholder (@domain, local@ or local@domain)');
}

export function resolvePlaceholderPhones(setting: string | undefined) {
  return resolveList(
    setting,
    DEFAULT_PLACEHOLDER_PHONES,
    parsePhoneEntry,
    'a phone placeholder (an E.164 pattern such as +1???55501?? or +447700900*, with ? for one digit and a final * for the rest; or repeated / sequential)',
  );
}

/** Entry lists are compiled once each (config hands the same array to every request). */
const compiledEmails = new WeakMap<readonly string[], Array<{ text: string; entry: EmailEntry }>>();
const compiledPhones = new WeakMap<readonly string[], Array<{ text: string; entry: PhoneEntry }>>();

function compile<E>(cache: WeakMap<readonly string[], Array<{ text: string; entry: E }>>, list: readonly string[], parse: (raw: string) => { text: string; entry: E } | undefined) {
  let compiled = cache.get(list);
  if (!compiled) {
    compiled = list.map((raw) => {
      const parsed = parse(raw);
      if (!parsed) throw new Error(`not a placeholder entry: ${JSON.stringify(raw)}`);
      return parsed;
    });
    cache.set(list, compiled);
  }
  return compiled;
}

/** The entry of `placeholders` that a normalized email matches, or undefined when it matches none. */
export function emailPlaceholder(normalized: string, placeholders: readonly string[] = DEFAULT_PLACEHOLDER_EMAILS): string | undefined {
  return compile(compiledEmails, placeholders, parseEmailEntry).find((p) => emailEntryMatches(p.entry, normalized))?.text;
}

/** The entry of `placeholders` that a number (E.164 and its national significant number) matches, if any. */
export function phonePlaceholder(
  e164: string,
  nationalNumber: string,
  placeholders: readonly string[] = DEFAULT_PLACEHOLDER_PHONES,
): string | undefined {
  return compile(compiledPhones, placeholders, parsePhoneEntry).find((p) => phoneEntryMatches(p.entry, e164, nationalNumber))?.text;
}

// ---------------------------------------------------------------------------------------------------
// Dedupe keys
// ---------------------------------------------------------------------------------------------------

/**
 * What an email contributes to dedupe:
 * - `malformed`: not an email at all (the API answers 400);
 * - `placeholder`: well-formed, but one many people share (`matched` names the entry); no key;
 * - `key`: `value` is the normalized address to hash.
 */
export type EmailDedupe =
  | { kind: 'malformed' }
  | { kind: 'placeholder'; value: string; matched: string }
  | { kind: 'key'; value: string };

export function emailDedupeKey(raw: string, placeholders: readonly string[] = DEFAULT_PLACEHOLDER_EMAILS): EmailDedupe {
  const value = normalizeEmail(raw);
  if (!value) return { kind: 'malformed' };
  const matched = emailPlaceholder(value, placeholders);
  return matched ? { kind: 'placeholder', value, matched } : { kind: 'key', value };
}

/**
 * What a phone contributes to dedupe, read in `defaultCountry` unless it is international:
 * - `impossible`: cannot be a phone number (letters, too short or long for its country; the API answers 400);
 * - `not_valid`: a possible length but not a number that can be assigned (libphonenumber-js `isValid()`:
 *   000-000-0000, 555-555-5555 and 123-456-7890 in the US); no key;
 * - `placeholder`: valid, but fictional or a filler (`matched` names the entry); no key;
 * - `key`: `value` is the E.164 number to hash.
 */
export type PhoneDedupe =
  | { kind: 'impossible' }
  | { kind: 'not_valid'; value: string }
  | { kind: 'placeholder'; value: string; matched: string }
  | { kind: 'key'; value: string };

export function phoneDedupeKey(
  raw: string,
  defaultCountry: string,
  placeholders: readonly string[] = DEFAULT_PLACEHOLDER_PHONES,
): PhoneDedupe {
  const parsed = parsePhoneNumberFromString(phoneText(raw), defaultCountry as CountryCode);
  if (!parsed?.isPossible()) return { kind: 'impossible' };
  const value = parsed.number;
  if (!parsed.isValid()) return { kind: 'not_valid', value };
  const matched = phonePlaceholder(value, parsed.nationalNumber, placeholders);
  return matched ? { kind: 'placeholder', value, matched } : { kind: 'key', value };
}
