import type { Db } from '../db/createDb';
import { preparedQuery } from '../db/preparedStatement';
import type { LeadToDecide } from '../routing/decide';
import type { DestinationTrace, Distribution, RuleDestination, RuleTrace } from '../rules/types';
import type { RoutingResult, RoutingStatus } from './leads';
import { deliveryTarget, type DeliveryTarget } from './delivery';
import { RULES_FINGERPRINT_SQL } from './rulesCache';

/** Thin, typed calls of the SQL functions in migrations/0002_routing_functions.ts. */

export type LockOutcome = 'acquired' | 'reentered' | 'taken_over_stale' | 'held_by_other' | 'not_routable' | 'not_found';

export interface LockResult {
  acquired: boolean;
  outcome: LockOutcome;
  status: RoutingStatus | null;
  lockOwner: string | null;
  attempts: number | null;
}

/** acquire_routing_lock() gives up after a 5 s lock_timeout (migration 0009) with SQLSTATE 55P03. */
export async function acquireRoutingLock(db: Db, leadId: string, owner: string, staleSeconds: number): Promise<LockResult> {
  const { rows } = await db.raw('SELECT * FROM acquire_routing_lock(?::uuid, ?, ?)', [leadId, owner, staleSeconds]);
  const r = rows[0];
  return { acquired: r.acquired, outcome: r.outcome, status: r.routing_status, lockOwner: r.lock_owner, attempts: r.routing_attempts };
}

export interface Completion {
  leadId: string;
  owner: string;
  result: RoutingResult;
  destinationWorkspaceId: string | null;
  ruleId: string | null;
  ruleVersion: number | null;
  duplicateOfLeadId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  decision: unknown;
  durationMs: number;
}

export type CompletionOutcome = 'completed' | 'already_completed' | 'lock_lost' | 'not_found';

export interface CompletionResult {
  outcome: CompletionOutcome;
  status: RoutingStatus | null;
  result: RoutingResult | null;
  destinationWorkspaceId: string | null;
  /** For the completion's metrics, set when `outcome` is 'completed' (migrations/0016_lock_and_decide.ts). */
  completed?: { sourceWorkspaceId: string; attempts: number; latencyMs: number | null };
}

export async function completeRouting(db: Db, c: Completion): Promise<CompletionResult> {
  const { rows } = await db.raw(
    'SELECT * FROM complete_routing(?::uuid, ?, ?, ?::uuid, ?::uuid, ?::integer, ?::uuid, ?, ?, ?::jsonb, ?::integer)',
    [
      c.leadId, c.owner, c.result, c.destinationWorkspaceId, c.ruleId, c.ruleVersion, c.duplicateOfLeadId,
      c.errorCode, c.errorMessage, c.decision === undefined ? null : JSON.stringify(c.decision), Math.round(c.durationMs),
    ],
  );
  const r = rows[0];
  return {
    outcome: r.outcome, status: r.routing_status, result: r.routing_result, destinationWorkspaceId: r.destination_workspace_id,
    ...(r.outcome === 'completed' && r.source_workspace_id
      ? { completed: { sourceWorkspaceId: r.source_workspace_id, attempts: r.routing_attempts, latencyMs: r.latency_ms === null ? null : Number(r.latency_ms) } }
      : {}),
  };
}

/**
 * The lead as the decision reads it (before its routing lock is taken: the decision's columns never change
 * once stored), with its status and what the delivery's payload needs.
 */
