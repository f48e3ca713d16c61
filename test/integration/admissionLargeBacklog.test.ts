import { claimBatch } from '../../lib/admission/claims';
import { createDb, type Db } from '../../lib/db/createDb';
import { createTestDatabase } from '../support/stack';

/**
 * The starter's claim with a huge backlog (migration 0014: it reads each waiting source's oldest `room` leads
 * instead of ranking the whole backlog) takes exactly the leads 0012's fair share takes: a source's k-th
 * waiting lead is its (k + leads in flight)-th turn, lowest turn first, then oldest, then by id; leads past
 * their TTL, decided or already admitted are never taken. The expected claims come from a model of that rule
 * run over every waiting lead read back from the table, pass after pass (each claim puts leads in flight,
 * which moves its source's later turns back).
 *
 * Seeded in one INSERT ... SELECT: 50,000 waiting leads of 3 sources, skewed 80% / 18% / 2% (a busy source
 * and a quiet one), created in pairs that share a timestamp (ties broken by id, within and across sources);
 * the busy source has 3 leads in flight, the middle one 1; the quiet source has expired leads older than all
 * of them at the head of its backlog; a 4th source has only expired leads waiting.
 */
let db: Db;
beforeAll(async () => {
  db = createDb((await createTestDatabase()).url, { poolMax: 2 });
});
afterAll(async () => {
  await db?.destroy();
});

const WAITING = 50_000;
const IN_FLIGHT_SECONDS = 60;

interface Waiting {
  id: string;
  source: string;
  createdMs: number;
}

async function sources(n: number): Promise<string[]> {
  const rows = await db('workspaces')
    .insert(Array.from({ length: n }, (_, i) => ({ name: `Big backlog ${i}`, kind: 'source', api_key_hash: `big-backlog-${i}`, api_key_prefix: 'lr_live_x' })))
    .returning('id');
  return rows.map((r: { id: string }) => r.id);
}

async function seed(): Promise<{ busy: string; middle: string; quiet: string; expiredOnly: string }> {
  const [busy, middle, quiet, expiredOnly] = (await sources(4)) as [string, string, string, string];
  const insert = `INSERT INTO leads (source_workspace_id, external_id, email_hash, payload, created_at, expires_at, admitted_at)`;
  // The backlog: lead i is created at t0 + floor(i / 2) ms, so each pair shares its created_at.
  await db.raw(
    `${insert}
     SELECT CASE WHEN i % 100 < 2 THEN ?::uuid WHEN i % 100 < 20 THEN ?::uuid ELSE ?::uuid END,
            'big-' || i, md5(i::text), '{}', timestamptz '2026-11-01 00:00:00+00' + (i / 2) * interval '1 ms',
            now() + interval '1 day', NULL
       FROM generate_series(1, ?) AS i`,
    [quiet, middle, busy, WAITING],
  );
  // Past their TTL, older than every live lead: never claimed, never counted as a turn.
  await db.raw(
    `${insert}
     SELECT s, 'expired-' || i, md5('e' || i), '{}', timestamptz '2026-10-01 00:00:00+00' + i * interval '1 s', now() - interval '1 hour', NULL
       FROM generate_series(1, 300) AS i, unnest(?::uuid[]) AS s`,
    [[quiet, expiredOnly]],
  );
  // In flight (admitted a second ago, undecided): the busy source 3, the middle one 1.
  await db.raw(
    `${insert}
     SELECT s, 'flying-' || n, md5('f' || n), '{}', timestamptz '2026-10-31 00:00:00+00', now() + interval '1 day', now() - interval '1 s'
       FROM unnest(?::uuid[]) WITH ORDINALITY AS f(s, n)`,
    [[busy, busy, busy, middle]],
  );
  // Decided without ever being admitted (e.g. expired by the daily job): not in the backlog.
  await db.raw(
    `${insert.replace(')', ', routing_status, routing_result, last_error)')}
     SELECT ?::uuid, 'decided-' || i, md5('d' || i), '{}', timestamptz '2026-10-15 00:00:00+00' + i * interval '1 s', now() + interval '1 day', NULL,
            'failed', 'failed', 'expired'
       FROM generate_series(1, 50) AS i`,
    [busy],
  );
  await db.raw('ANALYZE leads');
  return { busy, middle, quiet, expiredOnly };
}

