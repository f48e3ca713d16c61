import { Client } from 'pg';
import { createTestDatabase } from '../support/stack';

/**
 * Cap periods in the buyer's time zone across daylight-saving changes (migrations/0005_cap_periods_dst.ts):
 * cap_period_start() / cap_next_reset() called directly on a real Postgres, then reserve_capacity() at a
 * fall-back. Expected instants are written out by hand from the zone's rules.
 */

let url: string;
let pg: Client;

beforeAll(async () => {
  ({ url } = await createTestDatabase());
  pg = new Client({ connectionString: url });
  await pg.connect();
});

afterAll(async () => {
  await pg?.end();
});

type Period = 'hourly' | 'daily' | 'monthly';
/** [period, zone, instant, expected period start, expected next reset] */
type Case = [Period, string, string, string, string];

const NY = 'America/New_York';
const LH = 'Australia/Lord_Howe';
const KTM = 'Asia/Kathmandu';

const cases: Record<string, Case[]> = {
  // 2026-11-01 06:00Z: 02:00 EDT (-4) -> 01:00 EST (-5); 01:xx local happens twice.
  'America/New_York fall-back (the regression: each 01:xx hour is its own period)': [
    ['hourly', NY, '2026-11-01T05:10:00Z', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z'],
    ['hourly', NY, '2026-11-01T05:50:00Z', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z'],
    ['hourly', NY, '2026-11-01T06:10:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'],
    ['hourly', NY, '2026-11-01T06:50:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'],
    ['hourly', NY, '2026-11-01T04:59:59Z', '2026-11-01T04:00:00Z', '2026-11-01T05:00:00Z'],
    ['hourly', NY, '2026-11-01T05:59:59.999999Z', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z'],
    ['hourly', NY, '2026-11-01T06:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'],
    // The 25-hour day: 00:00 EDT to 00:00 EST.
    ['daily', NY, '2026-11-01T05:10:00Z', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'],
    ['daily', NY, '2026-11-01T06:50:00Z', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'],
    ['daily', NY, '2026-11-01T03:59:59Z', '2026-10-31T04:00:00Z', '2026-11-01T04:00:00Z'],
    ['daily', NY, '2026-11-02T04:59:59Z', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'],
    ['monthly', NY, '2026-11-01T06:10:00Z', '2026-11-01T04:00:00Z', '2026-12-01T05:00:00Z'],
    ['monthly', NY, '2026-11-20T12:00:00Z', '2026-11-01T04:00:00Z', '2026-12-01T05:00:00Z'],
    ['monthly', NY, '2026-10-31T12:00:00Z', '2026-10-01T04:00:00Z', '2026-11-01T04:00:00Z'],
  ],
  // 2026-03-08 07:00Z: 02:00 EST (-5) -> 03:00 EDT (-4); 02:xx local never happens.
  'America/New_York spring-forward': [
    ['hourly', NY, '2026-03-08T06:30:00Z', '2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z'],
    ['hourly', NY, '2026-03-08T06:59:59Z', '2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z'],
    ['hourly', NY, '2026-03-08T07:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z'],
    ['hourly', NY, '2026-03-08T07:30:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z'],
    // The 23-hour day: 00:00 EST to 00:00 EDT.
    ['daily', NY, '2026-03-08T06:30:00Z', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'],
    ['daily', NY, '2026-03-08T12:00:00Z', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'],
    ['monthly', NY, '2026-03-08T12:00:00Z', '2026-03-01T05:00:00Z', '2026-04-01T04:00:00Z'],
    ['monthly', NY, '2026-03-01T04:59:59Z', '2026-02-01T05:00:00Z', '2026-03-01T05:00:00Z'],
  ],
  // 2026-04-04 15:00Z: 02:00 LHDT (+11) -> 01:30 LHST (+10:30); 01:30-01:59 local happens twice.
  'Australia/Lord_Howe 30-minute fall-back': [
    ['hourly', LH, '2026-04-04T13:59:00Z', '2026-04-04T13:00:00Z', '2026-04-04T14:00:00Z'],
    ['hourly', LH, '2026-04-04T14:10:00Z', '2026-04-04T14:00:00Z', '2026-04-04T15:00:00Z'],
    ['hourly', LH, '2026-04-04T14:50:00Z', '2026-04-04T14:00:00Z', '2026-04-04T15:00:00Z'],
    // 01:30-02:00 LHST: a 30-minute period of its own.
    ['hourly', LH, '2026-04-04T15:00:00Z', '2026-04-04T15:00:00Z', '2026-04-04T15:30:00Z'],
    ['hourly', LH, '2026-04-04T15:20:00Z', '2026-04-04T15:00:00Z', '2026-04-04T15:30:00Z'],
    ['hourly', LH, '2026-04-04T15:30:00Z', '2026-04-04T15:30:00Z', '2026-04-04T16:30:00Z'],
    // 2026-04-05 local: 00:00 +11 to 00:00 +10:30 (24.5 h).
    ['daily', LH, '2026-04-04T15:10:00Z', '2026-04-04T13:00:00Z', '2026-04-05T13:30:00Z'],
    ['monthly', LH, '2026-04-04T15:10:00Z', '2026-03-31T13:00:00Z', '2026-04-30T13:30:00Z'],
  ],
  // 2026-10-03 15:30Z: 02:00 LHST (+10:30) -> 02:30 LHDT (+11); 02:00-02:29 local never happens.
  'Australia/Lord_Howe 30-minute spring-forward': [
    ['hourly', LH, '2026-10-03T15:10:00Z', '2026-10-03T14:30:00Z', '2026-10-03T15:30:00Z'],
    // 02:30-03:00 LHDT: a 30-minute period of its own.
    ['hourly', LH, '2026-10-03T15:30:00Z', '2026-10-03T15:30:00Z', '2026-10-03T16:00:00Z'],
    ['hourly', LH, '2026-10-03T15:45:00Z', '2026-10-03T15:30:00Z', '2026-10-03T16:00:00Z'],
    ['hourly', LH, '2026-10-03T16:00:00Z', '2026-10-03T16:00:00Z', '2026-10-03T17:00:00Z'],
    // 2026-10-04 local: 00:00 +10:30 to 00:00 +11 (23.5 h).
    ['daily', LH, '2026-10-03T15:45:00Z', '2026-10-03T13:30:00Z', '2026-10-04T13:00:00Z'],
    ['monthly', LH, '2026-10-03T15:45:00Z', '2026-09-30T13:30:00Z', '2026-10-31T13:00:00Z'],
  ],
  // +05:45 all year: local hours begin at :15 UTC. Before 1986 it was +05:30: at 1985-12-31 18:30Z local
  // time jumped from 00:00 to 00:15, so 1986-01-01 began at 00:15 and its first hour lasted 45 minutes.
  'Asia/Kathmandu': [
    ['hourly', KTM, '2026-06-15T10:20:00Z', '2026-06-15T10:15:00Z', '2026-06-15T11:15:00Z'],
    ['hourly', KTM, '2026-06-15T10:14:59Z', '2026-06-15T09:15:00Z', '2026-06-15T10:15:00Z'],
    ['daily', KTM, '2026-06-15T10:20:00Z', '2026-06-14T18:15:00Z', '2026-06-15T18:15:00Z'],
    ['daily', KTM, '2026-06-15T18:15:00Z', '2026-06-15T18:15:00Z', '2026-06-16T18:15:00Z'],
    ['monthly', KTM, '2026-06-15T10:20:00Z', '2026-05-31T18:15:00Z', '2026-06-30T18:15:00Z'],
    ['hourly', KTM, '1985-12-31T18:29:59Z', '1985-12-31T17:30:00Z', '1985-12-31T18:30:00Z'],
    ['hourly', KTM, '1985-12-31T18:30:00Z', '1985-12-31T18:30:00Z', '1985-12-31T19:15:00Z'],
    ['daily', KTM, '1985-12-31T19:00:00Z', '1985-12-31T18:30:00Z', '1986-01-01T18:15:00Z'],
    ['monthly', KTM, '1985-12-31T19:00:00Z', '1985-12-31T18:30:00Z', '1986-01-31T18:15:00Z'],
    ['monthly', KTM, '1985-12-31T18:29:59Z', '1985-11-30T18:30:00Z', '1985-12-31T18:30:00Z'],
  ],
  UTC: [
    ['hourly', 'UTC', '2026-11-01T05:10:00Z', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z'],
    ['daily', 'UTC', '2026-02-28T23:59:59.999999Z', '2026-02-28T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['monthly', 'UTC', '2026-02-15T12:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z'],
    ['monthly', 'UTC', '2028-02-29T12:00:00Z', '2028-02-01T00:00:00Z', '2028-03-01T00:00:00Z'],
  ],
};

describe('cap_period_start / cap_next_reset, expected instants by hand', () => {
  test.each(Object.keys(cases))('%s', async (name) => {
    const rows = cases[name]!;
    const { rows: got } = await pg.query(
      `SELECT cap_period_start(c.p, c.tz, c.at) AS start, cap_next_reset(c.p, c.tz, c.at) AS reset
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS c(p, tz, at, i) ORDER BY c.i`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
    const actual = rows.map((r, i) => [...r.slice(0, 3), iso(got[i].start), iso(got[i].reset)]);
    expect(actual).toEqual(rows.map((r) => [...r.slice(0, 3), iso(new Date(r[3])), iso(new Date(r[4]))]));
  });
});

const iso = (d: Date) => d.toISOString();

/**
 * A whole transition day per zone, sampled every 5 minutes (shorter than the shortest period, 30 minutes)
 * and at the change itself: periods contain their instants, tile time without gaps or overlaps, and
 * hourly ones last at most an hour. Hourly and daily periods are also checked against an independent
 * oracle: runs of equal local labels computed minute by minute with Intl (ICU's copy of the tz database).
 */
const days: Array<{ tz: string; from: string; to: string; change?: string }> = [
  { tz: NY, from: '2026-11-01T02:00:00Z', to: '2026-11-02T07:00:00Z', change: '2026-11-01T06:00:00Z' },
  { tz: NY, from: '2026-03-08T03:00:00Z', to: '2026-03-09T06:00:00Z', change: '2026-03-08T07:00:00Z' },
  { tz: LH, from: '2026-04-04T11:00:00Z', to: '2026-04-05T15:00:00Z', change: '2026-04-04T15:00:00Z' },
  { tz: LH, from: '2026-10-03T11:00:00Z', to: '2026-10-04T15:00:00Z', change: '2026-10-03T15:30:00Z' },
  { tz: KTM, from: '1985-12-31T16:00:00Z', to: '1986-01-01T20:00:00Z', change: '1985-12-31T18:30:00Z' },
  { tz: KTM, from: '2026-06-14T16:00:00Z', to: '2026-06-15T20:00:00Z' },
  { tz: 'UTC', from: '2026-10-31T22:00:00Z', to: '2026-11-02T02:00:00Z' },
];

describe('cap periods over a whole transition day (properties)', () => {
  test.each(days.map((d) => [`${d.tz} ${d.from.slice(0, 10)}`, d] as const))('%s', async (_name, day) => {
    const { rows } = await pg.query(
      `WITH instants AS (
         SELECT generate_series($2::timestamptz, $3::timestamptz, interval '5 minutes') AS at
         UNION SELECT $4::timestamptz + d * interval '1 second' FROM unnest('{-1,0,1}'::int[]) d WHERE $4::timestamptz IS NOT NULL
       ), periods AS (
         SELECT p, at, cap_period_start(p, $1, at) AS start, cap_next_reset(p, $1, at) AS reset
           FROM unnest('{hourly,daily,monthly}'::text[]) p, instants
       )
       SELECT p, at, start, reset,
              cap_period_start(p, $1, reset) AS start_at_reset,
              cap_period_start(p, $1, reset - interval '1 microsecond') AS start_before_reset,
              cap_next_reset(p, $1, start) AS reset_from_start
         FROM periods ORDER BY p, at`,
      [day.tz, day.from, day.to, day.change ?? null],
    );
    expect(rows.length).toBeGreaterThan(3 * 300);
    for (const period of ['hourly', 'daily', 'monthly'] as const) {
      const samples = rows.filter((r) => r.p === period);
      const problems: string[] = [];
      const byStart = new Map<number, number>();
      for (const r of samples) {
        const [at, start, reset] = [r.at.getTime(), r.start.getTime(), r.reset.getTime()];
        const where = `${period} at ${iso(r.at)}: [${iso(r.start)}, ${iso(r.reset)})`;
        if (!(start <= at && at < reset)) problems.push(`${where} does not contain it`);
        // The whole period [start, reset) agrees on its bounds, and a reset is the next period's start.
        if (r.start_before_reset.getTime() !== start || r.reset_from_start.getTime() !== reset) problems.push(`${where} is not one period`);
        if (r.start_at_reset.getTime() !== reset) problems.push(`${where}: the reset is not a period start`);
        if (period === 'hourly' && reset - start > 3_600_000) problems.push(`${where} is longer than an hour`);
        if (byStart.has(start) && byStart.get(start) !== reset) problems.push(`${where}: two resets for one start`);
        byStart.set(start, reset);
      }
      // Sorted by start, each period ends where the next begins: no gap, no overlap.
      const periods = [...byStart.entries()].sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < periods.length; i += 1) {
        if (periods[i - 1]![1] !== periods[i]![0]) problems.push(`${period}: period ending ${iso(new Date(periods[i - 1]![1]))} is followed by one starting ${iso(new Date(periods[i]![0]))}`);
      }
      if (period !== 'monthly') {
        const runs = labelRuns(day.tz, period, Date.parse(day.from) - 36 * 3_600_000, Date.parse(day.to) + 36 * 3_600_000);
        for (const r of samples) {
          const at = r.at.getTime();
          const run = runs.find((x) => x.start <= at && at < x.end);
          if (at % 60_000 !== 0 || !run) continue;
          if (run.start !== r.start.getTime() || run.end !== r.reset.getTime()) {
            problems.push(`${period} at ${iso(r.at)}: got [${iso(r.start)}, ${iso(r.reset)}), Intl says [${iso(new Date(run.start))}, ${iso(new Date(run.end))})`);
          }
        }
      }
      expect(problems.slice(0, 20)).toEqual([]);
      if (period === 'hourly') expect(periods.length).toBeGreaterThanOrEqual(24);
    }
  });
});

/** Maximal runs of minutes with the same local label (hour + UTC offset, or day) in zone tz, via Intl. */
function labelRuns(tz: string, period: 'hourly' | 'daily', fromMs: number, toMs: number) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', timeZoneName: 'longOffset',
  });
  const label = (ms: number) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    const day = `${parts.year}-${parts.month}-${parts.day}`;
    return period === 'daily' ? day : `${day} ${parts.hour} ${parts.timeZoneName}`;
  };
  const runs: Array<{ start: number; end: number }> = [];
  let start = Math.ceil(fromMs / 60_000) * 60_000;
  let current = label(start);
  for (let m = start + 60_000; m <= toMs; m += 60_000) {
    const next = label(m);
    if (next !== current) {
      runs.push({ start, end: m });
      [start, current] = [m, next];
    }
  }
  return runs.slice(1); // the first run was cut by the window
}

/**
 * reserve_capacity() takes the time from now(). To run it at a fall-back, this session resolves now()
 * to a function in a schema searched before pg_catalog; reserve_capacity() itself is unchanged.
 */
describe('reserve_capacity at the New York fall-back', () => {
  test('each 01:xx hour has its own hourly cap; a capped lead waits for the end of its own hour', async () => {
    const clock = new Client({ connectionString: url });
    await clock.connect();
    try {
      await clock.query(`
        CREATE SCHEMA fake_clock;
        CREATE FUNCTION fake_clock.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT current_setting('fake_clock.now')::timestamptz $$;
        SET search_path = fake_clock, public, pg_catalog;
        SET timezone = 'UTC';
      `);
      const { rows: [source] } = await clock.query(
        "INSERT INTO workspaces (name, kind, api_key_hash) VALUES ('Source', 'source', 'not-a-real-hash') RETURNING id");
      const { rows: [buyer] } = await clock.query(
        "INSERT INTO workspaces (name, kind, timezone, cap_hourly, cap_daily, cap_monthly) VALUES ('NY buyer', 'partner', $1, 1, 100, 1000) RETURNING id", [NY]);
      const reserveAt = async (at: string) => {
        await clock.query("SELECT set_config('fake_clock.now', $1, false)", [at]);
        const { rows: [lead] } = await clock.query(
          "INSERT INTO leads (source_workspace_id, external_id, payload, email_hash, expires_at) VALUES ($1, $2, '{}', 'h', $3::timestamptz + interval '1 day') RETURNING id",
          [source.id, `dst-${at}`, at]);
        const { rows: [r] } = await clock.query('SELECT * FROM reserve_capacity($1, $2, NULL, NULL, NULL)', [lead.id, buyer.id]);
        return { reserved: r.reserved as boolean, cappedPeriod: r.capped_period as string | null, nextResetAt: r.next_reset_at ? iso(r.next_reset_at) : null };
      };

      expect(await reserveAt('2026-11-01T05:10:00Z')).toEqual({ reserved: true, cappedPeriod: null, nextResetAt: null });
      expect(await reserveAt('2026-11-01T05:50:00Z')).toEqual({ reserved: false, cappedPeriod: 'hourly', nextResetAt: '2026-11-01T06:00:00.000Z' });
      expect(await reserveAt('2026-11-01T06:10:00Z')).toEqual({ reserved: true, cappedPeriod: null, nextResetAt: null });
      expect(await reserveAt('2026-11-01T06:50:00Z')).toEqual({ reserved: false, cappedPeriod: 'hourly', nextResetAt: '2026-11-01T07:00:00.000Z' });

      const { rows: counters } = await clock.query(
        'SELECT period, period_start, used FROM capacity_counters WHERE workspace_id = $1 ORDER BY period, period_start', [buyer.id]);
      expect(counters.map((c) => [c.period, iso(c.period_start), c.used])).toEqual([
        ['daily', '2026-11-01T04:00:00.000Z', 2],
        ['hourly', '2026-11-01T05:00:00.000Z', 1],
        ['hourly', '2026-11-01T06:00:00.000Z', 1],
        ['monthly', '2026-11-01T04:00:00.000Z', 2],
      ]);
    } finally {
      await clock.end();
    }
  });
});
