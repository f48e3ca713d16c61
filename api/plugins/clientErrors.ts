import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * What Node's HTTP parser refuses before any route sees the request, answered in the API's error shape
 * (DESIGN §8) instead of Fastify's default `{"error":"Request Header Fields Too Large","statusCode":431}`:
 * - headers over Node's limit (--max-http-header-size, 16 KiB by default): 431;
 * - a request that did not arrive within HTTP_REQUEST_TIMEOUT_MS: 408;
 * - anything else the parser cannot read (not HTTP, a bad header line): 400.
 * The connection is then closed: after a parse error the rest of the stream cannot be trusted.
 */
const ANSWERS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'request headers are larger than the server accepts (16 KiB in all); send fewer or shorter headers' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request did not arrive in time; send it again' },
};
const MALFORMED = { status: 400, code: 'invalid_request', message: 'the request is not valid HTTP' };

/** Every status answered here: each is documented on every operation (api/schemas/errorResponses.ts EVERY_OPERATION). */
export const CLIENT_ERROR_STATUSES = [...new Set([...Object.values(ANSWERS).map((a) => a.status), MALFORMED.status])].sort();

/** The answer (status line, headers, body) for a client error Node reports with `code`. */
export function clientErrorResponse(code: string | undefined): string {
  const { status, code: apiCode, message } = (code && ANSWERS[code]) || MALFORMED;
  const body = JSON.stringify({ error: { code: apiCode, message } });
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Fastify's `clientErrorHandler` option: Node's 'clientError' event, answered as above. */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(err.code));
  socket.destroy(err);
}
