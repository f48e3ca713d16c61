import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import crypto from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { hashApiKey, isSourceKeyShaped, safeEqual } from '../../lib/apiKeys';
import type { Config } from '../../lib/config';
import type { Db } from '../../lib/db/createDb';
import { findSourceByKeyHash, type Workspace } from '../../lib/store/workspaces';
import { ApiError, rateLimitText, retryAfterText, unauthorized } from '../errors';
import { oneValue } from './headerValues';
import { SourceKeyCache } from './sourceKeyCache';

/**
 * Who is calling: a source workspace (its API key) or an operator (ADMIN_TOKEN). Checked in onRequest,
 * before the body is even read, so an unauthenticated caller learns nothing about validation.
 *
 * Each protected route runs three onRequest hooks, in this order (issue 7, item 8):
 *   1. failed-authentication throttle: a client address, or a presented credential, with
 *      AUTH_FAILURES_PER_MINUTE failures in the current minute gets 429 + Retry-After, before any
 *      database lookup and whatever it presents (so a guess that happens to be right is not told apart);
 *   2. authentication (a failure counts against both keys of 1). Every 401 is decided here, whatever is wrong
 *      with the credential (none, another scheme, an empty Bearer, two Authorization headers, an unknown
 *      key), so each one counts the same way; a request with no single credential counts against its address;
 *   3. the caller's request limit: per source workspace (its own `rateLimitPerMinute`, else
 *      RATE_LIMIT_PER_MINUTE) or per admin token.
 * Both limits are kept in this process's memory: N gateway processes admit up to N times the limit.
 *
 * A source's key is looked up through SourceKeyCache (./sourceKeyCache.ts, issue 10): an accepted key's
 * workspace is reused for AUTH_CACHE_TTL_MS, so a disabled source or a rotated key stops working within
 * AUTH_CACHE_TTL_MS on other gateway processes, at once on the one whose admin API made the change.
 */
export type Caller = { kind: 'source'; workspace: Workspace } | { kind: 'admin' };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** Authentication schemes a client may send by mistake, named back when seen (any other is "another scheme"). */
const KNOWN_SCHEMES = new Set(['basic', 'digest', 'token', 'apikey', 'api-key', 'negotiate', 'ntlm', 'oauth', 'hoba', 'mutual', 'aws4-hmac-sha256']);

/**
 * An `Authorization` header read as `Bearer <token>` (the scheme in any case, RFC 9110 §11.1): the token, or what is
 * wrong with the header in words, never repeating it (it may be a key): none, another scheme (`Basic …`, or a key
 * with no scheme), `Bearer` with no token, or a token with a space in it (`Bearer a b`).
 */
export function readBearer(header: string | undefined, credential = 'credential'): { token: string } | { problem: string } {
  const send = `send Authorization: Bearer <${credential}>`;
  if (header === undefined || header.trim() === '') return { problem: `missing Authorization: Bearer <${credential}>` };
  const [, scheme = '', rest = ''] = /^\s*(\S+)\s*(.*?)\s*$/s.exec(header) ?? [];
  if (scheme.toLowerCase() !== 'bearer') {
    const named = KNOWN_SCHEMES.has(scheme.toLowerCase()) ? `"${scheme}"` : 'another one (or none)';
    return { problem: `the Authorization scheme must be Bearer, not ${named}: ${send}` };
  }
  if (rest === '') return { problem: `Authorization: Bearer has no token after it: ${send}` };
  if (/\s/.test(rest)) return { problem: `the token after Bearer has a space in it, and a token has none: ${send}` };
  return { token: rest };
}

/** The token of a request's one `Authorization: Bearer <token>` header, or undefined (see readBearer). */
export function bearerToken(request: FastifyRequest): string | undefined {
  const read = readBearer(request.headers.authorization);
  return 'token' in read ? read.token : undefined;
}

/**
 * The one credential a request presents: its token when it carries one `Authorization: Bearer <token>` header
 * (or several with that one value). Undefined for none, another scheme, an empty Bearer, or Authorization headers
 * that differ (Node keeps the first and drops the others, so which credential was meant is unknown: none is
 * taken, and none is blamed).
 */
function presentedToken(request: FastifyRequest): string | undefined {
  return oneValue(request, 'authorization').conflicting ? undefined : bearerToken(request);
}

const TWO_AUTHORIZATIONS = 'the Authorization header is given more than once with different values, so which credential was meant is unknown: send one Authorization: Bearer <credential>';

/**
 * The token to authenticate, or a 401 saying what is wrong with the header: none, malformed (readBearer), or
 * Authorization headers that differ (copies with one value are that value, as for every header a route reads:
 * api/plugins/requestHeaders.ts). Every authentication reads the credential here, so every 401 for a bad or
 * malformed credential is thrown inside authentication, where it is counted against the failed-authentication
 * throttle (createAuthHooks): a client cannot probe without being counted by malforming its header.
 */
