import type { Db } from '../db/createDb';
import type { Metrics } from './metrics';

/**
 * `routing.db.pool.utilization` every `intervalMs` (default 10 s, the Agent's flush interval): connections
 * in use (knex's tarn pool `numUsed()`) over the pool maximum, in percent, tagged with the process.
 * Returns the function that stops it.
 */
export function startPoolGauge(db: Db, metrics: Metrics, processName: 'api' | 'worker', intervalMs = 10_000): () => void {
  const pool = (db.client as { pool?: { numUsed(): number; max: number } }).pool;
  const timer = setInterval(() => {
    if (!pool || !pool.max) return;
    metrics.gauge('routing.db.pool.utilization', Math.round((pool.numUsed() / pool.max) * 1000) / 10, { process: processName });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
