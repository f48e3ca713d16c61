/** The one error shape of the API: {"error": {"code", "message", "details"?}} (DESIGN §8). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An answer in the API's error shape. `headers` go out with it: `Allow` on a 405, `Accept-Encoding` on a
 * 415 for a compressed body, `Retry-After` where a wait is known.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details: FieldProblem[]) => new ApiError(400, 'invalid_request', message, details);
export const unauthorized = (message = 'missing or invalid credentials') => new ApiError(401, 'unauthorized', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** "retry after 26 seconds (Retry-After)": a 429's advice, with the number its Retry-After header carries. */
export const retryAfterText = (seconds: number) => `retry after ${seconds} second${seconds === 1 ? '' : 's'} (Retry-After)`;
