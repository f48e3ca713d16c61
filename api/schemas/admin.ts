/** JSON schemas of the admin endpoints. */
import { withArticle } from '../errors';
import { leadBodySchema, VISIBLE_AT_BOTH_ENDS, type LeadBody } from './lead';
import { DISTRIBUTIONS, type Condition, type Distribution, type RuleDestination } from '../../lib/rules/types';

/**
 * Leads per hour/day/month for one partner: a whole number 1 .. 10,000,000 (no coercion: -1, 2.5, "5" and
 * 1e12 are 400s). Postgres stores caps as `integer` and compares them with bigint counters, so nothing in
 * the cap arithmetic can overflow; 10 million a period is far past what one buyer takes.
 */
const cap = { type: 'integer', minimum: 1, maximum: 10_000_000 } as const;
/** A cap or null: no cap (the same meaning on create as on PATCH). */
const nullableCap = { ...cap, type: ['integer', 'null'] } as const;


/**
 * A buyer's delivery URL: http or https (in any case: the scheme is case-insensitive, and stored in lower
 * case by normalizeDeliveryUrl), a host name (underscores allowed: DNS and fetch accept `x_y.example.com`)
 * or IP address (loopback and private addresses are allowed: local buyers and the tests use 127.0.0.1;
 * link-local and unspecified ones are not: see deliveryUrlProblem), an optional port 1-65535, then a path/query. No
 * user name or password (`https://user:pass@host/`): a URL is printed in logs and traces, a credential
 * must not be; buyers authenticate us by the signing secret. Non-ASCII host names are written in
 * punycode (xn--...). At most 2,000 characters. `deliveryUrlProblem` (below) is the last word, with the
 * WHATWG URL parser that delivery uses as well; this pattern also documents the rule in the OpenAPI contract.
 */
const DELIVERY_URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?|\\[[0-9A-Fa-f:.]+\\])' +
  '(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(?:[/?#][^\\s]*)?$';
const DELIVERY_URL = new RegExp(DELIVERY_URL_PATTERN, 'u');
// RFC 3986 characters only (ajv's `uri` format): what a browser bar forgives must be written encoded here.
const DELIVERY_URL_MESSAGE =
  'must be an http:// or https:// URL with a host, no user name or password, at most 2000 characters, in RFC 3986 characters: ' +
  'percent-encode others (| as %7C, { as %7B, } as %7D, a space as %20, non-ASCII as its UTF-8 bytes: é as %C3%A9) ' +
  'and write a non-ASCII host name in punycode (bücher.example as xn--bcher-kva.example)';
/** `x-explain`: a schema problem of this field is said by deliveryUrlProblem, which names what is wrong (api/schemas/explain.ts). */
const deliveryUrl = { type: 'string', format: 'uri', pattern: DELIVERY_URL_PATTERN, maxLength: 2000, 'x-error-message': DELIVERY_URL_MESSAGE, 'x-explain': 'deliveryUrl' } as const;

/**
 * The one thing wrong with a delivery URL, when it is one the general rule (DELIVERY_URL_MESSAGE) does not name: too
 * long, no http(s) scheme, a user name or password, no host, a port that is not 1-65535, a `%` that does not start
 * a percent-escape. Undefined otherwise: a character to percent-encode (a space, `|`, `é`) or a non-ASCII host
 * is said by the general rule, which shows how to write each. Shows back at most a port number or the two
 * characters after a `%`: the rest of a URL may be a buyer's token.
 */
