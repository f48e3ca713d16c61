import { normalizePhone } from '../identity';
import { kindOf } from './compile';
import type { LeadFields, RoutingRule } from './types';

/**
 * The lead as rules see it: `email` and `phone` in the canonical form dedupe reads them in (lib/identity.ts),
 * every other field as stored. Without it, `phone eq "+14157340132"` never matched a lead sent as
 * "(415) 734-0132" and `email eq "jane.up@outlook.com"` never matched "Jane.Up@Outlook.com", though dedupe
 * treats each pair as one person (newcomer walk, session 9, item 2). Every evaluation path builds its lead
 * with ruleLeadView: the worker's and simulate's decide() (lib/routing/decide.ts) and evaluateRules.
 *
 * The stored lead, and the one delivered to buyers, stay exactly as sent: the view is a shallow copy with
 * the two fields replaced, made only when a rule compares them (issue 10 counts microseconds per lead).
 */

export interface LeadViewOptions {
  /** Region a phone written without its country code is read in when the lead has no `country`: DEFAULT_PHONE_COUNTRY. */
  defaultPhoneCountry: string;
}

/**
 * An email as rules compare it: NFKC, trimmed, lower-cased (NFKC again: a case mapping can leave a string that
 * is no longer normalized). Not the dedupe key's Gmail folding (dots, `+tag`, googlemail.com): a rule such as
 * `ends_with "@gmail.com"` or `contains "+promo"` must keep seeing the address as written.
 */
export function canonicalRuleEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

/**
 * A phone as rules compare it: E.164 (`+14157340132`) as dedupe parses it (libphonenumber-js, digits of any
 * script, read in `country` unless written with `+<country code>`; a possible number, not only a valid one);
 * a phone that does not parse is compared as typed, trimmed. `country` is the lead's, else DEFAULT_PHONE_COUNTRY.
 */
export function canonicalRulePhone(raw: string, country: string): string {
  return normalizePhone(raw, country) ?? raw.trim();
}

/** Which of the identity fields some rule compares with a value (exists / not_exists need no canonical form). */
export interface IdentityFieldsRead { email: boolean; phone: boolean }

const NONE: IdentityFieldsRead = Object.freeze({ email: false, phone: false });
const PRESENCE = new Set(['exists', 'not_exists']);

/**
 * Per rules snapshot (the array a rules loader hands out: the worker's cache keeps one until a rule changes),
 * which identity fields its enabled rules compare. Computed once per array, so a lead pays a WeakMap lookup.
 */
const readsBySnapshot = new WeakMap<readonly RoutingRule[], IdentityFieldsRead>();

/** Which identity fields the enabled rules of `rules` compare with a value (cached per array). */
export function identityFieldsRead(rules: readonly RoutingRule[]): IdentityFieldsRead {
  let reads = readsBySnapshot.get(rules);
  if (!reads) {
    const found = { email: false, phone: false };
    for (const rule of rules) if (rule.enabled) collectReads(rule.conditions, found);
    reads = found.email || found.phone ? Object.freeze(found) : NONE;
    readsBySnapshot.set(rules, reads);
  }
  return reads;
}

function collectReads(c: unknown, found: { email: boolean; phone: boolean }): void {
  switch (kindOf(c)) {
    case 'all':
      for (const child of (c as { all: unknown[] }).all) collectReads(child, found);
      return;
    case 'any':
      for (const child of (c as { any: unknown[] }).any) collectReads(child, found);
      return;
    case 'not':
      collectReads((c as { not: unknown }).not, found);
      return;
    case 'predicate': {
      const { field, op } = c as { field?: unknown; op?: unknown };
      if (PRESENCE.has(op as string)) return;
      if (field === 'email') found.email = true;
      else if (field === 'phone') found.phone = true;
      return;
    }
    default:
  }
}

/**
 * The lead `rules` are evaluated against: `lead` itself when no enabled rule compares email or phone (or the
 * lead has neither as a string), else a shallow copy with them in canonical form (canonicalRuleEmail,
 * canonicalRulePhone read in the lead's `country` or opts.defaultPhoneCountry). Never modifies `lead`.
 */
export function ruleLeadView(lead: LeadFields, rules: readonly RoutingRule[], opts: LeadViewOptions): LeadFields {
  const reads = identityFieldsRead(rules);
  if (reads === NONE) return lead;
  const email = reads.email ? lead.email : undefined;
  const phone = reads.phone ? lead.phone : undefined;
  if (typeof email !== 'string' && typeof phone !== 'string') return lead;
  const view: LeadFields = { ...lead };
  if (typeof email === 'string') view.email = canonicalRuleEmail(email);
  if (typeof phone === 'string') {
    const country = typeof lead.country === 'string' ? lead.country.toUpperCase() : opts.defaultPhoneCountry;
    view.phone = canonicalRulePhone(phone, country);
  }
  return view;
}
