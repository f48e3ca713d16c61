import { ConfigError } from './config';

/**
 * A failed `listen()` rewritten to name the setting that caused it (`getaddrinfo ENOTFOUND nonexistent.invalid`
 * said nothing about HOST): a ConfigError, so the entry point prints it as a configuration problem and exits 1.
 * Errors no setting explains are returned unchanged. The values named are HOST and PORT, never secrets.
 */
export function listenError(err: unknown, { host, port }: { host: string; port: number }): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const cause = err instanceof Error ? err.message : String(err);
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
  const cause = err instanceof Error ? err.message : String(err);
  if (/namespace\b.*\bnot found|NamespaceNotFound/i.test(cause)) {
    return Object.assign(new ConfigError([`TEMPORAL_NAMESPACE: "${settings.namespace}" does not exist on the Temporal server at ${settings.address} (${cause})`]), { cause: err });
  }
  if (connecting) {
    return Object.assign(new ConfigError([`TEMPORAL_ADDRESS: cannot connect to ${settings.address} (${cause})`]), { cause: err });
  }
  return err;
}
