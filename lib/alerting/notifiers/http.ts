/**
 * One JSON POST to a notifier endpoint with a timeout, whose failures never reveal the endpoint: Slack
 * webhook URLs and PagerDuty routing keys are secrets, so errors name only the notifier, the HTTP status or
 * the network error code, plus the start of the response body with every secret removed.
 */

/** Default per-send timeout (issue 9 §2: a notifier outage must not hold up the SLO workflow). */
export const NOTIFY_TIMEOUT_MS = 5000;

/** A failed send; `message` is safe to log and store. */
export class NotifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** Removes every occurrence of each secret, longest first (a URL before its path); values under 4 characters are ignored. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((x, y) => y.length - x.length)) {
    if (s.length < 4) continue;
    out = out.split(s).join('[redacted]');
  }
  return out;
}

function errorCode(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return 'timeout';
  return e?.cause?.code ?? e?.code ?? e?.name ?? 'error';
}

/**
 * POSTs `body` as JSON to `url`; resolves on a 2xx answer, otherwise throws a NotifyError such as
 * `slack: HTTP 500 (internal_error)` or `pagerduty: network error ECONNREFUSED` or `slack: timeout after 5000 ms`.
 * `secrets` are redacted from the error (the URL itself is never put in it).
 */
export async function postJson(name: string, url: string, body: unknown, { timeoutMs = NOTIFY_TIMEOUT_MS, secrets = [] as readonly string[] } = {}): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const code = errorCode(err);
    throw new NotifyError(code === 'timeout' ? `${name}: timeout after ${timeoutMs} ms` : `${name}: network error ${code}`);
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const snippet = redact(text, [url, new URL(url).pathname, ...secrets]).replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new NotifyError(`${name}: HTTP ${response.status}${snippet ? ` (${snippet})` : ''}`);
}
