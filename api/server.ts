import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db/createDb';
import { createLogger } from '../lib/logger';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { buildApp } from './app';

/** The API process: config, connections, listen, and a clean close on SIGTERM/SIGINT. */
async function main() {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX, applicationName: 'lead-router-api', log: createLogger(config.LOG_LEVEL) });
  // Lazy: the API starts (and /ready says what is missing) even while Temporal is still coming up.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = await buildApp({ db, temporal, config });

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ event: 'api.stopping', signal }, 'stopping: finishing in-flight requests');
    await app.close();
    await connection.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
