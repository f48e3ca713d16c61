import { asciiDigits } from '../lib/input/digits';
import { trimInvisible } from '../lib/input/invisible';

/**
 * A lead as the partner typed it → the lead as it is validated, stored, matched and deduped (issue 7,
 * item 5: normalize first, then validate). Runs before the JSON schema, on the body the JSON parser
 * has already checked and put in Unicode NFC (api/plugins/jsonBody.ts), so it sees any shape:
 * - person fields and string attribute values are trimmed (whitespace and invisible characters), so "  jane@example.com " is an email and
 *   " TX" equals a rule's "TX";
 * - an optional person field that is empty after trimming is treated as absent (web forms send
 *   `"lastName": ""` for a field nobody filled in; refusing the whole lead for it would lose it);
 * - `country` is upper-cased (ISO 3166-1 alpha-2 is written in capitals);
 * - `email` and `phone` are put in Unicode NFKC, and the phone's digits of any script in ASCII: a CJK input
 *   method types ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ and ４１５-５５５-２６７１, an Arabic keyboard ٤١٥٥٥٥٢٦٧١, and each
 *   means the ASCII address or number, which is what is stored, sent to the buyer and deduped
 *   (lib/identity.ts applies the same mapping, so a hash never depends on which spelling came in).
 *   Other text keeps its compatibility characters: in a name they may be what the person typed.
 * `externalId` is the partner's idempotency key and is never trimmed: surrounding whitespace there is a
 * 400, not a silent change of which lead a repeat refers to (it is NFC-normalized like all text, so
 * canonically equal ids are one lead).
 */
const OPTIONAL_TEXT_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'country', 'state', 'postalCode', 'product'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function normalizeField(field: (typeof OPTIONAL_TEXT_FIELDS)[number], value: string): string {
  // Only ASCII letters are upper-cased: "ß".toUpperCase() is "SS" (South Sudan), "ı" becomes "I".
  if (field === 'country') return /^[A-Za-z]{2}$/.test(value) ? value.toUpperCase() : value;
  if (field === 'email') return value.normalize('NFKC');
  if (field === 'phone') return asciiDigits(value.normalize('NFKC'));
  return value;
}

/** A lead body as sent → the same with its fields normalized as above (anything that is not an object is returned as is). */
export function normalizeLeadInput(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const lead: Record<string, unknown> = { ...raw };
  for (const field of OPTIONAL_TEXT_FIELDS) {
    const value = lead[field];
    if (typeof value !== 'string') continue;
    const trimmed = trimInvisible(value);
    if (trimmed === '') delete lead[field];
    else lead[field] = normalizeField(field, trimmed);
  }
  if (isObject(lead.attributes)) {
    lead.attributes = Object.fromEntries(
      Object.entries(lead.attributes).map(([key, value]) => [key, typeof value === 'string' ? trimInvisible(value) : value]),
    );
  }
  return lead;
}
