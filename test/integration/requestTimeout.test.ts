// HTTP_REQUEST_TIMEOUT_MS (api/app.ts): a client whose request stops arriving is answered 408 and disconnected,
// instead of holding its connection for good (Fastify's default requestTimeout is 0: none). Real sockets on a
// real listening gateway; waits are bounded by deadlines, never fixed sleeps.
import net from 'node:net';
import { useTestStack } from '../support/useStack';

const TIMEOUT_MS = 1_000;
const stack = useTestStack({ worker: false, env: { HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
let port: number;

beforeAll(async () => {
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  port = (stack.app.server.address() as net.AddressInfo).port;
});

/** Writes `chunks` on a fresh connection, then waits (up to `deadlineMs`) for the server to close it. */
function sendAndAwaitClose(chunks: string[], deadlineMs: number): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const started = Date.now();
    let response = '';
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${deadlineMs} ms; it answered: ${JSON.stringify(response)}`));
    }, deadlineMs);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (d) => (response += d));
    socket.on('error', () => undefined); // a reset after the 408 is a close too
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
  });
}

test('a body that stops half-way is answered 408 and the connection closed, soon after the timeout', async () => {
  const body = JSON.stringify({ email: 'x'.repeat(200) });
  const head = `POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer nope\r\nContent-Length: ${body.length}\r\n\r\n`;
  const { response, closedAfterMs } = await sendAndAwaitClose([head, body.slice(0, body.length / 2)], 10_000);
  expect(response).toMatch(/^HTTP\/1\.1 408 /);
  // Node checks timeouts every connectionsCheckingInterval (its default, 30 s, is lowered to a second).
  expect(closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  expect(closedAfterMs).toBeLessThan(TIMEOUT_MS + 3_000);
});

test('headers that stop half-way (slowloris) are answered 408 and the connection closed', async () => {
  const { response } = await sendAndAwaitClose(['GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '], 10_000);
  expect(response).toMatch(/^HTTP\/1\.1 408 /);
});

test('a complete request on the same server is answered as usual', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});
