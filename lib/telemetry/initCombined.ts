// Imported first by workers/combined.ts: dd-trace must be running before fastify, pg, knex, grpc or pino are loaded.
// The combined process's own name (traces, metrics and the logs' `service`): it used ./initApi, so a bare
// `node workers/combined.ts` was tagged lead-router-api, as if it were the gateway alone.
import { initTracer } from './tracer';

initTracer('lead-router-combined');
