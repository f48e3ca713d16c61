/**
 * Characters refused INSIDE free text (names, ids, state, product, attribute values), as JSON-Schema
 * character classes written with \u ranges, so the same pattern works in ajv and in tools built on Python's
 * `re` (Schemathesis) reading the OpenAPI document. At either end the lead boundary strips them with the
 * other invisible characters (api/leadInput.ts, lib/input/invisible.ts); inside, they are a 400 naming the
 * field, not silently removed: which part of "Jo\u202Ehn" the partner meant is not ours to guess.
 *
 * - C0 controls U+0000-001F (NUL, tab, line feed, escape …), DEL U+007F and C1 controls U+0080-009F
 *   (U+0085 is a line break too): nothing a person's name or an id contains, and a line break in a field
 *   forges extra lines in every CSV, log or e-mail the value reaches;
 * - U+2028 / U+2029, the Unicode line and paragraph separators;
 * - bidirectional embeddings, overrides and isolates U+202A-202E, U+2066-2069: they make text display in
 *   another order than it is stored ("Trojan Source", CVE-2021-42574). The directional MARKS (U+200E,
 *   U+200F, U+061C) and the zero-width joiners (U+200C, U+200D, needed in Persian and Indic names and in
 *   emoji) are not in the list.
 */
const BIDI_CONTROLS = '\\u202A-\\u202E\\u2066-\\u2069';
export const CONTROL_CLASS = `\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029${BIDI_CONTROLS}`;

/** Attribute values may be multi-line text (a form's comment box): the same list without tab, LF and CR. */
export const MULTILINE_CONTROL_CLASS = `\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u2028\\u2029${BIDI_CONTROLS}`;

/** A JSON-Schema pattern: one line of text without the controls above. */
export const SINGLE_LINE_TEXT = `^[^${CONTROL_CLASS}]*$`;
/** A JSON-Schema pattern: text, possibly of several lines (tab, LF, CR), without the other controls above. */
export const MULTILINE_TEXT = `^[^${MULTILINE_CONTROL_CLASS}]*$`;
