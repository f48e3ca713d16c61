/**
 * Whether an error means "the database cannot be reached or cannot serve now" — as opposed to a bug or a
 * bad statement. The API answers these 503 (retry the same request) instead of 500, and they are the only
 * 503s it gives (DESIGN §8, issue 10: never 503 for load).
 *
 * Recognised (sources: PostgreSQL appendix A "Error codes"; node-postgres and knex error texts):
 *  - SQLSTATE class 08 (connection exception), 57P01/57P02/57P03 (admin / crash shutdown, cannot connect
 *    now), 53300 (too many connections);
 *  - socket errors from connecting or a dropped connection: ECONNREFUSED, ECONNRESET, ETIMEDOUT,
 *    ENOTFOUND, EAI_AGAIN, EHOSTUNREACH, ENETUNREACH, EPIPE;
 *  - knex's pool acquire timeout (`KnexTimeoutError`), and node-postgres's "Connection terminated" texts.
 * Looks through `cause` chains (up to 5 deep) because drivers and knex wrap errors.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const MESSAGES = /^(Connection terminated|Knex: Timeout acquiring a connection|timeout exceeded when trying to connect)/;

export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const e = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const code = typeof e.code === 'string' ? e.code : '';
    if (code.startsWith('08') && code.length === 5) return true;
    if (SQLSTATES.has(code) || SOCKET_CODES.has(code)) return true;
    if (e.name === 'KnexTimeoutError') return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    // Node's AggregateError for a host with several addresses (IPv4 + IPv6 both refused).
    if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = e.cause;
  }
  return false;
}