function usualUrlSlip(url: string): string | undefined {
  if (url.length > 2000) return `is ${url.length} characters long; a delivery URL has at most 2000`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme || !/^https?$/i.test(scheme[1]!)) return 'must start with http:// or https://';
  const authority = url.slice(scheme[0].length).split(/[/?#]/, 1)[0]!;
  if (authority.includes('@')) return 'must not hold a user name or password (user:pass@host): a URL is printed in logs and traces; buyers check our signature instead';
  if (authority === '') return 'has no host after the scheme (http://host/...)';
  const port = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/.exec(authority)?.[1]; // an IPv6 host is in brackets
  if (port !== undefined) {
    if (port === '') return 'has ":" after the host but no port: write the port (1-65535) or leave the ":" out';
    if (!/^\d+$/.test(port)) return 'has a port that is not a number: a port is a whole number from 1 to 65535';
    const n = Number(port);
    if (n < 1 || n > 65535) return `has port ${port.length > 6 ? `${port.slice(0, 6)}…` : port}, out of range: a port is 1-65535`;
    if (port.startsWith('0')) return `has port ${port}: write it without leading zeros (${n})`;
  }
  const escape = /%(?![0-9A-Fa-f]{2})([^%]{0,2})/u.exec(url);
  if (escape) return `has "%${escape[1]}", which is not a percent-escape: a % starts %XX, two hex digits (write a % itself as %25)`;
  return undefined;
}

/**
 * What is wrong with a delivery URL, or undefined: the schema's pattern, then a parse as delivery
 * does (WHATWG URL, which fetch uses), so a URL stored is one delivery can send to: the schema's pattern
 * cannot see e.g. an IPv4 address with an octet over 255 (`http://999.1.1.1/`), which fetch refuses and
 * would turn every lead for the buyer into `rejected_by_buyer`.
 */
export function deliveryUrlProblem(url: string): string | undefined {
  const slip = usualUrlSlip(url);
  if (slip) return slip;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return DELIVERY_URL_MESSAGE;
  }
  // The pattern too: the parser reads `http:///path` as http://path/ and forgives other slips.
  const ok = DELIVERY_URL.test(url) && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
  if (!ok || url.length > 2000) return DELIVERY_URL_MESSAGE;
  return unreachableHostProblem(parsed.hostname);
}

/** The URL with its scheme in lower case (`HTTP://x.com/` → `http://x.com/`), as stored and shown; anything else is kept as written. */
export function normalizeDeliveryUrl(url: string): string {
  return url.replace(/^https?:/i, (scheme) => scheme.toLowerCase());
}

/**
 * Addresses no buyer can be at: link-local (169.254.0.0/16, where clouds serve instance metadata and
 * credentials at 169.254.169.254, and fe80::/10) and unspecified / "this network" (0.0.0.0/8, ::). The WHATWG
 * parser has already written any spelling of an IPv4 address (`0x0`, `0`, `[::ffff:169.254.169.254]`) in
 * its canonical form. Host names are not resolved: this refuses what the URL itself says.
 */
function unreachableHostProblem(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  const high = mapped ? parseInt(mapped[1] ?? '0', 16) : 0;
  const ipv4 = mapped ? `${high >> 8}.${high & 255}.0.0` : host; // the first two octets decide
  const octets = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(ipv4);
  const refuse = (what: string) => `must not point at ${withArticle(what)} address (${hostname}): no buyer is there`;
  if (octets?.[1] === '169' && octets[2] === '254') return refuse('link-local (169.254.0.0/16, cloud metadata)');
  if (octets?.[1] === '0' || host === '::') return refuse('unspecified (0.0.0.0/8, ::)');
  if (/^fe[89ab][0-9a-f]:/.test(host)) return refuse('link-local (fe80::/10)');
  return undefined;
}

export interface WorkspaceBody {
  name: string;
  kind: 'source' | 'partner';
  /** null: none, as absent (PATCH's null, on create). */
  deliveryUrl?: string | null;
  timezone?: string;
  /** null: no caps, as absent (PATCH's `caps: null`, on create). */
  caps?: { hourly?: number | null; daily?: number | null; monthly?: number | null } | null;
  rateLimitPerMinute?: number | null;
  enabled?: boolean;
}

/** Requests per minute for one source; 1,000,000/min (~16,700/s) is far past what one gateway serves. */
const rateLimit = { type: 'integer', minimum: 1, maximum: 1_000_000 } as const;

export const workspaceBodySchema = {
  type: 'object',
  required: ['name', 'kind'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: VISIBLE_AT_BOTH_ENDS, 'x-error-message': 'must be 1-200 characters on one line that do not start or end with whitespace or invisible characters' },
    kind: { type: 'string', enum: ['source', 'partner'] },
    // Every null PATCH takes, create takes too, meaning the same (none, no cap): a client can send one shape to both.
    deliveryUrl: { ...deliveryUrl, type: ['string', 'null'] },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    caps: { type: ['object', 'null'], additionalProperties: false, properties: { hourly: nullableCap, daily: nullableCap, monthly: nullableCap } },
    rateLimitPerMinute: { ...rateLimit, type: ['integer', 'null'] }, // null: the service default
    enabled: { type: 'boolean' },
  },
} as const;

