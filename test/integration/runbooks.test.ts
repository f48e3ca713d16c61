import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../support/stack';

/**
 * The SQL that the runbooks (docs/runbooks/*.md) tell on-call to paste must run against the real schema:
 * every ```sql block is executed on a freshly migrated database, in a transaction that is rolled back.
 * A renamed column or a typo fails here, not during an incident.
 */
const dir = path.resolve(__dirname, '../../docs/runbooks');
const blocks = fs.readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .flatMap((file) => [...fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m, i) => ({ file, n: i + 1, sql: m[1]! })));

// Placeholders the reader replaces ('<lead id>', '<workspace id>') become a well-formed id.
const fill = (sql: string) => sql.replace(/'<[a-z ]+ id>'/g, "'00000000-0000-4000-8000-000000000000'");

let client: Client;
beforeAll(async () => {
  client = new Client({ connectionString: (await createTestDatabase()).url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

test('the runbooks have SQL to run', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(10);
});

test.each(blocks.map((b) => [`${b.file} block ${b.n}`, b] as const))('%s runs on the current schema', async (_name, block) => {
  await client.query('BEGIN');
  try {
    await client.query(fill(block.sql));
  } finally {
    await client.query('ROLLBACK');
  }
});
