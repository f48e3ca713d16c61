import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { ensureSchedules } from '../workers/schedules';

/** `npm run schedules`: creates or updates the maintenance schedules (the worker also does it at start). */
async function main() {
  const config = loadConfig();
  const connection = await Connection.connect(temporalConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    for (const s of await ensureSchedules(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, timezone: config.MAINTENANCE_TIMEZONE })) {
      console.log(`${s.created ? 'created' : 'updated'} ${s.scheduleId}`);
    }
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error('could not set up schedules:', err);
  process.exit(1);
});