export interface LeadForDecision extends LeadToDecide {
  routingStatus: RoutingStatus;
  /** For the delivery's payload (lib/store/delivery.ts DeliveryPayload). */
  externalId: string;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * The lead's decision inputs and the rules' fingerprint (lib/store/rulesCache.ts) in one round trip, without
 * a lock: payload, identity hashes, source and TTL are written once, when the lead is stored. `lead` is
 * undefined when there is no such lead.
 */
export async function readLeadForDecision(db: Db, leadId: string): Promise<{ lead?: LeadForDecision; rulesFingerprint: string }> {
  const { rows } = await db.raw(
    `SELECT l.id, l.source_workspace_id, l.payload, l.email_hash, l.phone_hash, l.expires_at, l.routing_status, l.external_id, l.created_at, f.fingerprint
       FROM (${RULES_FINGERPRINT_SQL}) f LEFT JOIN leads l ON l.id = ?::uuid`,
    [leadId],
  );
  const row = rows[0];
  const lead = row.id
    ? {
        id: row.id as string,
        sourceWorkspaceId: row.source_workspace_id as string,
        payload: row.payload as Record<string, unknown>,
        emailHash: row.email_hash as string | null,
        phoneHash: row.phone_hash as string | null,
        expiresAt: new Date(row.expires_at).toISOString(),
        routingStatus: row.routing_status as RoutingStatus,
        externalId: row.external_id as string,
        createdAt: new Date(row.created_at).toISOString(),
      }
    : undefined;
  return { lead, rulesFingerprint: row.fingerprint as string };
}

/** One rule that matched the lead, as decide_routing() tries it, with its own trace entry. */
export interface DecisionCandidate {
  id: string;
  version: number;
  distribution: Distribution;
  destinations: RuleDestination[];
  trace: RuleTrace;
}

/** What decide_routing() answers (migrations/0013_decide_function.ts); timestamps as ISO 8601 strings. */
export type DecisionOutcome =
  /**
   * The decision an earlier attempt committed (then lost the activity's result), as recorded: its trace
   * lists the matched rules only, with `unmatchedRulesOmitted: true` (lib/routing/decide.ts completes it).
   */
  | { decision: unknown }
  /** The person's key is held by another lead: a duplicate of it, or (with `retryAt`) it is still in flight. */
  | { dedupe: { originalLeadId: string; matchedOn: Array<'email' | 'phone'>; retryAt: string | null } }
  /**
   * Each candidate tried, in order, with its destinations as tried. `assigned`: the last one's last
   * destination took the lead (claims, reservation, counters and the decision written); null: nothing
   * was written, and `nextResetAt` is the first cap reset if any destination was full.
   */
  | { tried: DestinationTrace[][]; assigned: string | null; nextResetAt: string | null };

/** decide_routing()'s arguments. */
export interface DecideRoutingArgs {
  leadId: string;
  keys: Array<{ kind: 'email' | 'phone'; hash: string }>;
  candidates: DecisionCandidate[];
  /** The trace entries of the matched rules an earlier call for this decision tried in vain. */
  earlier: RuleTrace[];
  exclude: string[];
  dedupeWindowDays: number;
  originalWait: { baseSeconds: number; maxSeconds: number };
}

const decideArgs = (r: DecideRoutingArgs) => [
  JSON.stringify(r.keys), JSON.stringify(r.candidates), JSON.stringify(r.earlier), r.exclude,
  r.dedupeWindowDays, r.originalWait.baseSeconds, r.originalWait.maxSeconds,
];

/**
 * The decision's database half in one round trip (decide_routing(), migrations/0013_decide_function.ts):
 * the committed-decision lookup, the identity claims (`keys` in claim order), then each candidate rule's
 * counters, destination order, exclusion and capacity, in `trx` (no routing lock: the simulation's; the
 * routing activities call it through lockAndDecideInDatabase, which takes or checks the lock first).
 */
export async function decideRoutingInDatabase(trx: Db, r: DecideRoutingArgs): Promise<DecisionOutcome> {
  const { rows } = await trx.raw('SELECT decide_routing(?::uuid, ?::jsonb, ?::jsonb, ?::jsonb, ?::text[], ?::integer, ?::float8, ?::float8) AS outcome', [
    r.leadId, ...decideArgs(r),
  ]);
  return rows[0].outcome as DecisionOutcome;
}

/**
 * lock_and_decide() was given a rules revision that is no longer the current one (migrations/0025): it did
 * nothing; the caller reads the rules again.
 */
export class RulesChanged extends Error {
  constructor(readonly evaluatedRevision: number) {
    super(`the rules changed since revision ${evaluatedRevision}`);
    this.name = 'RulesChanged';
  }
}

/** The routing lock as lock_and_decide() reports it (acquire_routing_lock()'s row, or the owner check's). */
export interface LockRow {
  acquired: boolean;
  outcome: LockOutcome | 'lock_lost';
  status: RoutingStatus | null;
  lockOwner: string | null;
  attempts: number | null;
}

/**
 * Lock and decision as ONE autocommit statement (lock_and_decide(), migrations/0016_lock_and_decide.ts): so
 * that the hot rows a decision locks (a rule's counters, a buyer's capacity) are held only for the statement,
 * never across round trips. `takeLock`: acquire_routing_lock() first (re-entry, stale takeover, the attempt
 * count) and mark a waiting ledger retry as started; otherwise check that `owner` still holds the lock.
 * The function's p_release_rejected is always sent NULL: a rejected buyer's reservation is given back before,
 * in a transaction of its own (releaseRejectedReservation, see there). `outcome` is
 * absent when the lock is not held (`lock.outcome`: not_routable, held_by_other, not_found, lock_lost).
 * `lockMs`: the lock step's time inside Postgres. `target`: the assigned partner's delivery URL and signing
 * secret, and the previous one while a rotation's overlap lasts (migrations/0026; secrets: keep them out of
 * logs, spans and activity results). `rulesRevision`: the routing_rules_revision
 * the candidates were evaluated from, when the caller did not read it (migrations/0025): throws RulesChanged,
 * having done nothing, when it is not the current one. Errors: 55P03 when the lead's row stays locked 5 s.
 */
export async function lockAndDecideInDatabase(
  db: Db,
  r: DecideRoutingArgs & { owner: string; takeLock: boolean; staleSeconds: number; rulesRevision?: number },
): Promise<{ lock: LockRow; lockMs: number; outcome?: DecisionOutcome; target?: DeliveryTarget }> {
  // A named prepared statement (lib/db/preparedStatement.ts): sent by every routing attempt.
  const rows = await preparedQuery(
    db,
    'SELECT lock_and_decide($1::uuid, $2, $3, $4::integer, $5::uuid, $6::jsonb, $7::jsonb, $8::jsonb, $9::text[], $10::integer, $11::float8, $12::float8, $13::bigint) AS answer',
    [r.leadId, r.owner, r.takeLock, r.staleSeconds, null, ...decideArgs(r), r.rulesRevision ?? null],
  );
  const answer = rows[0]!.answer as { lock: Record<string, unknown>; lockMs: number; outcome?: DecisionOutcome; target?: DeliveryTarget; rulesChanged?: true };
  if (answer.rulesChanged) throw new RulesChanged(r.rulesRevision!);
  const l = answer.lock;
  return {
    lock: {
      acquired: l.acquired === true,
      outcome: l.outcome as LockRow['outcome'],
      status: (l.routing_status ?? null) as RoutingStatus | null,
      lockOwner: (l.lock_owner ?? null) as string | null,
      attempts: (l.routing_attempts ?? null) as number | null,
    },
    lockMs: Number(answer.lockMs),
    ...(answer.outcome ? { outcome: answer.outcome } : {}),
    ...(answer.target ? { target: deliveryTarget(answer.target.url, answer.target.secret, answer.target.previousSecret) } : {}),
  };
}

/**
 * Gives back the capacity reservation of `buyer` for `leadId` (release_capacity(), migration 0027) when the lead's
 * routing lock is still `owner`'s and that buyer holds its live reservation: the buyer rejected the lead, which is
 * about to be decided again, in a transaction of its own before lock_and_decide(): inside that statement
 * the release held the rejecting buyer's counter rows while the new decision reserved another buyer's, so two
 * leads rejected by each other's buyers at once deadlocked (40P01; the session 11 review reproduced it in 5 of 5
 * rounds). Here no transaction holds two buyers' counters. One short transaction of its own: the lead's row locked
 * (owner check), then the live reservation read after the lock and released only if it is `buyer`'s (the session 11
 * review: checked in the statement's snapshot, taken before the lock wait, it could have released a reservation an
 * earlier try committed meanwhile). Only on the path after a buyer's rejection. Safe to repeat (the second call finds
 * nothing live); returns whether it released a reservation. Errors: database errors (55P03 when the lead's row stays
 * locked 5 s).
 */
export async function releaseRejectedReservation(db: Db, r: { leadId: string; owner: string; buyer: string }): Promise<boolean> {
  return db.transaction(async (trx) => {
    // The lead's row first (the order lock_and_decide() takes), and only while `owner` holds its routing lock.
    const lead = await trx('leads').select('id').where({ id: r.leadId, routing_status: 'routing', routing_lock_owner: r.owner }).forUpdate().first();
    if (!lead) return false;
    // Read after the lock (a new statement sees what committed while it waited): release only `buyer`'s reservation,
    // never another one an earlier try of this attempt committed meanwhile.
    const live = await trx('capacity_reservations').select('workspace_id').where({ lead_id: r.leadId }).whereNull('released_at').first();
    if (live?.workspace_id !== r.buyer) return false;
    const { rows } = await trx.raw("SELECT release_capacity(?, 'rejected_by_buyer') AS released", [r.leadId]);
    return rows[0].released !== null;
  });
}

export interface RetryPlan {
  /** When to try again; null lets the backoff policy decide. */
  at: string | null;
  reason: string;
  backoff: { baseSeconds: number; maxSeconds: number; maxAttempts: number };
}

export type RetryScheduled =
  | { scheduled: true; attempt: number; nextRetryAt: string; expiresAt: string }
  /** `failures`: the failed attempts made, this one included. */
  | { scheduled: false; why: 'attempts_exhausted'; failures: number }
  | { scheduled: false; why: 'lock_lost' };

/** Capped exponential backoff: base, 2x base, 4x base ... never more than max. */
export function backoffSeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, attempt - 1), maxSeconds);
}

