import dns from 'node:dns/promises';
import net from 'node:net';
import { ConfigError } from '../config';

/** The host of a TEMPORAL_ADDRESS already validated by lib/config.ts (`host[:port]`, `[ipv6][:port]`). */
export function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  return bracketed ? bracketed[1]! : address.split(':')[0]!;
}

/**
 * Throws a ConfigError naming TEMPORAL_ADDRESS at once when its host name has no address (DNS says it does not
 * exist: ENOTFOUND), rather than letting the Temporal SDK retry it until its connect deadline (10 s) and then say
 * only "cannot connect". A one-shot tool calls it (`npm run schedules`); a server does not, as a name may appear
 * later (compose). An IP address, or a lookup that fails for another reason (no DNS yet), is left to the connect.
 */
export async function refuseUnknownTemporalHost(address: string): Promise<void> {
  const host = hostOf(address);
  if (net.isIP(host)) return;
  try {
    await dns.lookup(host);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOTFOUND') return;
    throw Object.assign(new ConfigError([`TEMPORAL_ADDRESS: the host "${host}" does not exist (no DNS address); expected host:port of the Temporal frontend, e.g. localhost:7233`]), { cause: err });
  }
}
