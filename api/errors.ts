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

/** "1 request", "2 requests": a count and its noun, plural unless the count is 1 (nouns that take an -s). */
export const countOf = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * "an hourly cap", "an unspecified address", "a daily cap": the indefinite article for a word built into a
 * message. By its first letter (a vowel, or the silent h of "hour"), which holds for the words the API puts
 * after an article (cap periods, address kinds, workspace kinds); write the article out for anything else.
 */
export const withArticle = (word: string) => `${/^(?:[aeiou]|hour|honest|heir)/i.test(word) ? 'an' : 'a'} ${word}`;

/** "retry after 26 seconds (Retry-After)": a 429's advice, with the number its Retry-After header carries. */
export const retryAfterText = (seconds: number) => `retry after ${countOf(seconds, 'second')} (Retry-After)`;

/** A caller's request limit as a 429 says it: "rate limit of 1 request per 1 minute exceeded; retry after …". */
export const rateLimitText = (max: number, retryAfterSeconds: number) => `rate limit of ${countOf(max, 'request')} per 1 minute exceeded; ${retryAfterText(retryAfterSeconds)}`;
