/**
 * Characters that are invisible and never meaningful at the edges of a name, an id or an address:
 * whitespace, controls (Cc), soft hyphen, Mongolian vowel separator, zero-width space / joiners and
 * directional marks (U+200B-200F), bidi embeddings and overrides (U+202A-202E), word joiner and invisible
 * operators (U+2060-2064), bidi isolates (U+2066-206F), BOM (U+FEFF).
 * Deliberately NOT all of Cf: emoji tag characters (U+E0020-E007F, the England flag's) and the Arabic
 * number signs (U+0600-0605) are format characters that carry meaning.
 * Written as \u ranges (no \p{…}) so the same class works in an OpenAPI pattern for tools built on
 * Python's `re` (Schemathesis).
 */
export const INVISIBLE_CLASS = '\\s\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u206F\\uFEFF';

const EDGES = new RegExp(`^[${INVISIBLE_CLASS}]+|[${INVISIBLE_CLASS}]+$`, 'gu');
const ANYWHERE = new RegExp(`[${INVISIBLE_CLASS}]+`, 'gu');
// Each listed code point is removed on its own, so a combining one in the class is intended.
// eslint-disable-next-line no-misleading-character-class
const DEFAULT_IGNORABLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/gu;

/** `trim()` plus the invisible characters above. */
export const trimInvisible = (s: string): string => s.replace(EDGES, '');

/** Removes the invisible characters above anywhere in `s` (for identifiers compared as keys). */
export const removeInvisible = (s: string): string => s.replace(ANYWHERE, '');

/**
 * Removes Unicode default-ignorable code points (DerivedCoreProperties: variation selectors, the combining
 * grapheme joiner, zero-width and bidi characters …): they render as nothing, so two strings that differ
 * only by them look identical to a person.
 */
export const removeDefaultIgnorable = (s: string): string => s.replace(DEFAULT_IGNORABLE, '');
