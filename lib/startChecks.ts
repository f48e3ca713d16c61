import { Connection, type ConnectionOptions } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { ConfigError } from './config';
import type { Logger } from './logger';
import { databaseStartError, databaseUrlOptionProblem, messageOf, temporalStartError, unresolvedTemporalHost, withoutPassword } from './startErrors';

/**
 * Checks a process runs at start, before it listens or polls: a setting that can never work stops the process
 * (a ConfigError naming it, exit 1), while a dependency that is merely not up yet does not (compose starts
 * services in any order; the API then answers 503 database_unavailable / 202 and recovers, the worker retries).
 * Both resolve to `{ reachable: false, reason }` for the latter, so the caller can log it.
 */
export interface StartCheck {
  reachable: boolean;
  /** Why the dependency could not be asked (no secret in it), when `reachable` is false. */
  reason?: string;
  /**
   * Set when `reason` is a setting's doing, naming it (`TEMPORAL_ADDRESS: the host "x" does not exist …`): more often
   * a typo than a server not up yet, so the warning's message says it, not only its `reason` field.
   */
  setting?: boolean;
}

/** How long a start check waits for a dependency before it lets the process start without the answer (ms). */
export const START_CHECK_TIMEOUT_MS = 5_000;

/**
 * Connects once to DATABASE_URL (node-postgres, as knex does, with the same URL) and disconnects. Throws a
 * ConfigError naming DATABASE_URL, without the password, when the URL cannot work: an unknown sslmode, a database
 * that does not exist (3D000), a wrong user or password (28000, 28P01), TLS the server cannot do, an option pg
 * cannot read (e.g. an sslrootcert file that does not exist). Unreachable within `timeoutMs`: `reachable: false`.
 */
export async function checkDatabaseAtStart(databaseUrl: string, timeoutMs = START_CHECK_TIMEOUT_MS): Promise<StartCheck> {
  const optionProblem = databaseUrlOptionProblem(databaseUrl);
  if (optionProblem) throw new ConfigError([optionProblem]);
  let client: PgClient;
  try {
    client = new PgClient({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs, application_name: 'lead-router-start-check' });
  } catch (err) {
    // pg reads the URL's files (sslrootcert, sslcert, sslkey) here: nothing to wait for.
    throw Object.assign(new ConfigError([`DATABASE_URL: cannot be used as written (${withoutPassword(messageOf(err), databaseUrl)})`]), { cause: err });
  }
  client.on('error', () => undefined); // a connection dropped after the check is not the check's business
  try {
    await client.connect();
    return { reachable: true };
  } catch (err) {
    const named = databaseStartError(err, databaseUrl);
    if (named instanceof ConfigError) throw named;
    return { reachable: false, reason: withoutPassword(messageOf(err), databaseUrl) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Asks the Temporal frontend whether TEMPORAL_NAMESPACE exists. Throws a ConfigError naming TEMPORAL_NAMESPACE
 * when the server answers that it does not (gRPC NOT_FOUND); a server that cannot be reached within `timeoutMs`,
 * or any other answer, gives `reachable: false` (the API takes leads while Temporal is down: admission control).
 * A TEMPORAL_ADDRESS whose host does not exist (DNS) is `reachable: false` at once, its reason naming TEMPORAL_ADDRESS
 * (`setting`): the SDK would retry the name until its deadline and say only "Failed to connect before the deadline".
 * Not refused: under compose a service's name may appear after the process starts.
 */
export async function checkTemporalNamespaceAtStart(options: ConnectionOptions, namespace: string, timeoutMs = START_CHECK_TIMEOUT_MS): Promise<StartCheck> {
  const unresolved = await unresolvedTemporalHost(options.address ?? 'localhost:7233', timeoutMs);
  if (unresolved) return { reachable: false, reason: unresolved.problems.join('; '), setting: true };
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: timeoutMs });
  } catch (err) {
    return { reachable: false, reason: messageOf(err) };
  }
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.describeNamespace({ namespace }));
    return { reachable: true };
  } catch (err) {
    if ((err as { code?: unknown }).code === 5) {
      const address = options.address ?? 'localhost:7233';
      const named = temporalStartError(err, { address, namespace });
      throw named instanceof ConfigError ? named : new ConfigError([`TEMPORAL_NAMESPACE: "${namespace}" does not exist on the Temporal server at ${address}`]);
    }
    return { reachable: false, reason: messageOf(err) };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * Logs each dependency a start check could not reach (`start.dependency_unreachable`, warn, with `dependency` and
 * the reason, which has no secret: the password is taken out) with what the process does meanwhile (`meanwhile`).
 * A reason naming a setting (`setting`) is said in the message too: "temporal not reachable at start (TEMPORAL_ADDRESS:
 * the host "x" does not exist …); starting anyway: …".
 */
export function logUnreachable(log: Logger, checks: { postgres?: StartCheck; temporal?: StartCheck }, meanwhile: { postgres?: string; temporal?: string }): void {
  for (const [dependency, check] of Object.entries(checks)) {
    if (!check || check.reachable) continue;
    const why = check.setting && check.reason ? ` (${check.reason})` : '';
    log.warn({ event: 'start.dependency_unreachable', dependency, reason: check.reason }, `${dependency} not reachable at start${why}; ${meanwhile[dependency as 'postgres' | 'temporal'] ?? 'starting anyway'}`);
  }
}
