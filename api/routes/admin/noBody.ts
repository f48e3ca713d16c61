import { badRequest } from '../../errors';

/**
 * preHandler hook for admin endpoints that take no body (DELETE a rule, retry a lead, run a retry-queue
 * pass): a body there is a 400 naming `body`, not silently ignored. Whoever sends `{"batchSize": 5}` to
 * the retry-queue pass expects it to change something; answering 200 hides that it did not (the batch
 * size is the RETRY_QUEUE_BATCH_SIZE setting). It runs after the path and query are validated, so their
 * 400s come first. A request without a body, with an empty one, or with `{}` passes.
 */
export async function refuseBody(request: { body: unknown }): Promise<void> {
  const body = request.body;
  // `{}` too: generic clients (Postman, SDKs, `curl -d '{}'`) send an empty object with every POST.
  if (body === undefined || body === null || body === '') return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw badRequest('this endpoint takes no body', [{ field: 'body', message: 'must be absent: this endpoint takes no body (its options, if any, are query parameters or settings)' }]);
}
