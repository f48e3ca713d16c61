/**
 * alert_states (migration 0010): the evaluator's memory between runs — per alert instance its status, since
 * when it fires, the last value, and per channel what was delivered and what is still owed
 * (lib/alerting/evaluate.ts ChannelState, stored as the `channels` JSON). Also one row per daily digest
 * (`<digest id>:<YYYY-MM-DD>`, status `sent`) so a retried digest activity does not post twice.
 *
 * Concurrency: an evaluation runs inside `withAlertingLock`, a transaction holding a transaction-level
 * advisory lock; a second evaluation overlapping it (an activity retried while the first still runs) does
 * not wait but skips, so no two evaluations ever read the same states and both send.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/createDb';
import type { AlertState, Channel, ChannelState } from '../alerting/evaluate';

/** Advisory lock id of the alert evaluation (an arbitrary constant, unique within this database's code). */
const ALERTING_LOCK_ID = 9_002_001;
/** Advisory lock id of the daily digest send. */
const DIGEST_LOCK_ID = 9_002_002;

interface Row {
  key: string;
  alert_id: string;
  group_key: string | null;
  status: 'ok' | 'firing' | 'sent';
  firing_since: Date | null;
  last_value: number | null;
  last_evaluated_at: Date;
  channels: Partial<Record<Channel, ChannelState>>;
}

function toState(r: Row): AlertState {
  return {
    key: r.key,
    alertId: r.alert_id,
    group: r.group_key,
    status: r.status === 'firing' ? 'firing' : 'ok',
    firingSince: r.firing_since ? r.firing_since.toISOString() : null,
    lastValue: r.last_value,
    lastEvaluatedAt: r.last_evaluated_at.toISOString(),
    channels: r.channels ?? {},
  };
}

/**
 * Runs `fn` in a transaction holding the evaluation's advisory lock. Returns `{ skipped: true }` without
 * calling `fn` when another evaluation holds it.
 */
export async function withAlertingLock<T>(db: Db, fn: (trx: Knex.Transaction) => Promise<T>, lockId = ALERTING_LOCK_ID): Promise<{ skipped: true } | { skipped: false; result: T }> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw('SELECT pg_try_advisory_xact_lock(?) AS ok', [lockId]);
    if (!rows[0].ok) return { skipped: true as const };
    return { skipped: false as const, result: await fn(trx) };
  });
}

/** Same, for the daily digest (its own lock: a digest never waits on an evaluation). */
export function withDigestLock<T>(db: Db, fn: (trx: Knex.Transaction) => Promise<T>) {
  return withAlertingLock(db, fn, DIGEST_LOCK_ID);
}

/** The stored states of alert instances (digest rows excluded), ordered by key. */
export async function loadAlertStates(db: Db | Knex.Transaction): Promise<AlertState[]> {
  const rows = (await db('alert_states').whereNot('status', 'sent').orderBy('key')) as Row[];
  return rows.map(toState);
}

/** Inserts or replaces each state (by key), in one statement. */
export async function saveAlertStates(db: Db | Knex.Transaction, states: readonly AlertState[]): Promise<void> {
  if (states.length === 0) return;
  await db('alert_states')
    .insert(states.map((s) => ({
      key: s.key,
      alert_id: s.alertId,
      group_key: s.group,
      status: s.status,
      firing_since: s.firingSince,
      last_value: s.lastValue,
      last_evaluated_at: s.lastEvaluatedAt,
      channels: JSON.stringify(s.channels),
    })))
    .onConflict('key')
    .merge();
}

/** The firing alert instances, for GET /api/admin/slo. */
export async function firingAlertStates(db: Db): Promise<AlertState[]> {
  const rows = (await db('alert_states').where('status', 'firing').orderBy('key')) as Row[];
  return rows.map(toState);
}

/** Whether the digest of `digestId` for `date` (YYYY-MM-DD) was delivered already. */
export async function digestSent(db: Db | Knex.Transaction, digestId: string, date: string): Promise<boolean> {
  const row = await db('alert_states').where({ key: `${digestId}:${date}`, status: 'sent' }).first();
  return row !== undefined;
}

/** Records the digest of `date` as delivered, with the value it reported (leads expired). */
export async function markDigestSent(db: Db | Knex.Transaction, digestId: string, date: string, value: number, at: Date): Promise<void> {
  await db('alert_states')
    .insert({ key: `${digestId}:${date}`, alert_id: digestId, group_key: date, status: 'sent', last_value: value, last_evaluated_at: at.toISOString(), channels: JSON.stringify({ slack: { owed: null, lastNotifiedAt: at.toISOString(), resolveSentAt: null, lastError: null } }) })
    .onConflict('key')
    .merge();
}

/** Deletes digest rows older than `days` days (the SLO report prunes with its 35 days). */
export async function pruneDigestRows(db: Db, days: number): Promise<number> {
  return db('alert_states').where('status', 'sent').where('last_evaluated_at', '<', db.raw('now() - make_interval(days => ?)', [days])).delete();
}
