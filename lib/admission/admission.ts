import type { Client } from '@temporalio/client';
import { EventEmitter } from 'node:events';
import type { Config } from '../config';
import type { Db } from '../db/createDb';
import { coerceError } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../telemetry/metrics';
import { startRouteLead, type StartedRouteLead } from '../temporal/startRouteLead';
import { claimLead, releaseClaim, type AdmissionLimits, type ClaimedLead, type LeadClaim } from './claims';

export interface AdmissionOptions extends AdmissionLimits {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** The longest one workflow start may take before the lead goes back to the backlog (ms). */
  startTimeoutMs: number;
  /**
   * false: no bound and no backlog order; every lead is started by its own request, as before admission
   * control. For a gateway with no starter loop behind it (buildApp without an Admission: tests, tools),
   * where a lead left in the backlog would wait for nobody. Default true.
   */
  bounded?: boolean;
    /** Request eager starts (the client is built on this process's worker connection: workers/combined.ts). */
  eager?: boolean;
  metrics?: Metrics;
  log?: Pick<Logger, 'warn' | 'debug'>;
}

/** Where a start came from: the request's fast path or the starter loop (the `path` tag). */
export type StartPath = 'request' | 'starter';

/**
 * - started:     the lead's workflow was started now, by this request;
 * - starting:    claimed; its start runs in the background (admitNow with awaitStart false);
 * - queued:      the lead waits in the backlog (no room, an older lead of its source first, or Temporal
 *                unreachable right now); the starter loop starts it as room frees;
 * - not_waiting: it had been admitted before (a repeat), or is decided: nothing to start.
 */
export type AdmitOutcome =
  | { kind: 'started'; handle: StartedRouteLead }
  | { kind: 'starting' }
  | { kind: 'queued'; reason: 'no_room' | 'behind' | 'start_failed' | 'temporal_unavailable' }
  | { kind: 'not_waiting' };

/** Counters since this process started (tests and the eager-share measurement read them). */
export interface AdmissionStats {
  started: Record<StartPath, number>;
  /** Of those, starts the server accepted eagerly (combined mode only). */
  eager: Record<StartPath, number>;
  startFailures: number;
}

/** After a failed start, the fast path leaves starts to the starter loop's single probe for this long. */
const UNAVAILABLE_BACKOFF_MS = 1_000;

/**
 * Admission control (issue 10 §3): the gateway stores every lead, then starts its workflow only while
 * fewer than ADMISSION_MAX_IN_FLIGHT leads are in flight; the others wait in Postgres (leads.admitted_at
 * IS NULL) for the starter loop (./starter.ts). One instance per process, shared by the route and the loop:
 * the route wakes the loop when it leaves a lead in the backlog, and a request waiting (`?wait=`) for a
 * queued lead hears when this process's loop starts it.
 */
