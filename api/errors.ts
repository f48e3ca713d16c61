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

/** A field path's steps: `destinations[10].weight` → ['destinations', 10, 'weight']; `(root)` → []. */
function steps(field: string): Array<string | number> {
  if (field === '(root)') return [];
  return [...field.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[0]));
}

/** Path order of two fields: step by step, names by code point, indexes by number (2 before 10), a field before what it holds. */
function comparePaths(a: string, b: string): number {
  const [x, y] = [steps(a), steps(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!, y[i]!];
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    if (typeof p !== typeof q) return typeof p === 'number' ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * A 400's details in one stable, documented order, whatever order the checks found them in: by field path (the body
 * root first; then names in code-point order, list items by index, a field before the fields inside it). Problems of
 * one field keep the order they were found in (a stable sort).
 */
export const inPathOrder = (details: readonly FieldProblem[]): FieldProblem[] => [...details].sort((a, b) => comparePaths(a.field, b.field));

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
