import type { FastifyRequest } from 'fastify';

/**
 * Each value of a header (lower-case `name`) as the client sent it, in order, from the raw header list: Node's
 * `request.headers` joins repeats of most headers with ", " ("k1, k1") and keeps only the first of others
 * (Authorization, Content-Type), so it cannot tell one header from two. [] when it was not sent.
 */
export function valuesGiven(request: FastifyRequest, name: string): string[] {
  // A test's stand-in request may have no raw message: then it has one value at most.
  const raw = request.raw?.rawHeaders;
  if (!raw) {
    const value = request.headers?.[name];
    return value === undefined ? [] : ([] as string[]).concat(value);
  }
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values;
}

/**
 * The one value of a header a route reads (the rule for every such header, api/plugins/requestHeaders.ts):
 * `{ value }` when it was sent once, or several times with one value (`same` says when two spellings are one
 * value: exact by default); `{ conflicting: true }` when the copies differ, so which one was meant is unknown;
 * `{}` when it was not sent.
 */
export function oneValue(
  request: FastifyRequest,
  name: string,
  same: (a: string, b: string) => boolean = (a, b) => a === b,
): { value?: string; conflicting?: true } {
  const [first, ...rest] = valuesGiven(request, name);
  if (first === undefined) return {};
  return rest.every((v) => same(first, v)) ? { value: first } : { conflicting: true };
}

/** What a 400 (or 401) says of a header sent more than once with different values. */
export const CONFLICTING = 'is given more than once with different values, so which one was meant is unknown: give it once';