export class Admission {
  readonly limits: AdmissionLimits;
  readonly stats: AdmissionStats = { started: { request: 0, starter: 0 }, eager: { request: 0, starter: 0 }, startFailures: 0 };
  private readonly events = new EventEmitter();
  private unavailableUntil = 0;
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly opts: AdmissionOptions) {
    this.limits = { maxInFlight: opts.maxInFlight, inFlightSeconds: opts.inFlightSeconds };
    this.events.setMaxListeners(0); // one listener per waiting request
  }

  /** Built from the ADMISSION_* settings. */
  static fromConfig(config: Config, deps: Pick<AdmissionOptions, 'db' | 'temporal' | 'eager' | 'metrics' | 'log' | 'bounded'>): Admission {
    return new Admission({
      ...deps,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      maxInFlight: config.ADMISSION_MAX_IN_FLIGHT,
      inFlightSeconds: config.ADMISSION_IN_FLIGHT_SECONDS,
      startTimeoutMs: config.ADMISSION_START_TIMEOUT_MS,
    });
  }

  get db(): Db {
    return this.opts.db;
  }

  /** True for a moment after a start failed: Temporal is probably unreachable, probe with one lead at a time. */
  get temporalUnavailable(): boolean {
    return Date.now() < this.unavailableUntil;
  }

  /**
   * The fast path, for a stored lead: start its workflow now if there is room, else leave it in the backlog
   * and wake the starter. Never throws for Temporal (a failed start puts the lead back in the backlog);
   * a Postgres error is thrown (the caller answers 503: Postgres itself is down).
   *
   * `signal` (with awaitStart, behind a starter loop): once it aborts, stop waiting for the start (it goes on in
   * the background) and return `starting`, so a `?wait=` deadline shorter than the start's timeout holds.
   *
   * `claimed`: the claim already made with the lead's insert (claimWithInsert); else it is made here.
   *
   * `awaitStart: false` (a request that does not wait for the outcome, behind a starter loop): returns once
   * the lead is claimed and starts it in the background, so the start's round trip is not on the partner's
   * clock. A process that dies in between leaves an admitted lead without a workflow: the retry-queue
   * processor's orphan pass re-drives it. Without a bound (no starter loop) the start is always awaited.
   */
  async admitNow(
    lead: ClaimedLead,
    { awaitStart = true, signal, claimed }: { awaitStart?: boolean; signal?: AbortSignal; claimed?: LeadClaim } = {},
  ): Promise<AdmitOutcome> {
    const bounded = this.opts.bounded ?? true;
    if (claimed === undefined && bounded && this.temporalUnavailable) {
      return { kind: 'queued', reason: 'temporal_unavailable' };
    }
    const claim = claimed ?? (await claimLead(this.opts.db, lead.id, this.limits, { bounded }));
    if (claim === 'not_waiting') return { kind: 'not_waiting' };
    if (claim !== 'claimed') {
      // An idle starter (empty backlog until now) looks at once; a busy one is already polling for room.
      this.notifyStored();
      return { kind: 'queued', reason: claim };
    }
    if (!awaitStart && bounded) {
      this.inBackground(this.startClaimed(lead, 'request'));
      return { kind: 'starting' };
    }
    const starting = this.startClaimed(lead, 'request');
    if (signal && bounded) {
      // The caller's deadline (?wait=) bounds the wait, not the start: a start slower than the deadline (Temporal
      // hung: up to startTimeoutMs) carries on in the background, and the request answers at its deadline.
      const aborted = Symbol('aborted');
      const onAbort = new Promise<typeof aborted>((resolve) => {
        if (signal.aborted) resolve(aborted);
        signal.addEventListener('abort', () => resolve(aborted), { once: true });
      });
      const first = await Promise.race([starting, onAbort]);
      if (first === aborted) {
        this.inBackground(starting);
        return { kind: 'starting' };
      }
      return first ? { kind: 'started', handle: first } : { kind: 'queued', reason: 'start_failed' };
    }
    const handle = await starting;
    return handle ? { kind: 'started', handle } : { kind: 'queued', reason: 'start_failed' };
  }

  /**
   * The claim to make with the lead's insert (lib/store/leads.ts storeLead: one statement), then passed to
   * admitNow as `claimed`; undefined while Temporal seems unreachable (admitNow queues the lead unclaimed).
   */
  claimWithInsert(): { maxInFlight: number | null; inFlightSeconds: number } | undefined {
    const bounded = this.opts.bounded ?? true;
    if (bounded && this.temporalUnavailable) return undefined;
    return { maxInFlight: bounded ? this.limits.maxInFlight : null, inFlightSeconds: this.limits.inFlightSeconds };
  }

  /** Tracks a start that outlives its request, so idle() (a clean shutdown) waits for it. */
  private inBackground(start: Promise<unknown>): void {
    const settled = start.then(() => undefined);
    this.background.add(settled);
    void settled.finally(() => this.background.delete(settled));
  }

  /** Resolves when the starts begun in the background (admitNow with awaitStart false) have settled. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /**
   * Starts the workflow of a lead this process claimed. On failure (Temporal unreachable, the start took
   * longer than startTimeoutMs) the claim is released, so the lead waits in the backlog again, and
   * undefined is returned.
   */
  async startClaimed(lead: ClaimedLead, path: StartPath): Promise<StartedRouteLead | undefined> {
    const { temporal, taskQueue, startTimeoutMs, eager, metrics, log } = this.opts;
    let handle: StartedRouteLead;
    try {
      handle = await temporal.withDeadline(Date.now() + startTimeoutMs, () => startRouteLead(temporal, taskQueue, lead, 'reject', { eager }));
    } catch (err) {
      this.stats.startFailures += 1;
      this.unavailableUntil = Date.now() + UNAVAILABLE_BACKOFF_MS;
      log?.warn({ err: coerceError(err), event: 'routing.start_failed', leadId: lead.id, path }, 'could not start routing; the lead waits in the admission backlog');
      await releaseClaim(this.opts.db, lead.id).catch((releaseErr: unknown) =>
        // Left admitted: the retry-queue processor's orphan pass re-drives it (DESIGN §7).
        log?.warn({ err: coerceError(releaseErr), event: 'admission.release_failed', leadId: lead.id }, 'claim not released'),
      );
      return undefined;
    }
    this.unavailableUntil = 0;
    const eagerly = handle.eagerlyStarted === true;
    this.stats.started[path] += 1;
    if (eagerly) this.stats.eager[path] += 1;
    metrics?.increment('routing.admission.starts', { path, eager: String(eagerly) });
    this.events.emit(`started:${lead.id}`, handle);
    return handle;
  }

  /** Wakes the starter loop if it is idle (a lead was left in the backlog). */
  notifyStored(): void {
    this.events.emit('stored');
  }

  /** Calls `listener` on each notifyStored(); returns the unsubscribe. */
  onStored(listener: () => void): () => void {
    this.events.on('stored', listener);
    return () => this.events.off('stored', listener);
  }

  /**
   * Resolves with the handle when this process starts the lead's workflow, or undefined when `signal`
   * aborts first (the lead may still be started by another process's starter).
   */
  whenStarted(leadId: string, signal: AbortSignal): Promise<StartedRouteLead | undefined> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(undefined);
      const event = `started:${leadId}`;
      const onStarted = (handle: StartedRouteLead) => {
        signal.removeEventListener('abort', onAbort);
        resolve(handle);
      };
      const onAbort = () => {
        this.events.off(event, onStarted);
        resolve(undefined);
      };
      this.events.once(event, onStarted);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
