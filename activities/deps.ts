import type { Config } from '../lib/config';
import type { Db } from '../lib/db/createDb';
import type { Logger } from '../lib/logger';

/** What activities need from the outside world, injected so tests can pass real-but-isolated ones. */
export interface ActivityDeps {
  db: Db;
  config: Pick<Config, 'ROUTING_LOCK_STALE_SECONDS' | 'DEDUPE_WINDOW_DAYS' | 'DELIVERY_TIMEOUT_MS'>;
  log: Logger;
}
