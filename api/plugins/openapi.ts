import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { errors, EVERY_OPERATION, WITH_PATH_PARAMETERS } from '../schemas/errorResponses';
import { SHARED_SCHEMAS } from '../schemas/responses';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

/**
 * A rule the handlers check in code, stated in the document as JSON Schema (adding it to the route schema
 * itself would change the API's error messages): a lead needs an email or a phone (DESIGN §8). Clients
 * and the fuzzer then know it; the request schemas Fastify validates with are not touched (copies).
 */
const EMAIL_OR_PHONE = { anyOf: [{ required: ['email'] }, { required: ['phone'] }] };

/**
 * The answers no route handler gives but any operation can get (api/schemas/errorResponses.ts
 * EVERY_OPERATION, WITH_PATH_PARAMETERS), added to the document only: Fastify never serializes them
 * with the route's schemas (they come from the not-found handler, frameworkErrors or Node's parser).
 */
function documentServerWideAnswers(schema: FastifySchema, url: string): FastifySchema {
  const response = schema.response as Record<string, unknown> | undefined;
  if (!response) return schema;
  const statuses = [...EVERY_OPERATION, ...(url.includes(':') ? WITH_PATH_PARAMETERS : [])].filter((s) => !(String(s) in response));
  return { ...schema, response: { ...response, ...errors(statuses) } };
}

function documentCodeChecks(route: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const url = route.url;
  const schema = documentServerWideAnswers(route.schema, url);
  const body = schema.body as JsonSchema | undefined;
  if (!body) return { schema, url };
  if (url === '/api/leads/route') return { schema: { ...schema, body: { ...body, ...EMAIL_OR_PHONE } }, url };
  if (url === '/api/admin/rules/simulate' && body.properties?.lead) {
    return { schema: { ...schema, body: { ...body, properties: { ...body.properties, lead: { ...body.properties.lead, ...EMAIL_OR_PHONE } } } }, url };
  }
  return { schema, url };
}

type OpenApiDocument = { paths?: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> } }>> };

/**
 * A body schema marked `'x-optional-body': true` (a route that takes no body as well as one) is documented as
 * not required: @fastify/swagger marks every body it documents required, so generated clients would force one.
 */
function markOptionalBodies(doc: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody;
      const schema = body?.content?.['application/json']?.schema;
      if (body && schema?.['x-optional-body'] === true) {
        body.required = false;
        delete schema['x-optional-body'];
      }
    }
  }
  return doc;
}

/**
 * The API's contract as OpenAPI 3.1 (DESIGN §8), generated from the route schemas: request schemas
 * (api/schemas/*.ts), answers per status (api/schemas/responses.ts), security per operation.
 * - `GET /openapi.json`: the document (docs/openapi.json is a committed copy: `npm run openapi:write`);
 * - `GET /docs`: Swagger UI, served from the @fastify/swagger-ui package (no CDN, works offline).
 * Registered before the routes: @fastify/swagger collects them as they are added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lead Router API',
        version: '1',
        description:
          'Sources send leads (`POST /api/leads/route`) and follow them (`GET /api/leads/{id}`) with their workspace API key; ' +
          'operators manage workspaces, rules and stuck leads under `/api/admin` with the admin token. ' +
          'JSON in and out; every error is `{"error": {"code", "message", "details"?}}`. ' +
          'A method a path does not serve is 405 with `Allow`; a query parameter an /api operation does not take is 400; ' +
          'a compressed body (Content-Encoding) is 415; request headers over 16 KiB are 431; a request that does not arrive in time is 408; ' +
          'a path parameter over 100 characters is 414. Each operation lists every status it can answer.',
      },
      tags: [
        { name: 'leads', description: 'Sources: send a lead, follow its routing' },
        { name: 'admin: workspaces', description: 'Sources (send leads) and partners (buy them)' },
        { name: 'admin: rules', description: 'Routing rules, and what-if simulation' },
        { name: 'admin: leads', description: 'Stuck leads, retries, the retry queue' },
        { name: 'health', description: 'Liveness and readiness probes' },
      ],
      components: {
        securitySchemes: {
          sourceApiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'A source workspace\'s API key (`lr_live_...`), shown once when the workspace is created',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'The operators\' token (ADMIN_TOKEN)' },
        },
      },
    },
    transform: documentCodeChecks,
    transformObject: (document) => markOptionalBodies(('openapiObject' in document ? document.openapiObject : {}) as OpenApiDocument) as never,
    // Shared schemas keep their $id as their name under #/components/schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list', deepLinking: true } });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
