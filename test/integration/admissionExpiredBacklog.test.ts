import crypto from 'node:crypto';
import { admissionSnapshot, claimBatch, hasBacklog } from '../../lib/admission/claims';
import { createDb, type Db } from '../../lib/db/createDb';
import { createTestDatabase } from '../support/stack';

/**
 * A lead past its TTL that never left the admission backlog (stored during a long outage, or a backlog older
 * than LEAD_TTL_DAYS) is never claimed; until the daily lead-expiry job marks it expired it must not count as
 * waiting either, or the starter polls at its busy interval and the backlog gauges report it for up to a day.
 */
let db: Db;
beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 4 });
});
afterAll(async () => {
  await db?.destroy();
});

async function backlogLead(expiresIn: string): Promise<string> {
  const [ws] = await db('workspaces').insert({ name: `S ${crypto.randomUUID()}`, kind: 'source', api_key_hash: crypto.randomUUID(), api_key_prefix: 'lr_live_x' }).returning('id');
  const [lead] = await db('leads')
    .insert({ source_workspace_id: ws.id, external_id: crypto.randomUUID(), email_hash: crypto.randomUUID(), payload: '{}', created_at: db.raw(`now() - interval '8 days'`), expires_at: db.raw(`now() + ${expiresIn}`) })
    .returning('id');
  return lead.id;
}

test('a backlog lead past its TTL is neither claimed nor counted as waiting; a live one is both', async () => {
  const expired = await backlogLead("interval '-1 day'");
  const limits = { maxInFlight: 5, inFlightSeconds: 60 };

  expect(await claimBatch(db, limits, 5)).toEqual([]);
  expect(await hasBacklog(db)).toBe(false);
  expect(await admissionSnapshot(db, limits)).toMatchObject({ backlog: 0, oldestAgeSeconds: 0 });

  const live = await backlogLead("interval '1 day'");
  expect(await hasBacklog(db)).toBe(true);
  expect((await admissionSnapshot(db, limits)).backlog).toBe(1);
  expect((await claimBatch(db, limits, 5)).map((c) => c.id)).toEqual([live]);
  expect(await db('leads').where({ id: expired }).first('admitted_at', 'routing_status')).toEqual({ admitted_at: null, routing_status: 'pending' });
});
