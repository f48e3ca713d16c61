import { ApplicationFailure } from '@temporalio/activity';
import type { Decision } from '../lib/routing/decide';
import { decide } from '../lib/routing/decide';
import type { DeliveryContext, DeliveryTarget } from '../lib/store/delivery';
import type { LeadHandOff } from '../lib/routing/leadHandOff';
import { lockAndDecideInDatabase, readLeadForDecision, releaseRejectedReservation, RulesChanged, type LeadForDecision, type LockRow } from '../lib/store/routing';
import { createRulesCache, revisionOf, type RulesLoader } from '../lib/store/rulesCache';
import { elapsedMs } from '../lib/telemetry/metrics';
import type { LockAndDecideInput, LockAndDecideOutput } from '../workflows/routeLead.types';
import { lockOutcome, recordLockError, recordLockTaken } from './acquireRoutingLock';
import type { ActivityDeps } from './deps';
import { currentLockOwner } from './lockOwner';

/**
 * One routing attempt's database half (issue 10 §1): take (or re-enter) the routing lock, give back the
 * reservation of a buyer that just rejected the lead, then decide (dedupe, rules, distribution, capacity:
 * lib/routing/decide.ts). Runs as a local activity in the workflow's one task.
 *
 * Two round trips as a rule: the lead and the rules' fingerprint (no lock), then lock_and_decide(), ONE
 * autocommit statement (migrations/0016_lock_and_decide.ts), so that a rule's counters and a buyer's capacity
 * rows, which every lead of that rule / buyer locks, are held for that statement only.
 *
 * Safe to re-run (an LA retry, or a whole workflow task replayed after a worker crash): the owner re-enters
 * its lock, a committed decision is found again through its live reservation, and the release only touches
 * the rejected buyer's reservation. Metrics go out once the statement has committed: routing.lock.* as
 * acquireRoutingLock sends them (routing.lock.latency: the lock step's time in Postgres), and
 * routing.rules.latency for the rest.
 */
export function makeLockAndDecide(deps: ActivityDeps) {
  const step = makeLockAndDecideStep(deps);
  return async function lockAndDecide(input: LockAndDecideInput): Promise<LockAndDecideOutput> {
    return (await step(input)).output;
  };
}

/**
 * The activity's answer, and for an assigned lead what its delivery needs (the buyer's target from the same
 * statement, the lead's payload from the read before it), so that the delivery reads nothing. `delivery`
 * holds the buyer's signing secret and the lead's PII: for activities/routeAttempt.ts to use in the same
 * activity, never to return.
 */
export interface DecidedAttempt {
  output: LockAndDecideOutput;
  delivery?: DeliveryContext;
}

/** lockAndDecide's work, with the delivery context of an assigned lead (DecidedAttempt). */
export function makeLockAndDecideStep(deps: ActivityDeps) {
  const { config, metrics } = deps;
  const loadRules = createRulesCache();
  return async function lockAndDecideStep({ leadId, excludeDestinations, releaseRejected }: LockAndDecideInput): Promise<DecidedAttempt> {
    const startedAt = performance.now();
    const answer = await decideUnderLock(deps, {
      leadId, owner: currentLockOwner(), takeLock: true, excludeDestinations, releaseRejected, loadRules,
      onLockError: (err) => recordLockError(deps, leadId, err),
      handOff: deps.leadHandOff,
    });
    metrics.distribution('routing.lock.latency', answer.lockMs);
    const lock = lockOutcome(deps, leadId, answer.lock);
    recordLockTaken(deps, leadId, lock);
    const deliveryTimeoutMs = config.DELIVERY_TIMEOUT_MS;
    if (!answer.decision) return { output: { lock, deliveryTimeoutMs, kind: 'not_routable' } };
    metrics.distribution('routing.rules.latency', Math.max(0, elapsedMs(startedAt) - answer.lockMs), { decision: answer.decision.kind });
    const { lead } = answer;
    const delivery: DeliveryContext | undefined = answer.decision.kind === 'assigned' && lead
      ? {
          ...(answer.target ? { target: answer.target } : {}),
          payload: { leadId: lead.id, sourceWorkspaceId: lead.sourceWorkspaceId, externalId: lead.externalId, createdAt: lead.createdAt, lead: lead.payload },
        }
      : undefined;
    return { output: { lock, deliveryTimeoutMs, ...answer.decision }, ...(delivery ? { delivery } : {}) };
  };
}

/** A call of lock_and_decide() that found the lock not held: ends decide() early, carrying the lock's answer. */
class LockNotHeld extends Error {
  constructor(readonly lock: LockRow) {
    super(`routing lock not held: ${lock.outcome}`);
  }
}

/** What decideUnderLock is asked: the lead, the lock owner and how to take the lock, the rules, the hand-off. */
export interface DecideUnderLockRequest {
  leadId: string;
  owner: string;
  takeLock: boolean;
  excludeDestinations: string[];
  releaseRejected?: string;
  loadRules: RulesLoader;
  /** Called with an error of a lock_and_decide() call (not of the unlocked read): a lock timeout is counted there. */
  onLockError?: (err: unknown) => void;
  /**
   * Leads the gateway of this process just stored (combined mode): a lead found there is decided without
   * reading it, from the rules held (lock_and_decide() checks their revision; if they changed, the lead and
   * the rules are read as without it).
   */
  handOff?: LeadHandOff;
}

