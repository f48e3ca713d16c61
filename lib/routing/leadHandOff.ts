import type { LeadForDecision } from '../store/routing';

/**
 * Leads the gateway has just stored, handed in memory to the routing activities of the same process (the
 * combined mode, workers/startCombined.ts), so that a lead's first routing attempt need not read the lead back
 * from Postgres (issue 10: one round trip of the decision's two; the rules' revision that read also carried
 * is checked by lock_and_decide() itself, migrations/0025_lock_and_decide_rules_revision.ts).
 *
 * A lead's payload, identity hashes, source and TTL are written once, when it is stored, so the copy in memory is
 * the row's. An entry is taken once (a later attempt reads the row) and is bounded in number and age: a lead
 * started by another process, or not started within `maxAgeMs` (queued by admission), is read as before. The
 * entries hold the lead's personal data in this process's memory only; nothing here is logged.
 */
export interface LeadHandOff {
  /** Offers a lead just stored (a new one: a repeat's stored row may differ from the body it came with). */
  put(lead: LeadForDecision): void;
  /** The lead, if it was put within `maxAgeMs` and not taken yet; removes it. */
  take(leadId: string): LeadForDecision | undefined;
  /** Entries held now. */
  readonly size: number;
}

export interface LeadHandOffOptions {
  /** At most this many entries: the oldest goes first. Default 2,000 (the in-flight bound's order of magnitude). */
  maxLeads?: number;
  /** Entries older than this are dropped, ms. Default 30,000: a lead not started by then is read from Postgres. */
  maxAgeMs?: number;
  /** ms clock (tests). */
  now?: () => number;
}

export function createLeadHandOff(opts: LeadHandOffOptions = {}): LeadHandOff {
  const maxLeads = opts.maxLeads ?? 2_000;
  const maxAgeMs = opts.maxAgeMs ?? 30_000;
  const now = opts.now ?? (() => performance.now());
  // Insertion order is age order: the oldest entries are at the front.
  const entries = new Map<string, { lead: LeadForDecision; at: number }>();
  const dropOld = (t: number) => {
    for (const [id, e] of entries) {
      if (entries.size < maxLeads && t - e.at <= maxAgeMs) break;
      entries.delete(id);
    }
  };
  return {
    put(lead) {
      const t = now();
      dropOld(t);
      entries.delete(lead.id);
      entries.set(lead.id, { lead, at: t });
    },
    take(leadId) {
      const e = entries.get(leadId);
      if (!e) return undefined;
      entries.delete(leadId);
      return now() - e.at <= maxAgeMs ? e.lead : undefined;
    },
    get size() {
      return entries.size;
    },
  };
}
