import crypto from 'node:crypto';

/**
 * Source API keys: random, shown once at creation, stored only as a SHA-256 hash. A plain hash (not
 * bcrypt) is right here: keys are 32 random bytes, so there is nothing to brute-force, and every request
 * must look one up by its hash.
 */
const KEY_PREFIX = 'lr_live_';

export function generateApiKey(): string {
  return KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether a token has the shape of a source key (`lr_live_` + 43 base64url characters); not whether it is one. */
export function isSourceKeyShaped(token: string | undefined): boolean {
  return token !== undefined && /^lr_live_[A-Za-z0-9_-]{43}$/.test(token);
}

/** Enough of a key to recognise it in a list, never enough to use it. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 4);
}

/** Secrets that partners use to verify our signed deliveries. */
export function generateSigningSecret(): string {
  return 'whsec_' + crypto.randomBytes(32).toString('base64url');
}

/** Compares two secrets in constant time (the admin token check). */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}
