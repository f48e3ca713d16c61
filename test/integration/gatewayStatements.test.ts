import { aLead, createWorkspace, postLead } from '../support/fixtures';
import { useTestStack } from '../support/useStack';

/**
 * The gateway's database work per lead (issue 10: every round trip is CPU on both sides of a 2-core box): once
 * the source's key is known (api/plugins/sourceKeyCache.ts), a POST is ONE statement, store_lead()
 * (migrations/0017_store_lead.ts), which stores the lead and claims its admission together.
 */
const stack = useTestStack({ worker: false });

test('a lead POST is one statement: stored and admitted by store_lead(); a repeat claims nothing new and reads only the view GET shows', async () => {
  const source = await createWorkspace(stack, { name: 'Statements source', kind: 'source' });
  expect((await postLead(stack, source.apiKey!, aLead())).statusCode).toBe(202); // the key is looked up once
  const statements: string[] = [];
  const listener = (q: { sql: string }) => statements.push(q.sql);
  stack.db.on('query', listener);
  try {
    const body = aLead();
    const res = await postLead(stack, source.apiKey!, body);
    expect(res.statusCode).toBe(202);
    expect(statements).toEqual([expect.stringMatching(/^SELECT store_lead\(/)]);
    const row = await stack.db('leads').where({ id: res.json().leadId }).first();
    expect(row.admitted_at).not.toBeNull(); // claimed in that statement

    statements.length = 0;
    const again = await postLead(stack, source.apiKey!, body);
    expect(again.json()).toMatchObject({ leadId: res.json().leadId, repeated: true });
    // The repeat answers with GET's view, which for a lead not decided yet reads its pending decision and retry.
    expect(statements).toEqual([expect.stringMatching(/^SELECT store_lead\(/), expect.stringMatching(/capacity_reservations r[\s\S]*lead_routing_queue/)]);
    expect((await stack.db('leads').where({ id: res.json().leadId }).first()).admitted_at).toEqual(row.admitted_at);
  } finally {
    stack.db.off('query', listener);
  }
});

test('store_lead() writes a new lead once: admitted in its INSERT when claimed, never updated after (migration 0021)', async () => {
  const source = await createWorkspace(stack, { name: 'Row versions source', kind: 'source' });
  /**
   * store_lead() in a transaction of its own, with the rows it inserted into / updated in `leads`: the change of
   * pg_stat_xact_user_tables across the call, inside the transaction (its counts may include earlier transactions
   * of the session that are not flushed yet, but nothing else moves them while this one runs).
   */
  const store = (externalId: string, maxInFlight: number | null) =>
    stack.db.transaction(async (trx) => {
      const counts = async () => {
        const { rows } = await trx.raw<{ rows: Array<{ ins: string; upd: string }> }>(
          "SELECT n_tup_ins AS ins, n_tup_upd AS upd FROM pg_stat_xact_user_tables WHERE relname = 'leads'",
        );
        return { ins: Number(rows[0]?.ins ?? 0), upd: Number(rows[0]?.upd ?? 0) };
      };
      const before = await counts();
      const { rows } = await trx.raw<{ rows: Array<{ stored: { created: boolean; claim: string; lead: { id: string; admitted_at: string | null } } }> }>(
        'SELECT store_lead(?::uuid, ?, ?, NULL, ?::jsonb, 90, true, ?::integer, 600) AS stored',
        [source.id, externalId, `hash-${externalId}`, JSON.stringify({ externalId }), maxInFlight],
      );
      const after = await counts();
      return { ...rows[0]!.stored, inserted: after.ins - before.ins, updated: after.upd - before.upd };
    });

  const claimed = await store(`v-${Date.now()}-a`, 1_000);
  expect(claimed).toMatchObject({ created: true, claim: 'claimed', inserted: 1, updated: 0 });
  expect(claimed.lead.admitted_at).not.toBeNull();

  const unbounded = await store(`v-${Date.now()}-b`, null);
  expect(unbounded).toMatchObject({ created: true, claim: 'claimed', inserted: 1, updated: 0 });

  // No room: stored, waiting (admitted_at null) for the starter, still one row version.
  const noRoom = await store(`v-${Date.now()}-c`, 0);
  expect(noRoom).toMatchObject({ created: true, claim: 'no_room', inserted: 1, updated: 0 });
  expect(noRoom.lead.admitted_at).toBeNull();

  // Its source now has a lead waiting: the next one queues behind it, however much room there is.
  const behind = await store(`v-${Date.now()}-d`, 1_000);
  expect(behind).toMatchObject({ created: true, claim: 'behind', inserted: 1, updated: 0 });
  expect(behind.lead.admitted_at).toBeNull();

  // A repeat of the waiting lead's external id is claimed as before (admission_claim_lead: 'behind' nobody now).
  const { rows } = await stack.db.raw<{ rows: Array<{ external_id: string }> }>('SELECT external_id FROM leads WHERE id = ?', [noRoom.lead.id]);
  const repeat = await store(rows[0]!.external_id, 1_000);
  expect(repeat).toMatchObject({ created: false, claim: 'claimed', inserted: 0 });
  expect(repeat.lead.id).toBe(noRoom.lead.id);
});

test('a repeated external id is answered without the admission lock (migration 0023): a busy lock delays new leads only', async () => {
  const source = await createWorkspace(stack, { name: 'Repeat source', kind: 'source' });
  const body = aLead();
  const first = await postLead(stack, source.apiKey!, body);
  expect(first.statusCode).toBe(202);

  // Someone holds the admission lock (a slow claim, as under load): a repeat must not queue behind it.
  const { ADMISSION_LOCK_KEY } = await import('../../migrations/0011_admission');
  const holder = await stack.db.client.acquireConnection();
  try {
    await holder.query(`SELECT pg_advisory_lock(${ADMISSION_LOCK_KEY})`);
    const repeat = await stack.db.transaction(async (trx) => {
      await trx.raw("SET LOCAL statement_timeout = '3s'"); // waiting for the lock would end in an error here
      const { rows } = await trx.raw<{ rows: Array<{ stored: { created: boolean; claim: string | null; lead: { id: string } } }> }>(
        'SELECT store_lead(?::uuid, ?, NULL, NULL, ?::jsonb, 90, true, 1000, 600) AS stored',
        [source.id, body.externalId, JSON.stringify({})],
      );
      return rows[0]!.stored;
    });
    expect(repeat).toMatchObject({ created: false, claim: 'not_waiting', lead: { id: first.json().leadId } });
  } finally {
    await holder.query(`SELECT pg_advisory_unlock(${ADMISSION_LOCK_KEY})`);
    await stack.db.client.releaseConnection(holder);
  }
});
