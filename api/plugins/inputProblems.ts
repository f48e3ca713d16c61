import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler, preHandlerHookHandler } from 'fastify';
import { badRequest, type FieldProblem } from '../errors';
import { schemaDetails } from './errorHandler';

/**
 * Every problem of an admin write (or a source's lead) in one 400, not in phases: a client that fixes what the
 * answer lists gets no new list the next time. Without this, each check stopped the request: a schema problem in a rule hid its
 * conditions' problems, a bad workspace `name` hid a bad `timezone`, an Idempotency-Key refusal hid a body.
 *
 * On every admin write route (POST / PUT / PATCH / DELETE under /api/admin/), and any other whose config says
 * `checksInHandler` (POST /api/leads/route), the checks report into the request instead of answering at once, in
 * this order:
 *   0. the JSON body's strings and numbers (api/plugins/jsonBody.ts: a NUL, a number a double cannot hold);
 *   1. header checks (api/plugins/requestHeaders.ts, preValidation);
 *   2. the route's schemas, every part (params, body, querystring, headers): Fastify stops at the first failing
 *      part, so when one failed (`attachValidation` lets the request go on) this validates them all again with
 *      the same validators; when none failed it costs nothing;
 *   3. the route's own preHandlers (refuseBody) and, for a route whose config says `checksInHandler`, the
 *      handler's checks of what the schema cannot see (rule conditions, time zones, workspace kinds ...).
 * A later check skips a field an earlier one found a problem with (isSound): it genuinely needs it valid, and
 * two answers about one value would contradict each other ("must be a number", then "is too large"). Then one
 * 400 lists them all, in path order (api/errors.ts inPathOrder); its message is each step's message, once
 * (`invalid body`, `invalid headers; invalid body`). Nothing is written before that: the handler writes after
 * refuseProblems, so a 400 leaves the database unchanged.
 */
interface ProblemSet { message: string; details: FieldProblem[] }

declare module 'fastify' {
  interface FastifyRequest {
    /** The problems found so far on a route that collects them (see above). */
    inputProblems?: ProblemSet[];
  }
  interface FastifyContextConfig {
    /** Set by collectInputProblems: this route's checks report into the request, answered together. */
    collectsProblems?: boolean;
    /** The handler runs checks of its own, then calls refuseProblems itself, before writing anything. */
    checksInHandler?: boolean;
  }
}

/** A request as these checks read it (a read's body check hands in `{ body }` alone: it never collects). */
export type Checked = Pick<FastifyRequest, 'inputProblems'> & { routeOptions?: { config?: { collectsProblems?: boolean } } };

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether field paths `a` and `b` are one field or one holds the other (`destinations` holds `destinations[0].weight`). */
export function overlaps(a: string, b: string): boolean {
  if (a === '(root)' || b === '(root)' || a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && (long[short.length] === '.' || long[short.length] === '[');
}

/** Every problem reported so far, in the order found. */
export function problemsOf(request: Checked): FieldProblem[] {
  return (request.inputProblems ?? []).flatMap((set) => set.details);
}

/**
 * Whether a check of `field` can run: no problem was found with it, with a field that holds it (a list that is
 * not a list), or with one it holds (an item of it). Fields are named as in a 400 (`caps.daily`, `conditions`).
 */
export function isSound(request: Checked, field: string): boolean {
  return !problemsOf(request).some((p) => overlaps(p.field, field));
}

/**
 * Reports problems of one step (`message`: what a 400 of that step alone says, e.g. `invalid body`): kept for the
 * one 400 on a route that collects, thrown at once on any other.
 */
export function reportProblems(request: Checked, message: string, details: FieldProblem[]): void {
  if (details.length === 0) return;
  if (request.routeOptions?.config?.collectsProblems !== true) throw badRequest(message, details);
  (request.inputProblems ??= []).push({ message, details });
}

/** Throws the 400 of every problem reported, plus `details` (a handler's own checks, said with `message`); returns when there is none. */
export function refuseProblems(request: Checked, message = 'invalid body', details: FieldProblem[] = []): void {
  const sets = [...(request.inputProblems ?? []), ...(details.length ? [{ message, details }] : [])];
  if (sets.length === 0) return;
  const messages = [...new Set(sets.map((s) => s.message))];
  throw badRequest(messages.join('; '), sets.flatMap((s) => s.details));
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const PARTS = [['params', 'params'], ['body', 'body'], ['querystring', 'query'], ['headers', 'headers']] as const;

/** Step 2: each part's schema problems, but those of a field an earlier step has already said something about. */
const collectSchemaProblems: preHandlerAsyncHookHandler = async (request) => {
  if (!request.validationError) return; // Fastify found every part valid: nothing to add (the common case, kept cheap)
  for (const [part, key] of PARTS) {
    const validate = request.getValidationFunction(part) as Validate | undefined;
    if (!validate || validate(request[key] ?? null)) continue;
    const details = schemaDetails(validate.errors ?? [], part).filter((d) => isSound(request, d.field));
    reportProblems(request, `invalid ${part}`, details);
  }
};

/** The last preHandler of a route whose handler runs no checks of its own. */
const refuseCollected: preHandlerAsyncHookHandler = async (request) => refuseProblems(request);

/**
 * Makes every admin write route, and every route whose config says `checksInHandler`, collect its problems (see
 * above). Call before the routes are registered (an onRoute hook), after the hooks that set a route's config
 * (api/plugins/requestHeaders.ts).
 */
export function collectInputProblems(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const adminWrite = route.url.startsWith('/api/admin/') && [route.method].flat().some((m) => WRITES.has(m));
    if (!adminWrite && route.config?.checksInHandler !== true) return;
    const own = [route.preHandler ?? []].flat() as preHandlerHookHandler[];
    route.attachValidation = true;
    route.config = { ...(route.config ?? {}), collectsProblems: true };
    route.preHandler = [collectSchemaProblems, ...own, ...(route.config.checksInHandler ? [] : [refuseCollected])];
  });
}
