/**
 * V8 heap limits (MB) each process runs with in production (node flags in docker-compose.yml's commands and the
 * Dockerfile's CMD; the
 * load test's and the bench's `--built` processes, scripts/local/services.ts). Without a limit V8 sizes the
 * heap from the machine's memory (~4 GB here) and lets garbage accumulate: at a 100 leads/s spike the worker
 * peaked at 719 MB RSS and the API at 364 MB with ~40 MB of live code and 40-100 MB of live data each
 * (issue 10: heap snapshots and process.memoryUsage() under load). Issue 10's targets: worker < 400 MB,
 * API < 200 MB. Each limit leaves ~2× the live heap measured under load, so the GC works a little more
 * often instead of the heap growing; the numbers and their CPU cost are in the README (Load test).
 */
export const HEAP_LIMIT_MB = { api: 192, worker: 256, combined: 320 } as const;
/** Young generation: one semi-space, MB (V8's default here grows it to 32-64 MB; new space is 3 of them). */
export const SEMI_SPACE_MB = { api: 4, worker: 16, combined: 16 } as const;

export type ProcessRole = keyof typeof HEAP_LIMIT_MB;

/** The node flags for `role`, e.g. `['--max-old-space-size=256', '--max-semi-space-size=16']` for the worker. */
export function heapLimitFlags(role: ProcessRole): string[] {
  return [`--max-old-space-size=${HEAP_LIMIT_MB[role]}`, `--max-semi-space-size=${SEMI_SPACE_MB[role]}`];
}
