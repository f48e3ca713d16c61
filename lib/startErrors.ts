import { ConfigError } from './config';
import { isDatabaseUnavailable } from './db/unavailable';
import { refuseUnknownTemporalHost } from './temporal/addressHost';

/** An error's message: `message` of anything that has one (errors from another realm too, e.g. under jest), else the text. */
export function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/**
 * A failed `listen()` rewritten to name the setting that caused it (`getaddrinfo ENOTFOUND nonexistent.invalid`
 * said nothing about HOST): a ConfigError, so the entry point prints it as a configuration problem and exits 1.
 * Errors no setting explains are returned unchanged. The values named are HOST and PORT, never secrets.
 */
export function listenError(err: unknown, { host, port }: { host: string; port: number }): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const cause = messageOf(err);
  const problem = ({
    ENOTFOUND: `HOST: ${host} cannot be resolved to an address (${cause})`,
    EAI_AGAIN: `HOST: ${host} cannot be resolved to an address now (${cause})`,
    EADDRNOTAVAIL: `HOST: ${host} is not an address of this machine (${cause})`,
    EADDRINUSE: `PORT: ${port} is already in use on HOST ${host} (${cause})`,
    EACCES: `PORT: ${port} needs privileges this process lacks on HOST ${host} (${cause})`,
  } as Record<string, string>)[String(code)];
  return problem ? Object.assign(new ConfigError([problem]), { cause: err }) : err;
}

/**
 * A worker start failure rewritten to name the Temporal setting behind it, or `err` unchanged: a namespace the
 * server does not know (TEMPORAL_NAMESPACE), or no connection to the frontend at all (TEMPORAL_ADDRESS; `connecting`
 * says the error came from connecting). A ConfigError, so it prints as a configuration problem.
 */
export function temporalStartError(err: unknown, settings: { address: string; namespace: string }, connecting = false): unknown {
  const cause = messageOf(err);
  if (/namespace\b.*\bnot found|NamespaceNotFound/i.test(cause)) {
    return Object.assign(new ConfigError([`TEMPORAL_NAMESPACE: "${settings.namespace}" does not exist on the Temporal server at ${settings.address} (${cause})`]), { cause: err });
  }
  if (connecting) {
    return Object.assign(new ConfigError([`TEMPORAL_ADDRESS: cannot connect to ${settings.address} (${cause})`]), { cause: err });
  }
  return err;
}

/** How long a start waits for DNS to say whether TEMPORAL_ADDRESS's host exists (ms): past it, the host is not blamed. */
const HOST_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The ConfigError naming TEMPORAL_ADDRESS when DNS says its host does not exist (`TEMPORAL_ADDRESS: the host "x" does
 * not exist (no DNS address); expected …`, the words `npm run schedules` uses: lib/temporal/addressHost.ts), else
 * undefined: an IP address, a host that resolves, or a lookup that fails otherwise or takes over `timeoutMs`.
 */
