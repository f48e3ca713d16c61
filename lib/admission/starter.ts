import { coerceError } from '../errors';
import type { Logger } from '../logger';
import { mapLimit } from '../maintenance/concurrency';
import type { Metrics } from '../telemetry/metrics';
import type { Admission } from './admission';
import { admissionSnapshot, claimBatch } from './claims';

export interface StarterOptions {
  /** How often to look at the backlog when nothing wakes the loop (ADMISSION_POLL_MS). */
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
 * starts their workflows; a failed start puts its lead back. It runs every `pollMs` (room frees when leads
 * finish their first attempt, which this process may not see), at once again after a pass that filled all
 * the room it had, and early when the route leaves a lead behind an older one of its source (there may be
 * room: the older lead is this loop's to start) unless its last pass found no room. While Temporal is
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
  // `wakeable` false: a pass just found no room, and only leads finishing their first attempt make room, which
  // no wake-up tells: sleep the full interval (during a spike every request would otherwise run a pass).
  const sleep = (wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (stopped || (wakeable && woken)) return resolve();
      const timer = setTimeout(done, pollMs);
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

  /** 'again': all the room taken and every start made (more room may have freed meanwhile); 'full': no room. */
  const pass = async (): Promise<'again' | 'full' | 'done'> => {
    const limit = admission.temporalUnavailable ? 1 : admission.limits.maxInFlight;
    const claimed = await claimBatch(admission.db, admission.limits, limit);
    if (claimed.length === 0) return 'full'; // or an empty backlog: either way, nothing until the next poll
    const started = await mapLimit(claimed, limit, (lead) => admission.startClaimed(lead, 'starter'));
    return claimed.length === limit && started.every(Boolean) ? 'again' : 'done';
  };

  const running = (async () => {
    while (!stopped) {
      woken = false;
      let outcome: Awaited<ReturnType<typeof pass>> = 'full';
      try {
        outcome = await pass();
        await sendGauges();
      } catch (err) {
        // Postgres unreachable: the route answers 503 meanwhile; keep trying at the poll interval.
        log?.warn({ err: coerceError(err), event: 'admission.pass_failed' }, 'admission pass failed');
      }
      if (outcome !== 'again') await sleep(outcome === 'done');
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
