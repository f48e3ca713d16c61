import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../lib/delivery/signing';

/**
 * A real buyer for delivery tests: a node:http server on 127.0.0.1 (a free port) that records every request
 * and answers from a per-path script.
 *
 * Script steps, one per request to that path, the last one repeating (no script: 200 forever):
 *  - a status code, e.g. `[500, 500, 200]`, answered with a small JSON body;
 *  - `{ status, body?, headers? }` to choose the body (a rejection message) or headers (a redirect's location);
 *  - `{ status, heldUntil }` to answer only once that promise settles (outage tests: the test takes a dependency
 *    down while the buyer "thinks", then lets it answer); the request is in `received`, and a 2xx key in
 *    `acceptedKeys`, from its arrival, before the answer is sent;
 *  - `'hang'`: read the request, never answer (timeout tests; `close()` destroys such sockets);
 *  - `'reset'`: read the request, then destroy the connection without answering.
 *
 * Like a real idempotent API, a buyer that already accepted (answered 2xx to) an Idempotency-Key on a path
 * answers 409 when that key comes again and the script would accept it again. A scripted non-2xx step is
 * answered as scripted, duplicate or not (the script says otherwise), and `{ idempotent: false }` turns the
 * 409 off entirely (a buyer that takes duplicates). `acceptedKeys` lists keys answered 2xx, never 409.
 */
export type BuyerStep = number | 'hang' | 'reset' | { status: number; body?: string; headers?: Record<string, string>; heldUntil?: Promise<unknown> };

export interface ReceivedDelivery {
  path: string;
  method: string;
  idempotencyKey: string | undefined;
  /** The JSON body parsed, or the raw text when it is not JSON. */
  body: unknown;
  rawBody: string;
  /** undefined when the server was started without a secret. */
  signatureValid: boolean | undefined;
  headers: IncomingHttpHeaders;
  /** What the server did with it. */
  answer: number | 'hang' | 'reset';
  at: number;
}

export interface BuyerServer {
  url(path?: string): string;
  respondWith(path: string, script: BuyerStep[]): void;
  received: ReceivedDelivery[];
  acceptedKeys(path?: string): string[];
  close(): Promise<void>;
}

export interface BuyerServerOptions {
  secret?: string;
  /** Answer 409 to an already-accepted Idempotency-Key (default true). */
  idempotent?: boolean;
}

export async function startBuyerServer({ secret, idempotent = true }: BuyerServerOptions = {}): Promise<BuyerServer> {
  const scripts = new Map<string, { steps: BuyerStep[]; next: number }>();
  const accepted = new Map<string, string[]>(); // path → keys answered 2xx, in order
  const received: ReceivedDelivery[] = [];
  const sockets = new Set<Socket>();

  const nextStep = (path: string): BuyerStep => {
    const script = scripts.get(path);
    if (!script) return 200;
    const step = script.steps[Math.min(script.next, script.steps.length - 1)] as BuyerStep;
    script.next++;
    return step;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rawBody = raw.toString('utf8');
      const path = new URL(req.url ?? '/', 'http://buyer.test').pathname;
      const idempotencyKey = header(req.headers, 'idempotency-key');
      const signatureValid = secret === undefined ? undefined : verifySignature({
        secret, body: raw, timestamp: header(req.headers, TIMESTAMP_HEADER), signature: header(req.headers, SIGNATURE_HEADER),
      });
      const step = nextStep(path);
      const record = (answer: ReceivedDelivery['answer']) => received.push({
        path, method: req.method ?? '', idempotencyKey, body: parseJson(rawBody), rawBody, signatureValid, headers: req.headers, answer, at: Date.now(),
      });

      if (step === 'hang') return void record('hang');
      if (step === 'reset') {
        record('reset');
        return void req.socket.destroy();
      }
      const scripted = typeof step === 'number' ? { status: step } : step;
      const keys = accepted.get(path) ?? [];
      const isSuccess = scripted.status >= 200 && scripted.status < 300;
      let status = scripted.status;
      let body = scripted.body;
      if (isSuccess && idempotent && idempotencyKey !== undefined && keys.includes(idempotencyKey)) {
        status = 409;
        body = JSON.stringify({ error: 'duplicate Idempotency-Key: this lead was already accepted' });
      } else if (isSuccess && idempotencyKey !== undefined) {
        accepted.set(path, [...keys.filter((k) => k !== idempotencyKey), idempotencyKey]);
      }
      record(status);
      const answer = () => {
        const noBody = status === 204 || status === 304;
        res.writeHead(status, { 'content-type': 'application/json', ...scripted.headers });
        res.end(noBody ? undefined : body ?? JSON.stringify(status < 300 ? { ok: true } : { error: `scripted ${status}` }));
      };
      if (scripted.heldUntil) void scripted.heldUntil.then(answer, answer);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: (path = '/leads') => `http://127.0.0.1:${port}${path}`,
    respondWith(path, script) {
      if (script.length === 0) throw new Error('respondWith: the script needs at least one step');
      for (const step of script) {
        const status = typeof step === 'object' ? step.status : step;
        if (status !== 'hang' && status !== 'reset' && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
          throw new Error(`respondWith: ${String(status)} is not a status between 200 and 599, 'hang' or 'reset'`);
        }
      }
      scripts.set(path, { steps: [...script], next: 0 });
    },
    received,
    acceptedKeys: (path?: string) => [...new Set(path === undefined ? [...accepted.values()].flat() : accepted.get(path) ?? [])],
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy(); // hung requests and idle keep-alive connections
      });
      return closing;
    },
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
