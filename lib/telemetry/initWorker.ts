// Imported first by workers/main.ts: dd-trace must be running before pg, knex, fetch or pino are loaded.
import { initTracer } from './tracer';

initTracer('lead-router-worker');
