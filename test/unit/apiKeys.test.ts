// Source API keys and secrets (lib/apiKeys.ts): random, stored only as a hash, listed only by a prefix,
// and compared without throwing on a length mismatch.
import { apiKeyPrefix, generateApiKey, generateSigningSecret, hashApiKey, safeEqual } from '../../lib/apiKeys';

const KEY_SHAPE = /^lr_live_[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url without padding

describe('generateApiKey', () => {
  test('has the live prefix and 32 bytes of base64url randomness', () => {
    const key = generateApiKey();
    expect(key).toMatch(KEY_SHAPE);
    expect(Buffer.from(key.slice('lr_live_'.length), 'base64url')).toHaveLength(32);
  });

  test('keys are unique', () => {
    const keys = Array.from({ length: 2000 }, generateApiKey);
    expect(new Set(keys).size).toBe(keys.length);
    // even the first 8 random characters collide essentially never
    expect(new Set(keys.map((k) => k.slice(8, 16))).size).toBe(keys.length);
  });

  test('random part looks high-entropy (many distinct characters, no long runs)', () => {
    const randomParts = Array.from({ length: 200 }, () => generateApiKey().slice('lr_live_'.length)).join('');
    // 8600 base64url characters from a uniform source use (nearly) all 64 symbols
    expect(new Set(randomParts).size).toBeGreaterThanOrEqual(60);
    for (let i = 0; i < 200; i++) expect(generateApiKey()).not.toMatch(/(.)\1{7}/);
  });
});

describe('hashApiKey', () => {
  test('is hex SHA-256 of the key (stored hashes depend on this exact scheme)', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('is stable for one key and differs between keys', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey()));
  });

  test('is not the key and does not contain it', () => {
    const key = generateApiKey();
    const hash = hashApiKey(key);
    expect(hash).not.toBe(key);
    expect(hash).not.toContain(key.slice('lr_live_'.length, 20));
  });

  test('is sensitive to every character (no trimming or case folding)', () => {
    const key = generateApiKey();
    expect(hashApiKey(` ${key}`)).not.toBe(hashApiKey(key));
    expect(hashApiKey(key.toUpperCase())).not.toBe(hashApiKey(key));
  });
});

describe('apiKeyPrefix', () => {
  test('is the live prefix plus 4 characters of the key', () => {
    const key = generateApiKey();
    const prefix = apiKeyPrefix(key);
    expect(prefix).toBe(key.slice(0, 12));
    expect(key.startsWith(prefix)).toBe(true);
  });

  test('does not reveal the key: at least 32 random characters stay hidden', () => {
    const key = generateApiKey();
    const prefix = apiKeyPrefix(key);
    expect(prefix).not.toBe(key);
    expect(key.length - prefix.length).toBeGreaterThanOrEqual(32);
  });
});

describe('generateSigningSecret', () => {
  test('has the whsec_ prefix, 32 random bytes, and is unique', () => {
    const secrets = Array.from({ length: 500 }, generateSigningSecret);
    for (const s of secrets) expect(s).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});

describe('safeEqual', () => {
  test.each<[string, string, string, boolean]>([
    ['equal', 'admin-token-0123456789', 'admin-token-0123456789', true],
    ['both empty', '', '', true],
    ['equal unicode', 'tökén-✓', 'tökén-✓', true],
    ['different, same length', 'admin-token-0123456789', 'admin-token-0123456788', false],
    ['differs only in case', 'Token', 'token', false],
    ['different lengths (prefix)', 'admin-token', 'admin-token-0123456789', false],
    ['different lengths (longer first)', 'admin-token-0123456789', 'admin-token', false],
    ['empty vs non-empty', '', 'x', false],
    ['trailing whitespace', 'token', 'token ', false],
  ])('%s -> %s', (_name, a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
    expect(safeEqual(b, a)).toBe(expected);
  });
});
