import { identityValueWriter } from './identityValues';

/**
 * A rule's condition values in the same form as lead values (issue 7, item 5): strings trimmed and in
 * Unicode NFC, so a rule written `eq "Müller"` (NFC) matches a lead typed on macOS ("Mu\u0308ller", NFD)
 * and `eq " TX"` matches the trimmed lead value "TX". `matches` patterns are only NFC-normalized: in a
 * regular expression, leading or trailing spaces can be meaning. Values on `email` and `phone` take the
 * canonical form rules compare those fields in (lib/rules/leadView.ts; identityValues.ts): an email
 * NFKC and lower-cased, a phone number written with its country code in E.164. Returns a new tree of the
 * same shape; anything that is not a well-formed node is copied as is for validateConditions to report.
 */
export function normalizeConditionValues(node: unknown): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const c = node as Record<string, unknown>;
  if (Array.isArray(c.all)) return { ...c, all: c.all.map(normalizeConditionValues) };
  if (Array.isArray(c.any)) return { ...c, any: c.any.map(normalizeConditionValues) };
  if ('not' in c) return { ...c, not: normalizeConditionValues(c.not) };
  if (!('value' in c)) return c;
  const identity = identityValueWriter(c.field, c.op);
  const text = (v: unknown) => {
    if (typeof v !== 'string') return v;
    if (c.op === 'matches') return v.normalize('NFC');
    const trimmed = v.normalize('NFC').trim();
    return identity ? identity(trimmed) : trimmed;
  };
  return { ...c, value: Array.isArray(c.value) ? c.value.map(text) : text(c.value) };
}
