import { Client, Connection } from '@temporalio/client';
import { loadScheduleConfig } from '../lib/config';
import { temporalStartError, toolFailureText } from '../lib/startErrors';
import { refuseUnknownTemporalHost } from '../lib/temporal/addressHost';
import { temporalConnectionOptions } from '../lib/temporal/connectionOptions';
import { ensureSchedules } from '../workers/schedules';

/**
 * `npm run schedules`: creates or updates the maintenance schedules (the worker also does it at start). Reads
 * only the Temporal settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS) and MAINTENANCE_TIMEZONE: the runbooks run it with only "Before you start"'s variables.
 */
async function main() {
  const config = loadScheduleConfig();
  const settings = { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE };
  // Settings are checked before any connection (loadScheduleConfig: the API's own schema pieces), and so is a
  // host that does not exist: the SDK would retry it until its connect deadline, then say only "cannot connect".
  await refuseUnknownTemporalHost(config.TEMPORAL_ADDRESS);
  // Errors name TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (the SDK said "transport error", "Namespace x is not found").
  const connection = await Connection.connect(temporalConnectionOptions(config)).catch((err: unknown) => { throw temporalStartError(err, settings, true); });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const schedules = await ensureSchedules(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, timezone: config.MAINTENANCE_TIMEZONE })
      .catch((err: unknown) => { throw temporalStartError(err, settings); });
    for (const s of schedules) console.log(`${s.created ? 'created' : 'updated'} ${s.scheduleId}`);
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(toolFailureText('could not set up schedules', err));
  process.exit(1);
});