export interface WorkspacePatchBody {
  name?: string;
  deliveryUrl?: string | null;
  timezone?: string;
  /** null clears all three caps, as `{hourly: null, daily: null, monthly: null}` does. */
  caps?: { hourly?: number | null; daily?: number | null; monthly?: number | null } | null;
  rateLimitPerMinute?: number | null;
  enabled?: boolean;
}

/** A partial update: only the fields sent change; null clears a delivery URL, a cap, or (`caps: null`) every cap. */
export const workspacePatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: workspaceBodySchema.properties.name,
    deliveryUrl: workspaceBodySchema.properties.deliveryUrl,
    timezone: workspaceBodySchema.properties.timezone,
    caps: workspaceBodySchema.properties.caps,
    rateLimitPerMinute: { ...rateLimit, type: ['integer', 'null'] },
    enabled: { type: 'boolean' },
  },
} as const;

export const workspaceListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { kind: { type: 'string', enum: ['source', 'partner'] } },
} as const;

export interface RuleBody {
  name: string;
  priority: number;
  sourceWorkspaceId?: string | null;
  conditions?: Condition;
  destinations: RuleDestination[];
  distribution?: Distribution;
  enabled?: boolean;
}

/**
 * A destination's share in a weighted rule, relative to the others: 0.001 .. 1,000,000 (default 1).
 * decide_routing (migrations/0013) orders destinations by (assigned + 1) / weight in double precision;
 * an unbounded small weight overflows there (5e-324 gives 1/5e-324 = infinity: SQLSTATE 22003, and every
 * matching lead stays pending while the activity retries). With these bounds the quotient is at most
 * 9.2e18 (bigint counter) / 0.001 ≈ 1e22, far from double's 1.8e308, and the largest ratio between two
 * weights (1e9) leaves double's 15-16 significant digits to tell the quotients apart. No limit on
 * decimals: only the ratio matters, and 0.0015 is as safe as 0.002. Migration 0019 holds the database to
 * the same bounds (CHECK on routing_rules.destinations) and clamped any rule stored before them.
 */
export const MIN_WEIGHT = 0.001;
export const MAX_WEIGHT = 1_000_000;
const weight = { type: 'number', minimum: MIN_WEIGHT, maximum: MAX_WEIGHT, 'x-error-message': `must be a number from ${MIN_WEIGHT} to ${MAX_WEIGHT} (a share relative to the other destinations)` } as const;

export const ruleBodySchema = {
  type: 'object',
  required: ['name', 'priority', 'destinations'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: VISIBLE_AT_BOTH_ENDS, 'x-error-message': 'must be 1-200 characters on one line that do not start or end with whitespace or invisible characters' },
    priority: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    sourceWorkspaceId: { type: ['string', 'null'], format: 'uuid' },
    // The tree's shape is checked by lib/rules/validate.ts, which names the exact path of a problem.
    conditions: { type: 'object' },
    destinations: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        required: ['workspaceId'],
        additionalProperties: false,
        properties: { workspaceId: { type: 'string', format: 'uuid' }, weight },
      },
    },
    distribution: { type: 'string', enum: [...DISTRIBUTIONS] },
    enabled: { type: 'boolean' },
  },
} as const;

/** GET /api/admin/rules: deleted rules are left out unless `includeDeleted=true`. */
export interface ListRulesQuery {
  includeDeleted?: boolean;
}

export const listRulesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { includeDeleted: { type: 'boolean', default: false } },
} as const;

/** GET /api/admin/rules/:id/versions/:version: the pair a lead's decision names (matchedRuleId, matchedRuleVersion). */
export const ruleVersionParamsSchema = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
} as const;

export interface SimulateBody {
  sourceWorkspaceId: string;
  lead: Omit<LeadBody, 'externalId'> & { externalId?: string };
}

export const simulateBodySchema = {
  type: 'object',
  required: ['sourceWorkspaceId', 'lead'],
  additionalProperties: false,
  properties: {
    sourceWorkspaceId: { type: 'string', format: 'uuid' },
    // The lead exactly as a source would send it, except that externalId is optional here.
    lead: { ...leadBodySchema, required: [] },
  },
} as const;