function credentialOf(request: FastifyRequest, credential: string): string {
  if (oneValue(request, 'authorization').conflicting) throw unauthorized(TWO_AUTHORIZATIONS);
  const read = readBearer(request.headers.authorization, credential);
  if ('problem' in read) throw unauthorized(read.problem);
  return read.token;
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Failed authentications per client address and per presented credential (hashed: never a key in memory). */
export class AuthFailureThrottle {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly perMinute: number) {
    // rate-limiter-flexible: fixed 60 s windows per key; `get` reads a key's count without spending a point.
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60, keyPrefix: 'auth-failures' });
  }

  private keys(request: FastifyRequest): string[] {
    const token = presentedToken(request);
    return [`ip:${request.ip}`, ...(token ? [`credential:${sha256(token)}`] : [])];
  }

  /** Throws 429 (with Retry-After, in seconds) when a key has used up its failures this minute. */
  async check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    for (const key of this.keys(request)) {
      const state = await this.limiter.get(key);
      if (state && state.consumedPoints >= this.perMinute) {
        const seconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
        reply.header('retry-after', String(seconds));
        throw new ApiError(429, 'rate_limited', `too many failed authentications (${this.perMinute} per minute); ${retryAfterText(seconds)}`);
      }
    }
  }

  /**
   * `credential: false` counts the failure against the client address only: a source's key presented to
   * the admin API is a mistake of that client, and must not lock the source out of sending leads.
   */
  async recordFailure(request: FastifyRequest, { credential = true } = {}): Promise<void> {
    const keys = credential ? this.keys(request) : this.keys(request).filter((k) => k.startsWith('ip:'));
    // consume() rejects once a key is over its points; the rejection is the count we wanted, not an error.
    await Promise.all(keys.map((key) => this.limiter.consume(key).catch(() => undefined)));
  }
}

export interface AuthHooks {
  source: onRequestHookHandler[];
  admin: onRequestHookHandler[];
  sourceOrAdmin: onRequestHookHandler[];
  /**
   * Forgets every remembered source key (SourceKeyCache.clear). Every admin route that changes a workspace
   * calls it after the change is committed, so this process's next request reads the new row.
   */
  forgetSourceKeys(): void;
}

type Authenticate = (request: FastifyRequest) => Promise<Caller>;

/**
 * The onRequest hook lists of the three kinds of protected route. Needs @fastify/rate-limit registered
 * on `app` (api/app.ts) with `global: false`.
 */
export function createAuthHooks(app: FastifyInstance, { db, config }: { db: Db; config: Config }): AuthHooks {
  const failures = new AuthFailureThrottle(config.AUTH_FAILURES_PER_MINUTE);
  const adminToken = config.ADMIN_TOKEN;
  const isAdmin = (token: string) => adminToken !== undefined && safeEqual(token, adminToken);
  const sourceKeys = new SourceKeyCache((apiKeyHash) => findSourceByKeyHash(db, apiKeyHash), { ttlMs: config.AUTH_CACHE_TTL_MS });

  const admin: Authenticate = async (request) => {
    if (!adminToken) throw unauthorized('admin API is disabled: ADMIN_TOKEN is not set');
    if (!isAdmin(credentialOf(request, 'admin token'))) throw unauthorized('invalid admin token');
    return { kind: 'admin' };
  };
  const source: Authenticate = async (request) => {
    const token = credentialOf(request, 'source API key');
    const workspace = await sourceKeys.find(hashApiKey(token));
    if (!workspace) throw unauthorized('invalid or disabled source API key');
    return { kind: 'source', workspace };
  };
  const sourceOrAdmin: Authenticate = async (request) => {
    const token = credentialOf(request, 'source API key or admin token');
    return isAdmin(token) ? { kind: 'admin' } : source(request);
  };

  const callerLimit = app.rateLimit({
    keyGenerator: (request) => (request.caller?.kind === 'source' ? `source:${request.caller.workspace.id}` : 'admin'),
    max: (request) =>
      (request.caller?.kind === 'source' ? request.caller.workspace.rateLimitPerMinute : null) ?? config.RATE_LIMIT_PER_MINUTE,
    // The window is timeWindow's (api/app.ts: 1 minute); the wait is the Retry-After header's number (ceil(ttl / 1000)).
    errorResponseBuilder: (_request, context) => new ApiError(429, 'rate_limited', rateLimitText(context.max, Math.ceil(context.ttl / 1000))),
  });
  const throttle = async (request: FastifyRequest, reply: FastifyReply) => failures.check(request, reply);
  const hooks = (authenticate: Authenticate): onRequestHookHandler[] => [
    throttle,
    async (request: FastifyRequest) => {
      try {
        request.caller = await authenticate(request);
      } catch (err) {
        if (err instanceof ApiError && err.statusCode === 401) {
          const looksLikeSourceKey = authenticate === admin && isSourceKeyShaped(presentedToken(request));
          await failures.recordFailure(request, { credential: !looksLikeSourceKey });
        }
        throw err;
      }
    },
    callerLimit,
  ];
  return { source: hooks(source), admin: hooks(admin), sourceOrAdmin: hooks(sourceOrAdmin), forgetSourceKeys: () => sourceKeys.clear() };
}
