import type { LeadForDecision } from '../store/routing';

/**
 * Leads the gateway has just stored, handed in memory to the routing activities of the same process (the
 * combined mode, workers/startCombined.ts), so that a lead's first routing attempt need not read the lead back
 * from Postgres (issue 10: one round trip of the decision's two; the rules' revision that read also carried
 * is checked by lock_and_decide() itself, migrations/0025_lock_and_decide_rules_revision.ts).
 *
 * A lead's payload, identity hashes, source and TTL are written once, when it is stored, so the copy in memory is
 * the row's, however long it waits. An entry is taken once (a later attempt reads the row); the entries are bounded
 * in bytes, number and age, the oldest dropped first: a lead started by another process, or queued by admission
 * past those bounds, is read as before. The entries hold the lead's personal data in this process's memory only;
 * nothing here is logged.
 */
export interface LeadHandOff {
  /**
   * Offers a lead just stored (a new one: a repeat's stored row may differ from the body it came with); `bytes`:
   * its request body's size, what the entry is counted as against `maxBytes` (a lead larger than that is not kept).
   */
  put(lead: LeadForDecision, bytes: number): void;
  /** The lead, if it was put within `maxAgeMs` and not taken yet; removes it. */
  take(leadId: string): LeadForDecision | undefined;
  /** Entries held now. */
  readonly size: number;
  /** Their bytes, as put. */
  readonly bytes: number;
}

export interface LeadHandOffOptions {
  /**
   * At most this many bytes of request bodies. Default 32 MiB: ~30,000 leads of 1 KB, or 512 of the 64 KiB a body may
   * have (api/app.ts BODY_LIMIT_BYTES), so a partner sending the largest bodies cannot grow the process beyond it.
   */
  maxBytes?: number;
  /** At most this many entries. Default 10,000: a 100 leads/s spike's backlog for 100 s. */
  maxLeads?: number;
  /** Entries older than this are dropped, ms. Default 300,000: a lead not started in 5 minutes is read from Postgres. */
  maxAgeMs?: number;
  /** ms clock (tests). */
  now?: () => number;
}

export function createLeadHandOff(opts: LeadHandOffOptions = {}): LeadHandOff {
  const maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  const maxLeads = opts.maxLeads ?? 10_000;
  const maxAgeMs = opts.maxAgeMs ?? 300_000;
  const now = opts.now ?? (() => performance.now());
  // Insertion order is age order: the oldest entries are at the front.
  const entries = new Map<string, { lead: LeadForDecision; at: number; bytes: number }>();
  let held = 0;
  const remove = (id: string) => {
    const e = entries.get(id);
    if (e) {
      entries.delete(id);
      held -= e.bytes;
    }
    return e;
  };
  return {
    put(lead, bytes) {
      const t = now();
      remove(lead.id);
      if (bytes > maxBytes) return;
      for (const [id, e] of entries) {
        if (entries.size < maxLeads && held + bytes <= maxBytes && t - e.at <= maxAgeMs) break;
        remove(id);
      }
      entries.set(lead.id, { lead, at: t, bytes });
      held += bytes;
    },
    take(leadId) {
      const t = now();
      const e = remove(leadId);
      // Expired entries go at every put and take, so a lull after a burst does not keep their personal data.
      for (const [id, old] of entries) {
        if (t - old.at <= maxAgeMs) break;
        remove(id);
      }
      return e && t - e.at <= maxAgeMs ? e.lead : undefined;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return held;
    },
  };
}
