/** The one error shape of the API: {"error": {"code", "message", "details"?}} (DESIGN §8). */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details: FieldProblem[]) => new ApiError(400, 'invalid_request', message, details);
export const unauthorized = (message = 'missing or invalid credentials') => new ApiError(401, 'unauthorized', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