export async function unresolvedTemporalHost(address: string, timeoutMs = HOST_LOOKUP_TIMEOUT_MS): Promise<ConfigError | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  const lookup = refuseUnknownTemporalHost(address).then(() => undefined, (err: unknown) => (err instanceof ConfigError ? err : undefined));
  try {
    return await Promise.race([lookup, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A failed connection to Temporal at start, named: TEMPORAL_ADDRESS's host does not exist (said in one line, without
 * the SDK's raw `tonic::transport::Error(… "dns error" …)`), else as temporalStartError with `connecting` (a namespace
 * problem, or "TEMPORAL_ADDRESS: cannot connect to <address> (<cause>)"). A ConfigError either way.
 */
export async function temporalConnectError(err: unknown, settings: { address: string; namespace: string }): Promise<unknown> {
  const unresolved = await unresolvedTemporalHost(settings.address);
  return unresolved ? Object.assign(unresolved, { cause: err }) : temporalStartError(err, settings, true);
}

/**
 * SQLSTATEs of a connection attempt that no wait will fix (PostgreSQL appendix A): the database, the user or its
 * password is wrong. Unreachable (refused, timed out, starting up, too many connections) is not here: compose
 * starts services in any order, and those pass.
 */
const PERMANENT_DATABASE_SQLSTATES: Record<string, string> = {
  '3D000': 'the database does not exist',
  '28P01': 'the password is wrong',
  '28000': 'the server refuses this user (no such role, or pg_hba.conf has no entry for it)',
  '42501': 'the user may not connect to this database',
};

/** TLS failures of the `sslmode` in the URL (node's certificate error codes, pg's own "does not support SSL"). */
const TLS_PROBLEM = /^(The server does not support SSL connections|self[- ]signed certificate|unable to verify|certificate|Hostname\/IP does not match)/i;
const TLS_CODES = /CERT|SSL|TLS/;

/** `text` with the password of `databaseUrl` (as written and percent-decoded) replaced by `***`. */
export function withoutPassword(text: string, databaseUrl: string): string {
  let password: string;
  try {
    password = new URL(databaseUrl).password;
  } catch {
    return text;
  }
  if (!password) return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // a stray % in the password: only the raw form can appear
  }
  return [password, decoded].reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * A database error at start rewritten to name DATABASE_URL when the URL itself is wrong (the database does not
 * exist, wrong user or password, TLS it asks for cannot work): a ConfigError whose message never contains the
 * password. Anything else (Postgres unreachable, a bug) is returned unchanged.
 */
export function databaseStartError(err: unknown, databaseUrl: string): unknown {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const cause = withoutPassword(messageOf(err), databaseUrl);
  const what = PERMANENT_DATABASE_SQLSTATES[code]
    ?? (TLS_PROBLEM.test(cause) || TLS_CODES.test(code) ? 'the TLS it asks for (sslmode and the ssl* options) cannot be used with this server' : undefined);
  return what ? Object.assign(new ConfigError([`DATABASE_URL: ${what} (${cause})`]), { cause: err }) : err;
}

/**
 * The `sslmode` values node-postgres knows (pg-connection-string), and libpq's `allow`, which pg reads as TLS like
 * any value it does not know (a URL libpq accepts must not stop the process); any other is refused.
 */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** Why DATABASE_URL's options cannot work, before any connection (an unknown sslmode), or undefined. */
export function databaseUrlOptionProblem(databaseUrl: string): string | undefined {
  let mode: string | null;
  try {
    mode = new URL(databaseUrl).searchParams.get('sslmode');
  } catch {
    return undefined; // the config check reports an unparsable URL
  }
  return mode !== null && !SSL_MODES.includes(mode) ? `DATABASE_URL: sslmode=${mode} is not one of ${SSL_MODES.join(', ')}` : undefined;
}

/**
 * A failed Runtime.install() rewritten to name TEMPORAL_PROMETHEUS_BIND_ADDRESS when it is the SDK's Prometheus
 * exporter that could not bind ("Failed to start prometheus metrics exporter: Address already in use"), or `err`.
 */
export function prometheusBindError(err: unknown, bindAddress: string | undefined): unknown {
  const cause = messageOf(err);
  if (!bindAddress || !/prometheus/i.test(cause)) return err;
  const what = /in use/i.test(cause) ? 'is already in use' : /not available|cannot assign/i.test(cause) ? 'is not an address of this machine' : 'cannot be bound';
  return Object.assign(new ConfigError([`TEMPORAL_PROMETHEUS_BIND_ADDRESS: ${bindAddress} ${what} (${cause})`]), { cause: err });
}

/**
 * For a tool that cannot do its job without the database (`npm run migrate`): a database that cannot be reached
 * (refused, unknown host, timed out: lib/db/unavailable.ts) rewritten to name DATABASE_URL and the host and port it
 * points at, never the password; anything else as databaseStartError. The servers do not use this: they start
 * without Postgres (compose starts services in any order) and answer 503 until it is up.
 */
export function databaseToolError(err: unknown, databaseUrl: string): unknown {
  if (!isDatabaseUnavailable(err)) return databaseStartError(err, databaseUrl);
  let where = 'the server it names';
  try {
    const url = new URL(databaseUrl);
    where = `${url.hostname}:${url.port || '5432'}`;
  } catch {
    // the config check refuses a URL that does not parse before any connection
  }
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  const cause = withoutPassword(messageOf(err), databaseUrl) || code || 'no answer';
  return Object.assign(new ConfigError([`DATABASE_URL: cannot connect to ${where}, is PostgreSQL running there? (${cause})`]), { cause: err });
}

/**
 * What a command-line tool (`npm run migrate`, `npm run schedules`) prints when it fails: a ConfigError (a setting
 * that cannot work, each problem naming its variable) as one line per problem after `prefix`, without a stack
 * trace; any other error (a bug) in full, stack included.
 */
export function toolFailureText(prefix: string, err: unknown): string | unknown {
  return err instanceof ConfigError ? err.problems.map((p) => `${prefix}: ${p}`).join('\n') : err;
}
