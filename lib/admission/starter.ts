import { coerceError } from '../errors';
import type { Logger } from '../logger';
import { mapLimit } from '../maintenance/concurrency';
import type { Metrics } from '../telemetry/metrics';
import type { Admission } from './admission';
import { admissionSnapshot, claimBatch, hasBacklog } from './claims';

export interface StarterOptions {
  /**
   * How often to look when nothing waits in the backlog, or nothing wakes the loop (ADMISSION_POLL_MS).
   * While leads wait and the room is full, the loop looks five times as often: room frees when a lead
   * finishes its first attempt, which no signal tells, and every poll interval a slot stays empty is
   * throughput lost (a 100 leads/s spike drained in 11 s instead of 19 s with 50 ms instead of 250 ms).
   */
  pollMs: number;
  /** Gauges (routing.admission.*) every this many ms; default 2 s. */
  gaugeEveryMs?: number;
  metrics?: Metrics;
  log?: Pick<Logger, 'warn' | 'debug'>;
}

export interface Starter {
  /** Stops the loop; resolves when the current pass (its starts included) has finished. */
  stop(): Promise<void>;
}

/**
 * The starter loop: "the orphan re-drive, made continuous". Each pass claims as many backlog leads as
 * there is room for (round-robin across sources, oldest first within one; admission_claim_batch) and
 * starts their workflows; a failed start puts its lead back. It runs every `pollMs` while the backlog is empty,
 * every `pollMs / 5` while leads wait for room (room frees when leads finish their first attempt, which this
 * process may not see), at once again after a pass that filled all the room it had, and early when the
 * route leaves a lead in the backlog while the loop is idle. While Temporal is
 * unreachable it claims one lead per pass, a probe, so an outage costs one failed start per poll, and every
 * lead stored meanwhile is started once Temporal is back. Several loops (processes) may run: the claims
 * are serialised in Postgres, so the bound holds and no lead is claimed twice.
 */
export function startStarter(admission: Admission, opts: StarterOptions): Starter {
  const { pollMs, gaugeEveryMs = 2_000, metrics, log } = opts;
  let stopped = false;
  let wake: (() => void) | undefined;
  let woken = false;
  const unsubscribe = admission.onStored(() => {
    woken = true;
    wake?.();
  });
  const busyPollMs = Math.max(10, Math.round(pollMs / 5));
  // `wakeable` false: a pass just found no room, and only leads finishing their first attempt make room, which
  // no wake-up tells (during a spike every request would otherwise run a pass).
  const sleep = (wakeable: boolean, ms: number) =>
    new Promise<void>((resolve) => {
      if (stopped || (wakeable && woken)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = () => {
        if (wakeable || stopped) done();
      };
    });

  let lastGauges = 0;
  const sendGauges = async () => {
    if (!metrics || Date.now() - lastGauges < gaugeEveryMs) return;
    lastGauges = Date.now();
    const snapshot = await admissionSnapshot(admission.db, admission.limits);
    metrics.gauge('routing.admission.backlog', snapshot.backlog);
    metrics.gauge('routing.admission.backlog_age', Math.round(snapshot.oldestAgeSeconds));
    metrics.gauge('routing.admission.in_flight', snapshot.inFlight);
  };

  /**
   * again: all the room taken and every start made (more room may have freed meanwhile): at once;
   * waiting: leads wait and there is no room: the short interval, deaf to wake-ups (they would only
   *          repeat what this pass found);
   * idle:    the backlog is empty, or Temporal is unreachable: the poll interval, or a wake-up.
   */
  const pass = async (): Promise<'again' | 'waiting' | 'idle'> => {
    const probing = admission.temporalUnavailable;
    const limit = probing ? 1 : admission.limits.maxInFlight;
    const claimed = await claimBatch(admission.db, admission.limits, limit);
    if (claimed.length === 0) return !probing && (await hasBacklog(admission.db)) ? 'waiting' : 'idle';
    const started = await mapLimit(claimed, limit, (lead) => admission.startClaimed(lead, 'starter'));
    if (!started.every(Boolean)) return 'idle';
    if (claimed.length === limit) return 'again';
    // Fewer than asked for: either the backlog is empty, or the room ran out with leads still waiting. The
    // latter is the steady state while a backlog drains; sleeping the full poll interval there left freed
    // slots empty (a burst followed by silence drained at one pass per ADMISSION_POLL_MS, no wake-up comes).
    return (await hasBacklog(admission.db)) ? 'waiting' : 'idle';
  };

  const running = (async () => {
    while (!stopped) {
      woken = false;
      let outcome: Awaited<ReturnType<typeof pass>> = 'idle';
      try {
        outcome = await pass();
        await sendGauges();
      } catch (err) {
        // Postgres unreachable: the route answers 503 meanwhile; keep trying at the poll interval.
        log?.warn({ err: coerceError(err), event: 'admission.pass_failed' }, 'admission pass failed');
      }
      if (outcome === 'waiting') await sleep(false, busyPollMs);
      else if (outcome === 'idle') await sleep(true, pollMs);
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      unsubscribe();
      wake?.();
      await running;
    },
  };
}
