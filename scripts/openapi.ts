import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from '../api/app';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';

/**
 * `npm run openapi:write`: regenerates docs/openapi.json, the committed copy of the API contract that
 * `GET /openapi.json` serves, so API changes show in review. test/integration/openapi.test.ts fails when
 * the committed copy and the generated document differ.
 *
 * The document depends on the code only (no config, no data): the app is built against a database and a
 * Temporal server that are never contacted (knex and Connection.lazy connect on first use).
 */
export const OPENAPI_FILE = path.resolve(__dirname, '../docs/openapi.json');

export async function generateOpenApi(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/unused',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    IDENTITY_HMAC_KEY: 'openapi-generation-only-0123456789',
    ADMIN_TOKEN: 'openapi-generation-only-0123456789',
    LOG_LEVEL: 'silent',
  });
  const db = createDb(config.DATABASE_URL, { poolMax: 1 });
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const app = await buildApp({ db, temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), config }, { logger: false });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await connection.close().catch(() => undefined);
    await db.destroy();
  }
}

/** The committed form: two-space JSON and a final newline. */
export const formatOpenApi = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

async function main() {
  const text = formatOpenApi(await generateOpenApi());
  const check = process.argv.includes('--check');
  const current = fs.existsSync(OPENAPI_FILE) ? fs.readFileSync(OPENAPI_FILE, 'utf8') : '';
  if (check) {
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), OPENAPI_FILE)} is out of date: run npm run openapi:write`);
      process.exit(1);
    }
    console.log(`${path.relative(process.cwd(), OPENAPI_FILE)} is up to date`);
    return;
  }
  fs.mkdirSync(path.dirname(OPENAPI_FILE), { recursive: true });
  fs.writeFileSync(OPENAPI_FILE, text);
  console.log(`${current === text ? 'unchanged' : 'wrote'} ${path.relative(process.cwd(), OPENAPI_FILE)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
