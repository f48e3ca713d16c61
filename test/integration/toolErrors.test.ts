// Session 10's newcomer walk: `npm run migrate` printed pg's stack trace (knex's "Acquire connection error") before
// its one-line DATABASE_URL error, and a server that was not there at all came out as a raw error object. An expected
// configuration or connection problem of a command-line tool is one line naming the variable, and exit 1.
import crypto from 'node:crypto';
import { freePort } from '../../scripts/local/freePort';
import { runEntryPoint } from '../support/entryPoint';

const pgPort = () => process.env.LR_TEST_PG_PORT!;

/** The tool's output as lines, and whether any looks like a stack frame. */
async function run(entry: string, env: Record<string, string>) {
  const { code, output } = await runEntryPoint(entry, { PATH: process.env.PATH, ...env }, 60_000);
  const lines = output.trim().split('\n');
  return { code, lines, stack: lines.some((l) => /^\s+at /.test(l)) };
}

test.each<[string, string, () => Promise<Record<string, string>>, RegExp]>([
  ['scripts/migrate.ts', 'no server at DATABASE_URL', async () => ({ DATABASE_URL: `postgres://postgres:pw-never-printed@127.0.0.1:${await freePort()}/lead_router` }),
    /^migration failed: DATABASE_URL: cannot connect to 127\.0\.0\.1:\d+, is PostgreSQL running there\? \(connect ECONNREFUSED/],
  ['scripts/migrate.ts', 'a database that does not exist', async () => ({ DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort()}/lr_nosuchdb_${crypto.randomBytes(4).toString('hex')}` }),
    /^migration failed: DATABASE_URL: the database does not exist/],
  ['scripts/migrate.ts', 'DATABASE_URL unset', async () => ({}), /^migration failed: DATABASE_URL is required/],
  ['scripts/schedules.ts', 'no server at TEMPORAL_ADDRESS', async () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` }),
    /^could not set up schedules: TEMPORAL_ADDRESS: cannot connect to 127\.0\.0\.1:\d+/],
])('%s with %s: one line naming the variable, no stack trace, exit 1', async (entry, _what, env, line) => {
  const result = await run(entry, await env());
  expect({ code: result.code, lines: result.lines.length, named: line.test(result.lines[0] ?? ''), stack: result.stack, password: result.lines.join('\n').includes('pw-never-printed') })
    .toEqual({ code: 1, lines: 1, named: true, stack: false, password: false });
}, 90_000);
