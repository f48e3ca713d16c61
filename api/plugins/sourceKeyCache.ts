import { LRUCache } from 'lru-cache';
import type { Workspace } from '../../lib/store/workspaces';

/**
 * The gateway's memory of "API key hash -> enabled source workspace" (issue 10: without it every lead costs
 * a Postgres round trip, plus its knex, pg and dd-trace work, just to authenticate; the workspace row rarely
 * changes).
 *
 * - Hits only: a key that is unknown (or whose source is disabled) is never remembered, so a key created a
 *   moment ago works at once, and failed authentications go through the lookup (and the failure throttle in
 *   auth.ts) exactly as without the cache.
 * - Bounded: at most `maxEntries` keys (least recently used dropped first). Only keys that authenticated
 *   get in, so random keys cannot grow it; the bound covers a very large number of real sources.
 * - Staleness: an entry lives `ttlMs` from its lookup (not renewed by use). `clear()` (called by every admin
 *   route that changes a workspace) makes this process see a change at once; other gateway processes, and
 *   changes made directly in SQL, are seen within `ttlMs`: a disabled source or a rotated key stops working
 *   within AUTH_CACHE_TTL_MS on other replicas, at once on the one that made the change.
 * - `ttlMs` 0: off, every call is a lookup.
 *
 * Concurrent misses for one key share one lookup. A lookup that was under way when `clear()` ran still
 * answers its own callers (they asked before the change) but is not stored: it may have read the old row.
 */
export class SourceKeyCache {
  private readonly entries: LRUCache<string, Workspace> | undefined;
  private readonly inFlight = new Map<string, Promise<Workspace | undefined>>();
  /** Bumped by clear(): a lookup started under an older generation must not store what it read. */
  private generation = 0;

  /**
   * @param lookup the source of truth: the enabled source workspace owning this key hash, or undefined.
   * @param options.ttlMs how long an answer is reused, ms (AUTH_CACHE_TTL_MS); 0 turns the cache off.
   * @param options.maxEntries the most keys kept (default 10,000).
   */
  constructor(
    private readonly lookup: (apiKeyHash: string) => Promise<Workspace | undefined>,
    options: { ttlMs: number; maxEntries?: number },
  ) {
    this.entries = options.ttlMs > 0 ? new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs }) : undefined;
  }

  /** The enabled source workspace owning this key hash, from memory when looked up within the TTL. */
  async find(apiKeyHash: string): Promise<Workspace | undefined> {
    const entries = this.entries;
    if (!entries) return this.lookup(apiKeyHash);
    const cached = entries.get(apiKeyHash);
    if (cached) return cached;
    const pending = this.inFlight.get(apiKeyHash);
    if (pending) return pending;

    const generation = this.generation;
    const loading = this.lookup(apiKeyHash)
      .then((workspace) => {
        if (workspace && generation === this.generation) entries.set(apiKeyHash, Object.freeze(workspace));
        return workspace;
      })
      .finally(() => {
        if (this.inFlight.get(apiKeyHash) === loading) this.inFlight.delete(apiKeyHash);
      });
    this.inFlight.set(apiKeyHash, loading);
    return loading;
  }

  /** Forgets every key: the next request of each source reads its workspace again. */
  clear(): void {
    this.generation += 1;
    this.entries?.clear();
    this.inFlight.clear();
  }

  /** How many keys are remembered now (tests and diagnostics). */
  get size(): number {
    return this.entries?.size ?? 0;
  }
}
