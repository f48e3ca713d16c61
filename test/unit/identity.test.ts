// The keyed identity hash for cross-partner dedupe (lib/identity.ts): stable, since stored hashes depend on it.
// Normalization and keys: identityEmail, identityPhone, identityPlaceholderSettings tests.
import { identityHash } from '../../lib/identity';

describe('identityHash', () => {
  const KEY = 'test-hmac-key-0123456789';

  test('is hex SHA-256 length', () => {
    expect(identityHash(KEY, 'email', 'jane@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('is deterministic per key', () => {
    expect(identityHash(KEY, 'phone', '+14155550132')).toBe(identityHash(KEY, 'phone', '+14155550132'));
  });

  test('is stable across releases (stored hashes must keep matching)', () => {
    // HMAC-SHA256(key, "<kind>:<normalized>"): changing this scheme orphans every stored identity hash.
    expect(identityHash(KEY, 'email', 'jane@example.com')).toBe('3c9b5c8a416c5a4256602ea78f6db257eccc93192d23567f3557c80e91f2e9f6');
    expect(identityHash(KEY, 'phone', '+14155550132')).toBe('067241ab3a5729c167bd6ae4f64ffe97b87e6a7b653e2260c5d174f39fc4c752');
  });

  test('differs by key', () => {
    expect(identityHash(KEY, 'email', 'jane@example.com')).not.toBe(identityHash(`${KEY}-other`, 'email', 'jane@example.com'));
  });

  test('differs by kind for the same normalized value', () => {
    expect(identityHash(KEY, 'email', '+14155550132')).not.toBe(identityHash(KEY, 'phone', '+14155550132'));
  });

  test('differs by value and does not contain it', () => {
    const a = identityHash(KEY, 'email', 'jane@example.com');
    expect(a).not.toBe(identityHash(KEY, 'email', 'john@example.com'));
    expect(a).not.toContain('jane');
  });
});
