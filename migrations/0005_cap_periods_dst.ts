import type { Knex } from 'knex';

/**
 * Cap periods that stay right across daylight-saving changes (issue 7, item 10).
 *
 * 0003's cap_period_start() / cap_next_reset() truncated the local time and converted the label back with
 * AT TIME ZONE, which picks one of the two instants of a repeated local time. At a fall-back in
 * America/New_York both 01:xx hours (05:xx Z in EDT, 06:xx Z in EST) got the period 06:00Z-07:00Z: the
 * first hour's counter started in the future and was shared with the second hour.
 *
 * A period is now the longest stretch of instants around p_at that carry the same local label in the
 * buyer's zone (date_trunc of the local time to hour / day / month); for hourly periods the UTC offset is
 * part of the label, so a repeated hour is two periods and the partial hour of a 30-minute shift
 * (Australia/Lord_Howe) is a short period of its own. cap_period_start() is the first instant of that
 * stretch and cap_next_reset() the first instant after p_at outside it. Same signatures, so
 * reserve_capacity() keeps calling them.
 *
 * Cost: reserve_capacity() computes three starts per lead, so the usual case is answered from two or three
 * time-zone conversions (the label's start at p_at's offset, checked by the offset there and a second
 * earlier), and a change at a label boundary (New York's, at the hour) from one or two more. Only a period
 * next to a change off its label boundaries (Lord_Howe's half hours; a day that a spring-forward at
 * midnight starts at 01:00) looks for the change by bisection, about 20 more conversions (1-second
 * resolution: the tz database's changes fall on whole seconds). The reasoning assumes at most one offset
 * change within about a period of p_at: the tz database's changes are at least 7 days apart, and where two
 * fall in one month they do not move local time across the month's ends.
 *
 * Existing counters need no data migration: away from an offset change the new start equals the old one.
 * Counters and reservations written by 0003's functions keep their recorded starts (release_capacity()
 * finds them by those); the one overlap is a deploy inside a fall-back's first repeated hour, whose leads
 * were counted under the second hour's start and still are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The UTC offset of zone p_tz at p_at (local time minus UTC time).
    CREATE FUNCTION cap_utc_offset(p_tz text, p_at timestamptz) RETURNS interval
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT (p_at AT TIME ZONE p_tz) - (p_at AT TIME ZONE 'UTC')
    $$;

    -- The first whole second in (p_from, p_to] at which zone p_tz's UTC offset differs from its offset at
    -- p_from. The caller knows the offsets at p_from and p_to differ, and that only one change lies between.
    CREATE FUNCTION cap_offset_change(p_tz text, p_from timestamptz, p_to timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
      before constant interval := cap_utc_offset(p_tz, p_from);
      lo bigint := floor(extract(epoch FROM p_from));
      hi bigint := floor(extract(epoch FROM p_to));
      mid bigint;
    BEGIN
      WHILE hi - lo > 1 LOOP
        mid := lo + (hi - lo) / 2;
        IF cap_utc_offset(p_tz, to_timestamp(mid)) = before THEN lo := mid; ELSE hi := mid; END IF;
      END LOOP;
      RETURN to_timestamp(hi);
    END $$;

    -- First instant of the hour / day / month period containing p_at, in the destination's time zone.
    CREATE OR REPLACE FUNCTION cap_period_start(p_period text, p_tz text, p_at timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
      unit constant text := CASE p_period WHEN 'hourly' THEN 'hour' WHEN 'daily' THEN 'day' ELSE 'month' END;
      step constant interval := CASE p_period WHEN 'hourly' THEN interval '1 hour' WHEN 'daily' THEN interval '1 day' ELSE interval '1 month' END;
      loc timestamp;
      label timestamp;
      off interval;
      cand timestamptz;
      cand_off interval;
      early timestamptz;
      change timestamptz;
      pre_loc timestamp;
    BEGIN
      IF NOT isfinite(p_at) THEN
        RETURN p_at;
      END IF;
      loc := p_at AT TIME ZONE p_tz;
      label := date_trunc(unit, loc);
      off := loc - (p_at AT TIME ZONE 'UTC');
      -- Where the label began if the offset has not changed since.
      cand := (label - off) AT TIME ZONE 'UTC';
      cand_off := cap_utc_offset(p_tz, cand);
      IF cand_off = off THEN
        -- No change between cand and p_at (local time ran on from the label's start): the usual case,
        -- unless the offset changed exactly at cand.
        IF cap_utc_offset(p_tz, cand - interval '1 second') = off THEN
          RETURN cand;
        END IF;
        change := cand;
      ELSE
        -- The offset changed (once) between cand and p_at. Local time runs through the label after the
        -- change; for a day or month, the label may also have begun before it, at the earlier offset,
        -- and it has if that start lies before the change and the label had not ended by the change.
        IF unit <> 'hour' THEN
          early := (label - cand_off) AT TIME ZONE 'UTC';
          IF cap_utc_offset(p_tz, early) = cand_off
             AND cap_utc_offset(p_tz, (label + step - cand_off) AT TIME ZONE 'UTC') = off THEN
            RETURN early;
          END IF;
        END IF;
        change := cap_offset_change(p_tz, cand, p_at);
      END IF;
      -- The period began at the change, unless the label was the same just before it (a day or month
      -- running through a change: it began at the label's start at the earlier offset).
      pre_loc := (change - interval '1 second') AT TIME ZONE p_tz;
      IF unit = 'hour' OR date_trunc(unit, pre_loc) <> label THEN
        RETURN change;
      END IF;
      RETURN (label - (pre_loc - ((change - interval '1 second') AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC';
    END $$;

    -- First instant after p_at that is in another period (when the capacity of the current one resets).
    CREATE OR REPLACE FUNCTION cap_next_reset(p_period text, p_tz text, p_at timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
      unit constant text := CASE p_period WHEN 'hourly' THEN 'hour' WHEN 'daily' THEN 'day' ELSE 'month' END;
      step constant interval := CASE p_period WHEN 'hourly' THEN interval '1 hour' WHEN 'daily' THEN interval '1 day' ELSE interval '1 month' END;
      loc timestamp;
      label timestamp;
      off interval;
      next_label timestamp;
      cand timestamptz;
      cand_off interval;
      late timestamptz;
      change timestamptz;
    BEGIN
      IF NOT isfinite(p_at) THEN
        RETURN p_at;
      END IF;
      loc := p_at AT TIME ZONE p_tz;
      label := date_trunc(unit, loc);
      off := loc - (p_at AT TIME ZONE 'UTC');
      next_label := label + step;
      -- Where the next label begins if the offset does not change before.
      cand := (next_label - off) AT TIME ZONE 'UTC';
      cand_off := cap_utc_offset(p_tz, cand);
      IF cand_off = off THEN
        RETURN cand; -- no change between p_at and cand: the usual case
      END IF;
      -- The offset changes (once) between p_at and cand. Usually exactly at cand (an hour boundary).
      IF cap_utc_offset(p_tz, cand - interval '1 second') = off THEN
        change := cand;
      ELSE
        -- For a day or month, the label may run on through the change, at the later offset: it does if the
        -- change comes after the label's start and before its end, both taken at the later offset.
        IF unit <> 'hour' THEN
          late := (next_label - cand_off) AT TIME ZONE 'UTC';
          IF cap_utc_offset(p_tz, late - interval '1 second') = cand_off
             AND ((label - cand_off) AT TIME ZONE 'UTC' <= p_at
                  OR cap_utc_offset(p_tz, (label - cand_off) AT TIME ZONE 'UTC' - interval '1 second') = off) THEN
            RETURN late;
          END IF;
        END IF;
        change := cap_offset_change(p_tz, p_at, cand);
      END IF;
      -- The period ends at the change, unless the label is the same just after it (a day or month running
      -- through a change: it ends at the next label's start at the later offset).
      IF unit = 'hour' OR date_trunc(unit, change AT TIME ZONE p_tz) <> label THEN
        RETURN change;
      END IF;
      RETURN (next_label - cap_utc_offset(p_tz, change)) AT TIME ZONE 'UTC';
    END $$;
  `);
}

/** Back to 0003's definitions (wrong at a fall-back, see above). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION cap_period_start(p_period text, p_tz text, p_at timestamptz) RETURNS timestamptz
    LANGUAGE sql STABLE AS $$
      SELECT date_trunc(CASE p_period WHEN 'hourly' THEN 'hour' WHEN 'daily' THEN 'day' ELSE 'month' END,
                        p_at AT TIME ZONE p_tz) AT TIME ZONE p_tz
    $$;
    CREATE OR REPLACE FUNCTION cap_next_reset(p_period text, p_tz text, p_at timestamptz) RETURNS timestamptz
    LANGUAGE sql STABLE AS $$
      SELECT (date_trunc(CASE p_period WHEN 'hourly' THEN 'hour' WHEN 'daily' THEN 'day' ELSE 'month' END,
                         p_at AT TIME ZONE p_tz)
              + CASE p_period WHEN 'hourly' THEN interval '1 hour' WHEN 'daily' THEN interval '1 day' ELSE interval '1 month' END)
             AT TIME ZONE p_tz
    $$;
    DROP FUNCTION IF EXISTS cap_offset_change(text, timestamptz, timestamptz), cap_utc_offset(text, timestamptz);
  `);
}
