import { CONTROL_CLASS, MULTILINE_TEXT, SINGLE_LINE_TEXT } from '../../lib/input/controls';
import { INVISIBLE_CLASS } from '../../lib/input/invisible';
import { MAX_EMAIL_LOCAL_PART_BYTES } from '../plugins/validation';

/** JSON schemas of the lead endpoints (DESIGN §8), and the TypeScript shapes they guarantee. */

export interface LeadBody {
  externalId: string;
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  country?: string;
  state?: string;
  postalCode?: string;
  product?: string;
  attributes?: Record<string, string | number | boolean>;
}

/**
 * No whitespace or invisible character (lib/input/invisible.ts: controls, zero-width and bidi characters,
 * BOM …) at either end, and no control character, line break or bidi override inside (lib/input/controls.ts):
 * identifiers and names a person must be able to read and type back.
 */
export const VISIBLE_AT_BOTH_ENDS = `^[^${INVISIBLE_CLASS}]([^${CONTROL_CLASS}]*[^${INVISIBLE_CLASS}])?$`;

const CONTROLS_MESSAGE = 'must not contain control characters (tab, line break, NUL, U+0080-009F) or bidirectional overrides (U+202A-202E, U+2066-2069)';

/**
 * A free-text field of one line: its length counted in Unicode characters after NFC normalization (what is
 * stored), and no control character inside (its ends are trimmed by api/leadInput.ts before this check).
 * `x-error-message` per keyword: the length keeps its own message (api/plugins/errorHandler.ts).
 */
const text = (maxLength: number) =>
  ({ type: 'string', minLength: 1, maxLength, pattern: SINGLE_LINE_TEXT, 'x-error-message': { pattern: CONTROLS_MESSAGE } }) as const;

const FORMAT_CHARACTERS_MESSAGE = 'must not contain invisible format characters (Unicode Cf, such as U+200D zero-width joiner or U+200B zero-width space): it is a code, compared character by character';

/** A code written as text (a state, a postal code): one line as text(), and no format character (api/plugins/validation.ts isCode). */
const code = (maxLength: number) =>
  ({ ...text(maxLength), 'x-code': true, 'x-error-message': { pattern: CONTROLS_MESSAGE, 'x-code': FORMAT_CHARACTERS_MESSAGE } }) as const;

export const leadBodySchema = {
  type: 'object',
  required: ['externalId'],
  // Unknown fields are rejected, not dropped: a partner's typo ("emial") should fail loudly.
  additionalProperties: false,
  properties: {
    externalId: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: VISIBLE_AT_BOTH_ENDS,
      'x-error-message': 'must be 1-200 characters (counted after NFC normalization) on one line, without control characters or bidirectional overrides, that do not start or end with whitespace or invisible characters',
    },
    // format `email` and `x-max-local-part-bytes`: api/plugins/validation.ts (EMAIL; at most 64 bytes before the @, RFC 5321).
    email: {
      type: 'string',
      format: 'email',
      'x-max-local-part-bytes': MAX_EMAIL_LOCAL_PART_BYTES,
      maxLength: 254,
      'x-error-message': {
        format: 'is not an email address such as jane@example.com (a local part, one @, then a domain with a dot)',
        'x-max-local-part-bytes': `has more than ${MAX_EMAIL_LOCAL_PART_BYTES} bytes before the @ (UTF-8: a letter such as ü or ж takes 2); mail servers refuse a longer local part (RFC 5321 §4.5.3.1.1)`,
      },
    },
    phone: {
      type: 'string',
      minLength: 3,
      maxLength: 40,
      pattern: '^[0-9+().\\- ]+$',
      'x-error-message': 'is not a phone number: use digits, with optional +, spaces, dots, dashes and parentheses; extensions (ext., x) and letters are not accepted',
    },
    firstName: text(100),
    lastName: text(100),
    // Upper-cased at the boundary (api/leadInput.ts) before this check.
    country: { type: 'string', format: 'iso-3166-alpha-2', 'x-error-message': 'is not an ISO 3166-1 alpha-2 country code such as US' },
    // Codes rules compare character by character: no invisible format character inside (`x-code`).
    state: code(64),
    postalCode: code(20),
    product: text(100),
    attributes: {
      type: 'object',
      maxProperties: 50,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', 'x-error-message': 'keys are 1-64 ASCII letters, digits or _, not starting with a digit' },
      // Strings may span lines (tab, LF, CR: a comment box), but carry no other control character.
      additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 1000, pattern: MULTILINE_TEXT, 'x-error-message': { pattern: 'must not contain control characters other than tab and line breaks (\\t, \\n, \\r), or bidirectional overrides (U+202A-202E, U+2066-2069)' } },
    },
  },
} as const;

export interface RouteQuery {
  wait?: number;
}

export const routeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'integer', minimum: 0, maximum: 10_000 } },
} as const;

