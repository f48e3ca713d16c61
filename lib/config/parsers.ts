import { z } from 'zod';

/**
 * Value parsers shared by lib/config.ts and lib/telemetry/tracer.ts (which validates dd-trace's own settings
 * before it initialises the tracer). Dependency-free apart from zod: tracer.ts imports this before dd-trace
 * instruments anything. Messages never repeat the value: URLs and secrets may carry credentials.
 */

/**
 * A setting's value, or undefined when it is unset or blank (`VAR=`, `VAR="  "`): one rule for every setting, the
 * one loadConfig applies (lib/config.ts), so a blank always means the documented default. Shells and compose files
 * export `VAR=` for a value left out; reading it as "" gave an empty service name, an empty namespace, or the
 * current directory. Every reader of an environment variable outside loadConfig goes through this.
 */
export function envSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** What an on/off value accepts, said once for settings and query parameters alike. */
export const BOOLEAN_MESSAGE = 'must be true or false (or 1 / 0)';

/**
 * An on/off value as written: `true`/`false`/`1`/`0` in any case (`TRUE`, `False`: dd-trace reads its own switches
 * so), or undefined for anything else. The one parser of both boundaries that take booleans as text: settings
 * (`bool` below) and query parameters (api/plugins/validation.ts).
 */
export function parseBoolean(text: string): boolean | undefined {
  const v = text.toLowerCase();
  return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined;
}

/** A boolean setting (parseBoolean), refused with BOOLEAN_MESSAGE. */
export const bool = z.string().transform((v, ctx) => {
  const parsed = parseBoolean(v);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: BOOLEAN_MESSAGE });
    return z.NEVER;
  }
  return parsed;
});

/**
 * A setting that takes one of a few words (LOG_LEVEL), in any case as the on/off settings are: `SILENT`, `Info`.
 * The value is the word in `values`' own spelling; anything else is refused with `must be one of a, b, … (in any
 * case)`, in the words of the other settings' messages (zod's own says `Invalid option: expected one of "a"|…`).
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const message = `must be one of ${values.join(', ')} (in any case)`;
  return z.string().transform((v, ctx): T[number] => {
    const found = values.find((value) => value.toLowerCase() === v.toLowerCase());
    if (found === undefined) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return found;
  });
}

/**
 * A whole number written as plain decimal digits, within [min, max]. The maximum is required: a setting
 * without one passed config and then broke where it was used (Postgres `integer` parameters overflow above
 * 2^31-1, `now() + make_interval(days => n)` above ~1.07e8 days, Node timers above 2^31-1 ms).
 * Not a coercing number schema: that also takes `0x50`, `1e2`, `0b1` or ` 8 `.
 */
export function int(min: number, max: number, messages: { type?: string; min?: string; max?: string } = {}) {
  return z
    .string()
    .regex(/^-?\d+$/, messages.type ?? 'must be a whole number in decimal digits (no hex, exponent or fraction)')
    .transform(Number)
    .pipe(z.number().min(min, messages.min ?? `must be at least ${min}`).max(max, messages.max ?? `must be at most ${max}`));
}

/** A TCP/UDP port, 1-65535, in decimal digits. */
export const port = () => int(1, 65_535, { max: 'must be a port, 1-65535', min: 'must be a port, 1-65535' });

/**
 * An absolute http(s) URL with a host, written out (`http://` or `https://` literally, so `http:host` and
 * `javascript:`, `ftp://`, `file://` are refused), with no whitespace (`new URL` trims it silently).
 */
export function httpUrlProblem(value: string): string | undefined {
  if (!/^https?:\/\//i.test(value)) return 'must be an absolute http:// or https:// URL';
  if (/[\s\p{Cc}]/u.test(value)) return 'must be a URL without spaces or control characters';
  try {
    if (!new URL(value).hostname) return 'must be an http(s) URL with a host';
  } catch {
    return 'must be a valid http(s) URL';
  }
  return undefined;
}

/** An http(s) URL setting (see httpUrlProblem); `what` names what it is for in the message. */
export const httpUrl = (what?: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = httpUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: what ? `${problem} (${what})` : problem });
  });

/**
 * A secret (token, key): no whitespace or control character anywhere. Surrounding spaces or a trailing newline
 * (a copied value, `echo` into a file) were kept, and no request's bearer token could then match the secret.
 */
export const secret = (minLength: number) =>
  z
    .string()
    .refine((v) => !/[\s\p{Cc}]/u.test(v), 'must not contain spaces, tabs, newlines or control characters (check for whitespace around the value)')
    .refine((v) => v.length >= minLength, `must be at least ${minLength} characters`);

/**
 * Datadog service name (unified service tagging): starts with a letter; lowercase letters, digits, `_ - . : /`;
 * at most 100 characters (Datadog's service-name rules; Datadog would lowercase or replace anything else, and the
 * metrics and traces would then name a service nobody set).
 */
const DD_SERVICE = /^[a-z][a-z0-9_.:/-]{0,99}$/;

/** A DD_TRACE_AGENT_URL: http(s) with a host, or a unix socket path (`unix:///var/run/datadog/apm.socket`). */
function traceAgentUrlProblem(value: string): string | undefined {
  if (/^unix:\/\/\/\S+$/.test(value)) return undefined;
  return httpUrlProblem(value) ? 'must be an http(s) URL with a host, or unix:///path/to/apm.socket' : undefined;
}

/**
 * dd-trace's settings that the README documents. dd-trace reads them itself and ignores a bad value silently
 * (`DD_TRACE_ENABLED=maybe`, `DD_TRACE_AGENT_PORT=abc`): they are checked here, by name, at start.
 */
export const datadogTraceSettings = {
  DD_TRACE_ENABLED: bool.optional(),
  DD_TRACE_AGENT_PORT: port().optional(),
  DD_TRACE_AGENT_URL: z
    .string()
    .superRefine((value, ctx) => {
      const problem = traceAgentUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  DD_SERVICE: z
    .string()
    .regex(DD_SERVICE, 'must be a Datadog service name: a lowercase letter first, then lowercase letters, digits, _ - . : / (at most 100)')
    .optional(),
};

/** Whether every documented dd-trace setting in `env` is valid (blank counts as unset), so tracer.init() may read them. */
export function datadogTraceSettingsValid(env: NodeJS.ProcessEnv): boolean {
  const set = Object.fromEntries(Object.keys(datadogTraceSettings).map((k) => [k, env[k]?.trim() ? env[k] : undefined]));
  return z.object(datadogTraceSettings).safeParse(set).success;
}
