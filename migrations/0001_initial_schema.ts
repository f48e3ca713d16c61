import type { Knex } from 'knex';

/**
 * Initial schema (DESIGN §4). The database itself enforces the routing invariants of DESIGN §5:
 *  - one lead per (source, externalId)                       -> unique constraint           (invariant 2)
 *  - lifecycle consistency (a routed lead has exactly one
 *    destination or duplicate_of; a lock exists only while routing)  -> check constraints
 *  - a routed lead never changes its decision                 -> trigger leads_routed_is_final (invariant 1)
 *  - the lock is re-entrant and only taken over when stale    -> acquire_routing_lock()       (invariant 5)
 *  - only the lock owner completes routing                    -> complete_routing()           (invariant 1)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE workspaces (
      id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      kind            text NOT NULL CHECK (kind IN ('source', 'partner')),
      api_key_hash    text UNIQUE,
      api_key_prefix  text,
      delivery_url    text,
      signing_secret  text,
      timezone        text NOT NULL DEFAULT 'UTC',
      cap_hourly      integer CHECK (cap_hourly > 0),
      cap_daily       integer CHECK (cap_daily > 0),
      cap_monthly     integer CHECK (cap_monthly > 0),
      enabled         boolean NOT NULL DEFAULT true,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT sources_have_a_key CHECK (kind <> 'source' OR api_key_hash IS NOT NULL)
    );

    CREATE TABLE routing_rules (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      priority            integer NOT NULL,
      source_workspace_id uuid REFERENCES workspaces(id),
      conditions          jsonb NOT NULL DEFAULT '{}'::jsonb,
      destinations        jsonb NOT NULL CHECK (jsonb_typeof(destinations) = 'array' AND jsonb_array_length(destinations) > 0),
      distribution        text NOT NULL DEFAULT 'priority' CHECK (distribution IN ('priority', 'weighted', 'round_robin')),
      enabled             boolean NOT NULL DEFAULT true,
      version             integer NOT NULL DEFAULT 1,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX routing_rules_enabled_priority ON routing_rules (priority) WHERE enabled;

    -- Every version of every rule is kept, written by the database so no code path can skip it.
    CREATE TABLE routing_rule_versions (
      rule_id     uuid NOT NULL REFERENCES routing_rules(id) ON DELETE CASCADE,
      version     integer NOT NULL,
      definition  jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (rule_id, version)
    );
    CREATE FUNCTION routing_rules_keep_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
      END IF;
      INSERT INTO routing_rule_versions (rule_id, version, definition)
      VALUES (NEW.id, NEW.version, to_jsonb(NEW) - 'created_at' - 'updated_at');
      RETURN NEW;
    END $$;
    CREATE TRIGGER routing_rules_keep_version_insert AFTER INSERT ON routing_rules
      FOR EACH ROW EXECUTE FUNCTION routing_rules_keep_version();
    CREATE TRIGGER routing_rules_bump_version BEFORE UPDATE ON routing_rules
      FOR EACH ROW EXECUTE FUNCTION routing_rules_keep_version();

    CREATE TABLE leads (
      id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      source_workspace_id       uuid NOT NULL REFERENCES workspaces(id),
      external_id               text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
      email_hash                text,
      phone_hash                text,
      payload                   jsonb NOT NULL,
      routing_status            text NOT NULL DEFAULT 'pending'
                                CHECK (routing_status IN ('pending', 'routing', 'routed', 'failed', 'expired')),
      routing_result            text CHECK (routing_result IN ('success', 'duplicate', 'failed')),
      destination_workspace_id  uuid REFERENCES workspaces(id),
      matched_rule_id           uuid REFERENCES routing_rules(id),
      matched_rule_version      integer,
      duplicate_of_lead_id      uuid REFERENCES leads(id),
      routing_lock_owner        text,
      routing_locked_at         timestamptz,
      routing_attempts          integer NOT NULL DEFAULT 0,
      last_error                text,
      decision                  jsonb,
      created_at                timestamptz NOT NULL DEFAULT now(),
      routing_started_at        timestamptz,
      routed_at                 timestamptz,
      updated_at                timestamptz NOT NULL DEFAULT now(),
      expires_at                timestamptz NOT NULL,
      CONSTRAINT leads_one_per_external_id UNIQUE (source_workspace_id, external_id),
      CONSTRAINT leads_have_an_identity CHECK (email_hash IS NOT NULL OR phone_hash IS NOT NULL),
      CONSTRAINT leads_lock_only_while_routing
        CHECK ((routing_status = 'routing') = (routing_lock_owner IS NOT NULL AND routing_locked_at IS NOT NULL)),
      CONSTRAINT leads_routed_has_outcome CHECK (
        routing_status <> 'routed' OR (routing_result IN ('success', 'duplicate') AND routed_at IS NOT NULL)),
      CONSTRAINT leads_failed_has_reason CHECK (
        routing_status <> 'failed' OR (routing_result = 'failed' AND last_error IS NOT NULL)),
      CONSTRAINT leads_result_only_when_decided CHECK (
        routing_result IS NULL OR routing_status IN ('routed', 'failed')),
      CONSTRAINT leads_success_has_one_destination CHECK (
        routing_result IS DISTINCT FROM 'success' OR (destination_workspace_id IS NOT NULL AND duplicate_of_lead_id IS NULL)),
      CONSTRAINT leads_duplicate_has_original CHECK (
        routing_result IS DISTINCT FROM 'duplicate' OR (duplicate_of_lead_id IS NOT NULL AND destination_workspace_id IS NULL)),
      CONSTRAINT leads_destination_only_when_routed CHECK (
        destination_workspace_id IS NULL OR routing_result = 'success')
    );

    -- Invariant 1 at the lowest level: once routed, a lead's decision can never be rewritten.
    CREATE FUNCTION leads_routed_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.routing_status = 'routed' AND (
           NEW.routing_status IS DISTINCT FROM OLD.routing_status
        OR NEW.routing_result IS DISTINCT FROM OLD.routing_result
        OR NEW.destination_workspace_id IS DISTINCT FROM OLD.destination_workspace_id
        OR NEW.duplicate_of_lead_id IS DISTINCT FROM OLD.duplicate_of_lead_id) THEN
        RAISE EXCEPTION 'lead % is already routed; its decision is final', OLD.id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'leads_routed_is_final';
      END IF;
      NEW.updated_at := now();
      RETURN NEW;
    END $$;
    CREATE TRIGGER leads_routed_is_final BEFORE UPDATE ON leads
      FOR EACH ROW EXECUTE FUNCTION leads_routed_is_final();

    -- Indexes for the SLO / monitor / maintenance queries (each an index scan over its window).
    CREATE INDEX leads_created_at ON leads (created_at);
    CREATE INDEX leads_routed_at ON leads (routed_at) WHERE routing_status = 'routed';
    CREATE INDEX leads_locked_at ON leads (routing_locked_at) WHERE routing_status = 'routing';
    CREATE INDEX leads_expiry ON leads (expires_at) WHERE routing_status IN ('pending', 'routing');
    CREATE INDEX leads_expired_recent ON leads (updated_at, source_workspace_id) WHERE routing_status = 'expired';
    CREATE INDEX leads_email_hash ON leads (email_hash, created_at) WHERE email_hash IS NOT NULL;
    CREATE INDEX leads_phone_hash ON leads (phone_hash, created_at) WHERE phone_hash IS NOT NULL;
    CREATE INDEX leads_destination ON leads (destination_workspace_id, routed_at) WHERE destination_workspace_id IS NOT NULL;

    CREATE TABLE lead_routing_logs (
      id                        bigserial PRIMARY KEY,
      lead_id                   uuid NOT NULL REFERENCES leads(id),
      workspace_id              uuid NOT NULL REFERENCES workspaces(id),
      destination_workspace_id  uuid REFERENCES workspaces(id),
      routing_result            text NOT NULL CHECK (routing_result IN ('success', 'duplicate', 'failed')),
      matched_rule_id           uuid REFERENCES routing_rules(id),
      matched_rule_version      integer,
      duplicate_of_lead_id      uuid REFERENCES leads(id),
      duration_ms               integer NOT NULL CHECK (duration_ms >= 0),
      attempt                   integer NOT NULL CHECK (attempt >= 1),
      lock_owner_id             text NOT NULL,
      error_code                text,
      error_message             text,
      decision                  jsonb,
      created_at                timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX lead_routing_logs_created_at ON lead_routing_logs (created_at, routing_result);
    CREATE INDEX lead_routing_logs_workspace ON lead_routing_logs (workspace_id, created_at);
    CREATE INDEX lead_routing_logs_lead ON lead_routing_logs (lead_id);

    CREATE TABLE lead_routing_queue (
      id              bigserial PRIMARY KEY,
      lead_id         uuid NOT NULL REFERENCES leads(id),
      workspace_id    uuid NOT NULL REFERENCES workspaces(id),
      attempt_number  integer NOT NULL CHECK (attempt_number >= 1),
      next_retry_at   timestamptz NOT NULL,
      processed_at    timestamptz,
      last_error      text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT lead_routing_queue_one_row_per_attempt UNIQUE (lead_id, attempt_number)
    );
    CREATE INDEX lead_routing_queue_due ON lead_routing_queue (next_retry_at) WHERE processed_at IS NULL;
    CREATE INDEX lead_routing_queue_workspace_due ON lead_routing_queue (workspace_id, next_retry_at) WHERE processed_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS lead_routing_queue, lead_routing_logs, leads, routing_rule_versions, routing_rules, workspaces CASCADE;
    DROP FUNCTION IF EXISTS leads_routed_is_final(), routing_rules_keep_version();
  `);
}
