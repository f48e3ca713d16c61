import type { Knex } from 'knex';

/**
 * The routing engine's state (DESIGN §6), each piece made safe under concurrency by the database:
 *  - identity_claims: the first lead to claim a person's email/phone hash within the dedupe window owns
 *    it; a concurrent claim of the same key waits on the primary key, then sees the owner (invariant 3).
 *  - capacity_counters + reserve_capacity(): a destination's hourly/daily/monthly usage, in its own time
 *    zone, checked and incremented under row locks in the same transaction as the decision (invariant 4);
 *    release_capacity() gives a reservation back when the buyer rejects the lead.
 *  - rule_destination_counters: assignments per rule and destination, locked while choosing, so weighted
 *    and round-robin splits stay exact under concurrent routing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE routing_rules ADD COLUMN deleted_at timestamptz;
    DROP INDEX routing_rules_enabled_priority;
    CREATE INDEX routing_rules_active_priority ON routing_rules (priority) WHERE enabled AND deleted_at IS NULL;

    CREATE TABLE identity_claims (
      key_hash    text PRIMARY KEY,
      lead_id     uuid NOT NULL REFERENCES leads(id),
      claimed_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX identity_claims_lead ON identity_claims (lead_id);

    CREATE TABLE rule_destination_counters (
      rule_id       uuid NOT NULL REFERENCES routing_rules(id) ON DELETE CASCADE,
      workspace_id  uuid NOT NULL REFERENCES workspaces(id),
      assigned      bigint NOT NULL DEFAULT 0 CHECK (assigned >= 0),
      PRIMARY KEY (rule_id, workspace_id)
    );

    CREATE TABLE capacity_counters (
      workspace_id  uuid NOT NULL REFERENCES workspaces(id),
      period        text NOT NULL CHECK (period IN ('hourly', 'daily', 'monthly')),
      period_start  timestamptz NOT NULL,
      used          integer NOT NULL DEFAULT 0 CHECK (used >= 0),
      PRIMARY KEY (workspace_id, period, period_start)
    );

    CREATE TABLE capacity_reservations (
      id              bigserial PRIMARY KEY,
      lead_id         uuid NOT NULL REFERENCES leads(id),
      workspace_id    uuid NOT NULL REFERENCES workspaces(id),
      rule_id         uuid REFERENCES routing_rules(id),
      rule_version    integer,
      hour_start      timestamptz NOT NULL,
      day_start       timestamptz NOT NULL,
      month_start     timestamptz NOT NULL,
      decision        jsonb,
      created_at      timestamptz NOT NULL DEFAULT now(),
      released_at     timestamptz,
      release_reason  text,
      CONSTRAINT released_with_reason CHECK ((released_at IS NULL) = (release_reason IS NULL))
    );
    -- A lead holds at most one live reservation: deciding again (an activity retry) finds it.
    CREATE UNIQUE INDEX capacity_reservations_one_live ON capacity_reservations (lead_id) WHERE released_at IS NULL;

    -- Start of the hour / day / month containing p_at, in the destination's time zone.
    CREATE FUNCTION cap_period_start(p_period text, p_tz text, p_at timestamptz) RETURNS timestamptz
    LANGUAGE sql STABLE AS $$
      SELECT date_trunc(CASE p_period WHEN 'hourly' THEN 'hour' WHEN 'daily' THEN 'day' ELSE 'month' END,
                        p_at AT TIME ZONE p_tz) AT TIME ZONE p_tz
    $$;
    CREATE FUNCTION cap_next_reset(p_period text, p_tz text, p_at timestamptz) RETURNS timestamptz
    LANGUAGE sql STABLE AS $$
      SELECT (date_trunc(CASE p_period WHEN 'hourly' THEN 'hour' WHEN 'daily' THEN 'day' ELSE 'month' END,
                         p_at AT TIME ZONE p_tz)
              + CASE p_period WHEN 'hourly' THEN interval '1 hour' WHEN 'daily' THEN interval '1 day' ELSE interval '1 month' END)
             AT TIME ZONE p_tz
    $$;

    -- The first of a destination's caps that is used up in the current periods, or NULL.
    CREATE FUNCTION cap_full_period(p_workspace_id uuid, starts jsonb, p_hourly integer, p_daily integer, p_monthly integer)
    RETURNS text LANGUAGE sql STABLE AS $$
      SELECT c.period FROM capacity_counters c
       WHERE c.workspace_id = p_workspace_id
         AND c.period_start = (starts ->> c.period)::timestamptz
         AND c.used >= CASE c.period WHEN 'hourly' THEN p_hourly WHEN 'daily' THEN p_daily ELSE p_monthly END
       ORDER BY c.period = 'hourly' DESC, c.period = 'daily' DESC
       LIMIT 1
    $$;

    -- Reserve one unit of a destination's capacity for a lead, or say which cap is full and when it resets.
    CREATE FUNCTION reserve_capacity(p_lead_id uuid, p_workspace_id uuid, p_rule_id uuid, p_rule_version integer, p_decision jsonb)
    RETURNS TABLE (reserved boolean, capped_period text, next_reset_at timestamptz, reservation_id bigint)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      ws workspaces%ROWTYPE;
      t timestamptz := now();
      starts jsonb;
      full_period text;
      new_id bigint;
    BEGIN
      SELECT * INTO ws FROM workspaces w WHERE w.id = p_workspace_id;
      IF NOT FOUND OR ws.kind <> 'partner' OR NOT ws.enabled THEN
        RETURN QUERY SELECT false, 'disabled'::text, NULL::timestamptz, NULL::bigint;
        RETURN;
      END IF;
      starts := jsonb_build_object(
        'hourly', cap_period_start('hourly', ws.timezone, t),
        'daily', cap_period_start('daily', ws.timezone, t),
        'monthly', cap_period_start('monthly', ws.timezone, t));

      INSERT INTO capacity_counters (workspace_id, period, period_start)
      SELECT p_workspace_id, e.key, (e.value #>> '{}')::timestamptz FROM jsonb_each(starts) e
      ON CONFLICT DO NOTHING;

      -- A full destination is answered from an unlocked read, so it never holds locks that others wait on;
      -- otherwise lock its three counters (fixed order: reservers cannot deadlock here) and check again.
      full_period := cap_full_period(p_workspace_id, starts, ws.cap_hourly, ws.cap_daily, ws.cap_monthly);
      IF full_period IS NULL THEN
        PERFORM 1 FROM capacity_counters c
         WHERE c.workspace_id = p_workspace_id AND c.period_start = (starts ->> c.period)::timestamptz
         ORDER BY c.period FOR UPDATE;
        full_period := cap_full_period(p_workspace_id, starts, ws.cap_hourly, ws.cap_daily, ws.cap_monthly);
      END IF;
      IF full_period IS NOT NULL THEN
        RETURN QUERY SELECT false, full_period, cap_next_reset(full_period, ws.timezone, t), NULL::bigint;
        RETURN;
      END IF;

      UPDATE capacity_counters c SET used = c.used + 1
       WHERE c.workspace_id = p_workspace_id AND c.period_start = (starts ->> c.period)::timestamptz;
      INSERT INTO capacity_reservations (lead_id, workspace_id, rule_id, rule_version, hour_start, day_start, month_start, decision)
      VALUES (p_lead_id, p_workspace_id, p_rule_id, p_rule_version,
              (starts ->> 'hourly')::timestamptz, (starts ->> 'daily')::timestamptz, (starts ->> 'monthly')::timestamptz, p_decision)
      RETURNING id INTO new_id;
      RETURN QUERY SELECT true, NULL::text, NULL::timestamptz, new_id;
    END $$;

    -- Give back a lead's live reservation (buyer rejected it). Idempotent: no live reservation, no change.
    CREATE FUNCTION release_capacity(p_lead_id uuid, p_reason text) RETURNS uuid
    LANGUAGE plpgsql AS $$
    DECLARE
      r capacity_reservations%ROWTYPE;
    BEGIN
      UPDATE capacity_reservations SET released_at = now(), release_reason = p_reason
       WHERE lead_id = p_lead_id AND released_at IS NULL
      RETURNING * INTO r;
      IF NOT FOUND THEN
        RETURN NULL;
      END IF;
      UPDATE capacity_counters c SET used = c.used - 1
       WHERE c.workspace_id = r.workspace_id
         AND ((c.period = 'hourly' AND c.period_start = r.hour_start)
           OR (c.period = 'daily' AND c.period_start = r.day_start)
           OR (c.period = 'monthly' AND c.period_start = r.month_start));
      RETURN r.workspace_id;
    END $$;

    -- A lead that ends failed gives up its identity claims: the person may be routed from another lead.
    CREATE FUNCTION leads_release_claims_on_failure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.routing_status IN ('failed', 'expired') AND OLD.routing_status NOT IN ('failed', 'expired') THEN
        DELETE FROM identity_claims WHERE lead_id = NEW.id;
        PERFORM release_capacity(NEW.id, 'lead_' || NEW.routing_status);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER leads_release_claims_on_failure AFTER UPDATE OF routing_status ON leads
      FOR EACH ROW EXECUTE FUNCTION leads_release_claims_on_failure();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS leads_release_claims_on_failure ON leads;
    DROP FUNCTION IF EXISTS leads_release_claims_on_failure(), release_capacity(uuid, text),
      reserve_capacity(uuid, uuid, uuid, integer, jsonb), cap_full_period(uuid, jsonb, integer, integer, integer), cap_next_reset(text, text, timestamptz), cap_period_start(text, text, timestamptz);
    DROP TABLE IF EXISTS capacity_reservations, capacity_counters, rule_destination_counters, identity_claims;
    DROP INDEX IF EXISTS routing_rules_active_priority;
    CREATE INDEX routing_rules_enabled_priority ON routing_rules (priority) WHERE enabled;
    ALTER TABLE routing_rules DROP COLUMN IF EXISTS deleted_at;
  `);
}