/** decideUnderLock's answer (see there). */
export interface DecidedUnderLock { lock: LockRow; lockMs: number; decision?: Decision; lead?: LeadForDecision; target?: DeliveryTarget }

/**
 * The decision for `leadId` with its routing lock: `takeLock` takes (or re-enters) it in the first call,
 * otherwise every call checks that `owner` still holds it. Returns the lock's answer (from the first call,
 * or the later call that found it lost), the lock step's ms in Postgres, and the decision when the lock was
 * held throughout, with the lead as read and the assigned partner's delivery target. Database errors (a 55P03
 * lock timeout ...) are thrown.
 */
export async function decideUnderLock(
  deps: Pick<ActivityDeps, 'db' | 'config'>,
  r: DecideUnderLockRequest,
): Promise<DecidedUnderLock> {
  if (r.releaseRejected) {
    // Its own transaction, committed before the decision reserves another buyer: two buyers' counters are never held
    // by one transaction (releaseRejectedReservation). A lost lock releases nothing; lock_and_decide() then says so.
    await releaseRejectedReservation(deps.db, { leadId: r.leadId, owner: r.owner, buyer: r.releaseRejected }).catch((err: unknown) => {
      r.onLockError?.(err);
      throw err;
    });
  }
  const handed = r.handOff?.take(r.leadId);
  const heldRules = r.loadRules.current();
  if (handed && heldRules) {
    try {
      return await decideUnderLockFor(deps, r, handed, heldRules, revisionOf(heldRules));
    } catch (err) {
      if (!(err instanceof RulesChanged)) throw err;
    }
  }
  const { lead, rulesFingerprint } = await readLeadForDecision(deps.db, r.leadId);
  return decideUnderLockFor(deps, r, lead, rulesFingerprint);
}

/** decideUnderLock for `lead` as read (undefined: no such lead) or handed over, with the rules of `rulesFingerprint`. */
async function decideUnderLockFor(
  { db, config }: Pick<ActivityDeps, 'db' | 'config'>,
  r: DecideUnderLockRequest,
  lead: LeadForDecision | undefined,
  rulesFingerprint: string,
  /** The revision for lock_and_decide() to check (a handed-over lead: the fingerprint was not read with it). */
  rulesRevision?: number,
): Promise<DecidedUnderLock> {
  // An original is usually decided within a second: look again after 2 s (or the retry base, if shorter:
  // tests run a fast retry clock), backing off like a retry.
  const originalWait = { baseSeconds: Math.min(config.ROUTING_RETRY_BASE_SECONDS, 2), maxSeconds: config.ROUTING_RETRY_MAX_SECONDS };
  const lockArgs = (n: number) => ({
    owner: r.owner,
    takeLock: r.takeLock && n === 1,
    staleSeconds: config.ROUTING_LOCK_STALE_SECONDS,
    // Checked by the first call, before it does anything; a later call of the same decision follows it at once.
    rulesRevision: n === 1 ? rulesRevision : undefined,
  });
  const locked = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof RulesChanged)) r.onLockError?.(err);
      throw err;
    }
  };
  if (!lead) {
    // No such lead (a lead is never deleted while it is routed): the lock's answer says so.
    const none = { leadId: r.leadId, keys: [], candidates: [], earlier: [], exclude: [], dedupeWindowDays: config.DEDUPE_WINDOW_DAYS, originalWait };
    const answer = await locked(() => lockAndDecideInDatabase(db, { ...none, ...lockArgs(1) }));
    if (answer.outcome) throw ApplicationFailure.retryable(`lead ${r.leadId} appeared while its lock was taken`, 'LeadChanged');
    return answer;
  }
  let first: { lock: LockRow; lockMs: number } | undefined;
  let target: DeliveryTarget | undefined;
  try {
    const decision = await decide(db, lead, {
      excludeDestinations: r.excludeDestinations,
      dedupeWindowDays: config.DEDUPE_WINDOW_DAYS,
      defaultPhoneCountry: config.DEFAULT_PHONE_COUNTRY,
      loadRules: r.loadRules,
      rulesFingerprint,
      originalWait,
      call: async (conn, args, n) => {
        const answer = await locked(() => lockAndDecideInDatabase(conn, { ...args, ...lockArgs(n) }));
        first ??= answer;
        if (!answer.outcome) throw new LockNotHeld(answer.lock);
        target = answer.target; // the last call's: the one that assigned, if any did
        return answer.outcome;
      },
    });
    return { lock: first!.lock, lockMs: first!.lockMs, decision, lead, ...(target ? { target } : {}) };
  } catch (err) {
    if (err instanceof LockNotHeld) return { lock: err.lock, lockMs: first?.lockMs ?? 0 };
    throw err;
  }
}
