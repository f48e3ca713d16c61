// Imported first by api/server.ts: dd-trace must be running before fastify, pg, knex or pino are loaded.
import { initTracer } from './tracer';

initTracer('lead-router-api');