/**
 * Gives the routing lock back while the lead waits for its next attempt (a buyer down, every destination
 * full ...): the lead is `pending` again and the retry is written to the lead_routing_queue ledger, where
 * the retry-queue processor finds it should the waiting workflow be gone. Never later than the TTL.
 * A plan with `at` is a wait (a cap reset, an original still in flight): it neither counts against
 * `maxAttempts` nor lengthens the backoff. A plan without is a failed attempt: the backoff follows the
 * number of failures, and the `maxAttempts`-th failure ends the retries.
 */
export async function scheduleRetry(db: Db, leadId: string, owner: string, plan: RetryPlan): Promise<RetryScheduled> {
  return db.transaction(async (trx) => {
    const lead = await trx('leads')
      .select('source_workspace_id', 'routing_attempts', 'expires_at', 'routing_status', 'routing_lock_owner')
      .where({ id: leadId })
      .forUpdate()
      .first();
    if (!lead || lead.routing_status !== 'routing' || lead.routing_lock_owner !== owner) return { scheduled: false, why: 'lock_lost' };
    const attempt: number = lead.routing_attempts;
    const isWait = plan.at !== null;
    let wanted: number;
    if (plan.at !== null) {
      wanted = Date.parse(plan.at);
    } else {
      const earlier = await trx('lead_routing_queue')
        .where({ lead_id: leadId, counts_toward_max_attempts: true })
        .whereNot({ attempt_number: attempt })
        .count<Array<{ n: string }>>('* as n');
      const failures = Number(earlier[0]!.n) + 1;
      if (failures >= plan.backoff.maxAttempts) return { scheduled: false, why: 'attempts_exhausted', failures };
      wanted = Date.now() + backoffSeconds(failures, plan.backoff.baseSeconds, plan.backoff.maxSeconds) * 1000;
    }
    const nextRetryAt = new Date(Math.min(wanted, new Date(lead.expires_at).getTime())).toISOString();
    await trx('leads').where({ id: leadId }).update({ routing_status: 'pending', routing_lock_owner: null, routing_locked_at: null, last_error: plan.reason });
    await trx('lead_routing_queue')
      .insert({ lead_id: leadId, workspace_id: lead.source_workspace_id, attempt_number: attempt, next_retry_at: nextRetryAt, last_error: plan.reason, counts_toward_max_attempts: !isWait })
      .onConflict(['lead_id', 'attempt_number'])
      .merge(['next_retry_at', 'last_error', 'counts_toward_max_attempts']);
    return { scheduled: true, attempt, nextRetryAt, expiresAt: new Date(lead.expires_at).toISOString() };
  });
}

/** Marks the lead's pending retries as started (the workflow woke up to try again). */
export async function markRetryStarted(db: Db, leadId: string): Promise<void> {
  await db('lead_routing_queue').where({ lead_id: leadId }).whereNull('processed_at').update({ processed_at: db.fn.now() });
}

/** TTL reached before the lead could be routed. Only a lead that is still undecided can expire. */
/**
 * Expires a lead past its TTL if it is still undecided. Returns its status afterwards, and whether this call
 * did the expiring (a re-run, or the daily job, may have done it before).
 */
export async function expireLeadNow(db: Db, leadId: string): Promise<{ status: RoutingStatus | null; expiredNow: boolean }> {
  const [row] = await db('leads')
    .where({ id: leadId })
    .whereIn('routing_status', ['pending', 'routing'])
    .where('expires_at', '<=', db.fn.now())
    .update({ routing_status: 'expired', routing_lock_owner: null, routing_locked_at: null, last_error: 'ttl_expired' })
    .returning('routing_status');
  if (row) return { status: row.routing_status, expiredNow: true };
  const current = await db('leads').select('routing_status').where({ id: leadId }).first();
  return { status: current?.routing_status ?? null, expiredNow: false };
}
