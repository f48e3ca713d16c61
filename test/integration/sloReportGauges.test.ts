import crypto from 'node:crypto';
import pino from 'pino';
import { makeSloReportActivities } from '../../activities/sloReport';
import type { ActivityDeps } from '../../activities/deps';
import { loadConfig } from '../../lib/config';
import { createDb, type Db } from '../../lib/db/createDb';
import type { Metrics } from '../../lib/telemetry/metrics';
import { createTestDatabase } from '../support/stack';

/**
 * The SLO report's per-workspace retry-queue depth gauges (issue 9, found by review): a source whose queue
 * drains gets ONE 0, then nothing. Without that 0 its series just stops, and a Datadog multi-alert group
 * with no data stays in ALERT while the local evaluator has resolved. Real activity on a real database;
 * the metrics client is a recorder.
 */
let db: Db;
const gauges: Array<{ name: string; value: number; workspace?: string }> = [];
const recorder: Metrics = {
  increment: () => undefined,
  gauge: (name, value, tags) => {
    const workspace = (tags as Record<string, string | undefined> | undefined)?.workspace_id;
    gauges.push({ name, value, ...(workspace ? { workspace } : {}) });
  },
  distribution: () => undefined,
  close: async () => undefined,
};

beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 4 });
});
afterAll(async () => {
  await db?.destroy();
});

test('a drained workspace gets one depth 0 after its last non-zero depth, then no more', async () => {
  const config = loadConfig({ DATABASE_URL: 'postgres://x@localhost/x', IDENTITY_HMAC_KEY: 'test-identity-hmac-key-0123456789' });
  const { reportSlos } = makeSloReportActivities({ db, config, log: pino({ level: 'silent' }), metrics: recorder, temporal: undefined as never } as ActivityDeps);
  const [ws] = await db('workspaces').insert({ name: `S ${crypto.randomUUID()}`, kind: 'source', api_key_hash: crypto.randomUUID(), api_key_prefix: 'lr_live_x' }).returning('id');
  const [lead] = await db('leads').insert({ source_workspace_id: ws.id, external_id: crypto.randomUUID(), email_hash: crypto.randomUUID(), payload: '{}', expires_at: db.raw("now() + interval '1 day'") }).returning('id');
  await db('lead_routing_queue').insert({ lead_id: lead.id, workspace_id: ws.id, attempt_number: 1, next_retry_at: db.raw("now() - interval '1 minute'") });
  const depthOf = () => gauges.filter((g) => g.name === 'routing.retry_queue.depth' && g.workspace === ws.id).map((g) => g.value);

  await reportSlos();
  expect(depthOf()).toEqual([1]);

  await db('lead_routing_queue').where({ lead_id: lead.id }).update({ processed_at: db.fn.now() });
  gauges.length = 0;
  await reportSlos();
  expect(depthOf()).toEqual([0]);

  gauges.length = 0;
  await reportSlos();
  expect(depthOf()).toEqual([]);
  // The total keeps being sent every time.
  expect(gauges.filter((g) => g.name === 'routing.retry_queue.depth' && g.workspace === undefined).map((g) => g.value)).toEqual([0]);
});
