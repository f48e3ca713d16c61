import { trimInvisible } from '../lib/input/invisible';

/**
 * A lead as the partner typed it → the lead as it is validated, stored, matched and deduped (issue 7,
 * item 5: normalize first, then validate). Runs before the JSON schema, on the body the JSON parser
 * has already checked and put in Unicode NFC (api/plugins/jsonBody.ts), so it sees any shape:
 * - person fields and string attribute values are trimmed (whitespace and invisible characters), so "  jane@example.com " is an email and
 *   " TX" equals a rule's "TX";
 * - an optional person field that is empty after trimming is treated as absent (web forms send
 *   `"lastName": ""` for a field nobody filled in; refusing the whole lead for it would lose it);
 * - `country` is upper-cased (ISO 3166-1 alpha-2 is written in capitals).
 * `externalId` is the partner's idempotency key and is never trimmed: surrounding whitespace there is a
 * 400, not a silent change of which lead a repeat refers to (it is NFC-normalized like all text, so
 * canonically equal ids are one lead).
 */
const OPTIONAL_TEXT_FIELDS = ['email', 'phone', 'firstName', 'lastName', 'country', 'state', 'postalCode', 'product'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function normalizeLeadInput(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const lead: Record<string, unknown> = { ...raw };
  for (const field of OPTIONAL_TEXT_FIELDS) {
    const value = lead[field];
    if (typeof value !== 'string') continue;
    const trimmed = trimInvisible(value);
    if (trimmed === '') delete lead[field];
    // Only ASCII letters are upper-cased: "ß".toUpperCase() is "SS" (South Sudan), "ı" becomes "I".
    else lead[field] = field === 'country' && /^[A-Za-z]{2}$/.test(trimmed) ? trimmed.toUpperCase() : trimmed;
  }
  if (isObject(lead.attributes)) {
    lead.attributes = Object.fromEntries(
      Object.entries(lead.attributes).map(([key, value]) => [key, typeof value === 'string' ? trimInvisible(value) : value]),
    );
  }
  return lead;
}
