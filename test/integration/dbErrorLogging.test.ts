import { Writable } from 'node:stream';
import pino from 'pino';
import { createDb, type Db } from '../../lib/db/createDb';
import { loggerOptions } from '../../lib/logger';
import { createTestDatabase } from '../support/stack';

/**
 * Database errors carry the values that caused them (`detail`, `where`, and often `message`); logged as
 * they are, a hostile lead's email and name end up in the log (issue 7, item 7). Real Postgres errors,
 * through knex as the service meets them, logged by the real logger: only code, constraint and routine.
 */
let db: Db;
beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 2 });
  await db.raw('CREATE TABLE pii_probe (email text PRIMARY KEY, payload jsonb)');
  await db('pii_probe').insert({ email: 'zebediah.quux@outlook.com', payload: '{}' });
});
afterAll(async () => {
  await db?.destroy();
});

async function logged(err: unknown): Promise<string> {
  const chunks: string[] = [];
  const log = pino(loggerOptions('info'), new Writable({ write: (c, _e, cb) => { chunks.push(String(c)); cb(); } }));
  log.error({ err, event: 'api.unhandled_error' }, 'unhandled error');
  log.error({ err: new Error('wrapped', { cause: err }) }, 'with a cause');
  await new Promise((r) => setImmediate(r));
  return chunks.join('');
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a database error'); }, (err: unknown) => err);

test.each([
  ['22P05: a NUL inside jsonb (the item 1 request)', () => db.raw("SELECT (?::text)::jsonb", ['{"firstName": "Zebediah\\u0000", "email": "zebediah.quux@outlook.com"}']), '22P05'],
  ['23505: a unique violation, the value in detail', () => db('pii_probe').insert({ email: 'zebediah.quux@outlook.com', payload: '{}' }), '23505'],
  ['22P02: invalid uuid text, the value in the message', () => db.raw('SELECT ?::uuid', ['zebediah.quux@outlook.com']), '22P02'],
])('%s is logged by code, without the value', async (_name, run, code) => {
  const err = (await failure(run())) as Record<string, unknown>;
  expect(err.code).toBe(code);
  expect(JSON.stringify({ ...err, message: (err as unknown as Error).message })).toMatch(/zebediah/i); // the raw error does carry it
  const out = await logged(err);
  expect(out).toContain(`"code":"${code}"`);
  expect(out).not.toMatch(/zebediah|quux/i);
});