/** The fair-share rule applied to the waiting leads, one pass at a time: the claims each pass must make. */
class FairShareModel {
  private readonly queues = new Map<string, Waiting[]>();
  constructor(
    waiting: Waiting[],
    private readonly inFlight: Map<string, number>,
    private readonly maxInFlight: number,
  ) {
    const byAge = [...waiting].sort(olderFirst);
    for (const lead of byAge) {
      if (!this.queues.has(lead.source)) this.queues.set(lead.source, []);
      this.queues.get(lead.source)!.push(lead);
    }
  }

  claim(limit: number): string[] {
    const flying = [...this.inFlight.values()].reduce((a, b) => a + b, 0);
    const room = Math.max(0, Math.min(this.maxInFlight - flying, limit));
    const candidates = [...this.queues].flatMap(([source, queue]) =>
      queue.slice(0, room).map((lead, k) => ({ lead, key: k + 1 + (this.inFlight.get(source) ?? 0) })),
    );
    const picked = candidates.sort((a, b) => a.key - b.key || olderFirst(a.lead, b.lead)).slice(0, room).map((c) => c.lead);
    // A source's picked leads are the head of its queue (its lower turns come first).
    for (const lead of picked) {
      expect(this.queues.get(lead.source)![0]).toBe(lead);
      this.queues.get(lead.source)!.shift();
      this.inFlight.set(lead.source, (this.inFlight.get(lead.source) ?? 0) + 1);
    }
    return picked.map((l) => l.id);
  }
}

// Postgres orders uuids bytewise, which is the order of their lowercase hex text.
const olderFirst = (a: Waiting, b: Waiting) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

test('with 50,000 leads waiting, each claim takes the leads the fair share picks over the whole backlog, pass after pass', async () => {
  const { busy, middle, quiet, expiredOnly } = await seed();
  const { rows: waiting } = await db.raw<{ rows: Waiting[] }>(
    `SELECT id, source_workspace_id AS source, (extract(epoch FROM created_at) * 1000)::float8 AS "createdMs"
       FROM leads WHERE admitted_at IS NULL AND routing_status = 'pending' AND expires_at > now()`,
  );
  expect(waiting).toHaveLength(WAITING);
  const countOf = (s: string) => waiting.filter((w) => w.source === s).length;
  expect([countOf(busy), countOf(middle), countOf(quiet), countOf(expiredOnly)]).toEqual([40_000, 9_000, 1_000, 0]);

  // 4 leads already in flight; the bound binds at the end: 4 rooms left for the last 32 asked, none after.
  const maxInFlight = 160;
  const model = new FairShareModel(waiting, new Map([[busy, 3], [middle, 1]]), maxInFlight);
  const limits = { maxInFlight, inFlightSeconds: IN_FLIGHT_SECONDS };
  const passes = [1, 1, 1, 1, 1, 1, 1, 1, 5, 7, 2, 32, 1, 1, 64, 32, 32, 1];
  const claims: string[][] = [];
  for (const limit of passes) {
    const expected = model.claim(limit);
    const claimed = (await claimBatch(db, limits, limit)).map((c) => c.id);
    claims.push(claimed);
    expect({ limit, claimed: [...claimed].sort() }).toEqual({ limit, claimed: [...expected].sort() });
  }

  // The rule at work, readable: the quiet source's oldest live lead goes in the first pass (no lead of its
  // in flight), not after the busy source's 40,000; the bound stops the claims at 160 in flight.
  const quietOldest = waiting.filter((w) => w.source === quiet).sort(olderFirst)[0]!.id;
  expect(claims[0]).toEqual([quietOldest]);
  expect(claims.flat()).toHaveLength(maxInFlight - 4);
  expect(claims.at(-1)).toEqual([]);
  const taken = await db('leads').whereIn('id', claims.flat()).whereNotNull('admitted_at').count<{ count: string }[]>('* as count');
  expect(Number(taken[0]!.count)).toBe(maxInFlight - 4);
  expect(await db('leads').where('external_id', 'like', 'expired-%').whereNotNull('admitted_at').count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }]);
});
