// The one error shape and the error answers each route documents, per status.
import { ref } from './responseParts';

/** The one error shape (DESIGN §8): {"error": {"code", "message", "details"?}}. */
export const errorSchema = {
  $id: 'Error',
  title: 'Error',
  description: 'Every 4xx/5xx answer. `code` is stable (e.g. invalid_request, unauthorized, not_found, rate_limited); `details` names each bad field of a 400.',
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', examples: ['invalid_request'] },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'message'],
            additionalProperties: false,
            properties: {
              field: { type: 'string', description: 'dotted path of the field, e.g. `attributes.loanAmount`, or `(root)`' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

const ERROR_DESCRIPTIONS = {
  400: 'Invalid request: bad JSON, or a body / query / path parameter that fails validation, or a query parameter the operation does not take (`details` names each field)',
  401: 'Missing or invalid credentials',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body larger than 64 KiB',
  415: 'Content-Type is not application/json (or its charset is not UTF-8), or the body is compressed (any Content-Encoding but identity; answered with `Accept-Encoding: identity`)',
  429: 'Over the rate limit; retry after the `retry-after` seconds',
  503: 'The database (Postgres) is unreachable: nothing was changed; retry the same request after `retry-after` seconds',
  405: 'This path is served, but not with this method (a request with another method than the ones documented for this path): the `Allow` header lists the methods it takes',
  408: 'The request (headers and body) did not arrive within HTTP_REQUEST_TIMEOUT_MS; the connection is closed. Send it again',
  414: 'A path parameter is longer than the server reads (100 characters); ids are UUIDs',
  431: 'Request headers larger than the server accepts (16 KiB in all); the connection is closed',
  500: 'An unexpected server error (logged with its cause; the answer never carries it)',
} as const;
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Error answers with the shared shape; `descriptions` overrides the generic text of a status. */
export function errors(statuses: ErrorStatus[], descriptions: Partial<Record<ErrorStatus, string>> = {}) {
  return Object.fromEntries(statuses.map((s) => [s, ref('Error', descriptions[s] ?? ERROR_DESCRIPTIONS[s])]));
}

/**
 * What any operation may answer before (or outside) its route: a method the path does not serve (405,
 * api/plugins/errorHandler.ts's not-found handler), what Node's HTTP parser refuses (408, 431,
 * api/plugins/clientErrors.ts), an unexpected error (500). Added to every operation's document by
 * api/plugins/openapi.ts, with 414 on operations that have path parameters (api/app.ts frameworkErrors).
 */
export const EVERY_OPERATION: ErrorStatus[] = [405, 408, 431, 500];
export const WITH_PATH_PARAMETERS: ErrorStatus[] = [414];

/** What every authenticated route may answer before its handler runs. */
export const AUTHED: ErrorStatus[] = [401, 429, 503];
/** ...and a route that reads a JSON body (any POST/PUT/PATCH/DELETE: a body is parsed when one is sent). */
export const WITH_BODY: ErrorStatus[] = [400, 401, 413, 415, 429, 503];
