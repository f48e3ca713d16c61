import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../api/errors';

/**
 * Fastify serializes each answer with the response schema of its status (fast-json-stringify), which
 * silently DROPS properties the schema does not list and turns a null into "" or 0 where the schema does
 * not allow null. This guard, installed on every test stack, looks at what a handler returns BEFORE
 * serialization and fails the request (500 `response_schema_mismatch`, the reason in the message) when:
 * - a property would be dropped (not listed, and its object is not `additionalProperties: true`);
 * - a null would be coerced (the schema's type does not include null);
 * - the status is not documented for the route (api/schemas/responses.ts).
 * So any integration test that touches a route also checks that its documented answers are complete.
 */
type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function responseProblems(value: unknown, schema: Schema | undefined, shared: Record<string, Schema>, path = '$'): string[] {
  if (!schema) return [];
  if (typeof schema.$ref === 'string') return responseProblems(value, shared[schema.$ref.replace(/#.*$/, '')], shared, path);
  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type);
  if (types === undefined && !schema.properties && !schema.items) return []; // open: serialized with JSON.stringify
  if (value === null || value === undefined) {
    return value === null && types && !types.includes('null') ? [`${path} is null but its schema type is ${JSON.stringify(schema.type)} (would be serialized as "" / 0 / {})`] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => responseProblems(item, schema.items as Schema | undefined, shared, `${path}[${i}]`));
  }
  if (!isObject(value)) return [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue; // JSON.stringify drops it too
    if (key in properties) problems.push(...responseProblems(child, properties[key], shared, `${path}.${key}`));
    // fast-json-stringify serializes unlisted keys when additionalProperties is true or a schema (a map of ids).
    else if (isObject(schema.additionalProperties)) problems.push(...responseProblems(child, schema.additionalProperties as Schema, shared, `${path}.${key}`));
    else if (schema.additionalProperties !== true) problems.push(`${path}.${key} is not in the response schema: it would be dropped`);
  }
  return problems;
}

export function installResponseSchemaGuard(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request, reply, payload) => {
    const responses = request.routeOptions.schema?.response as Record<string, Schema> | undefined;
    // Routes without documented answers (the docs pages) and server errors are not checked here.
    if (!responses || reply.statusCode >= 500) return payload;
    const route = `${request.method} ${request.routeOptions.url}`;
    const schema = responses[String(reply.statusCode)] ?? responses[`${String(reply.statusCode)[0]}xx`];
    const problems = schema
      ? responseProblems(payload, schema, app.getSchemas() as Record<string, Schema>)
      : [`status ${reply.statusCode} is not documented for ${route}`];
    if (problems.length > 0) {
      throw new ApiError(500, 'response_schema_mismatch', `${route} ${reply.statusCode}: ${problems.join('; ')} (see api/schemas/responses.ts)`);
    }
    return payload;
  });
}
