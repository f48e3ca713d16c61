import crypto from 'node:crypto';
import { lockAndDecideSql } from '../../migrations/0016_lock_and_decide';

/**
 * lockAndDecideSql() writes lock_and_decide() for 0016, 0025 and 0026. A shipped migration's statement never
 * changes: the texts 0016 and 0025 run are pinned here by their SHA-256, taken before the function grew its
 * options object (0026: the previous signing secret). A change to the shared text must leave these two alone.
 */
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

test('0016 and 0025 get the very text they shipped with', () => {
  expect(sha256(lockAndDecideSql({ rulesRevision: false, previousSecret: false }))).toBe('e499f20fb1c4cfd3af3bd7dd6d25e64b5b8b26f2d614bf2bf68b04e41061258d');
  expect(sha256(lockAndDecideSql({ rulesRevision: true, previousSecret: false }))).toBe('3dbc2b8956de35073d42ca12404643d94239da792cc0b51e649a105bd43a9f5a');
});

test('0026: replaced in place, and the previous secret joins the target only while its expiry is ahead of now()', () => {
  const sql = lockAndDecideSql({ rulesRevision: true, previousSecret: true, orReplace: true });
  expect(sql).toMatch(/^\s*CREATE OR REPLACE FUNCTION lock_and_decide\(/);
  expect(sql).toContain('p_rules_revision bigint DEFAULT NULL');
  expect(sql).toMatch(/previous_signing_secret_expires_at > now\(\)\s+THEN jsonb_build_object\('previousSecret', w\.previous_signing_secret\)/);
  // Only the target changes: the same text without the option is 0025's with OR REPLACE.
  const without = lockAndDecideSql({ rulesRevision: true, previousSecret: false, orReplace: true });
  expect(without.replace('CREATE OR REPLACE', 'CREATE')).toBe(lockAndDecideSql({ rulesRevision: true, previousSecret: false }));
});
