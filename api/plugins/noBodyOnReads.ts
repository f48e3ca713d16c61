import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { refuseBody } from './noBody';

/** Methods that read: Fastify never parses their body (it is not even read), so a body sent with one was ignored. */
const READS = new Set(['GET', 'HEAD']);

/**
 * The most of a read's body looked at. Only no body, an empty one or `{}` passes (refuseBody), so a longer one is
 * refused from its first bytes and the rest is never read.
 */
const MAX_LOOKED_AT = 1024;

/**
 * Every API read (`GET`/`HEAD /api/...`) refuses a body as the body-less POST and DELETE endpoints do
 * (./noBody.ts refuseBody): a 400 naming `body`, instead of answering as if the body were not there
 * (`GET /api/admin/leads` with `{"status": "failed"}` listed every lead). Passes what refuseBody passes: no body, an
 * empty one, `{}`. Runs as a preHandler, after authentication and the path and query checks, as refuseBody does.
 * Probes and documentation (`/health`, `/ready`, `/openapi.json`, `/docs`) are left alone, as strictQuery leaves
 * their query strings. Call before the routes are registered (an onRoute hook); every /api/ route documents its 400.
 */
export function refuseBodiesOfReads(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || ![route.method].flat().some((m) => READS.has(m))) return;
    const own = [route.preHandler ?? []].flat() as preHandlerHookHandler[];
    if (own.includes(refuseBodyOfRead)) return; // the HEAD route Fastify adds for a GET carries the GET's options
    route.preHandler = [refuseBodyOfRead, ...own];
  });
}

async function refuseBodyOfRead(request: FastifyRequest): Promise<void> {
  const { 'content-length': length, 'transfer-encoding': encoding } = request.headers;
  if (encoding === undefined && (length === undefined || length === '0')) return;
  const text = await firstBytes(request.raw, MAX_LOOKED_AT);
  let body: unknown = text.trim() === '' ? undefined : text;
  try {
    if (body !== undefined) body = JSON.parse(text);
  } catch {
    // not JSON: refused as the text it is
  }
  await refuseBody({ body });
}

/** The body's first `max` bytes (all of it when shorter) as UTF-8 text; the rest is left unread. */
function firstBytes(stream: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      stream.off('data', onData);
      stream.off('end', done);
      stream.off('error', reject);
      resolve(Buffer.concat(chunks).subarray(0, max).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) done();
    };
    stream.on('data', onData);
    stream.once('end', done);
    stream.once('error', reject);
  });
}
