import { reportProblems, type Checked } from './inputProblems';

/**
 * preHandler hook for admin endpoints that take no body (DELETE a rule, retry a lead, run a retry-queue
 * pass): a body there is a 400 naming `body`, not silently ignored. Whoever sends `{"batchSize": 5}` to
 * the retry-queue pass expects it to change something; answering 200 hides that it did not (the batch
 * size is the RETRY_QUEUE_BATCH_SIZE setting). It runs after the path and query are validated, so their
 * 400s come first. Passes: no body, an empty one whatever its Content-Type (`curl -X POST -d ''` sends a form
 * type; api/plugins/jsonBody.ts reads any empty body as none), or `{}`. Reported with the request's other problems on
 * an admin write (api/plugins/inputProblems.ts), thrown at once elsewhere (a read's body). A JSON `null` or `""` is a body, and
 * refused like any other: `-d 'null'` is not a way of saying nothing.
 */
export async function refuseBody(request: { body: unknown } & Checked): Promise<void> {
  const body = request.body;
  // `{}` too: generic clients (Postman, SDKs, `curl -d '{}'`) send an empty object with every POST.
  if (body === undefined) return;
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0) return;
  reportProblems(request, 'this endpoint takes no body', [{ field: 'body', message: 'must be absent (or {}): this endpoint takes no body (its options, if any, are query parameters or settings)' }]);
}
