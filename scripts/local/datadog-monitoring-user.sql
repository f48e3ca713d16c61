-- The `datadog` monitoring user the Datadog Agent's Postgres check logs in as (docker-compose.yml, labels
-- of the postgres service), with what the check and Database Monitoring need, per Datadog's Postgres 15
-- setup: pg_monitor (pg_stat_activity with every session's query, pg_stat_database, pg_locks, pg_settings,
-- pg_stat_user_tables and _indexes for the relations' bloat and index usage), pg_stat_statements for the
-- query metrics, and a `datadog` schema with the SECURITY DEFINER explain function DBM uses for plans.
-- Read-only: the user can read statistics, not the tables (no PII is readable to it; query texts are
-- parameterised, and the Agent obfuscates literals before anything leaves the host).
--
-- psql variable dd_password (the Agent's DD_POSTGRES_PASSWORD). Idempotent: safe to re-run by hand on a
-- database created before this file existed (the compose init hook runs only on an empty data dir):
--   docker compose exec -e DD_POSTGRES_PASSWORD postgres sh /docker-entrypoint-initdb.d/10-datadog-monitoring-user.sh
\set ON_ERROR_STOP on

SELECT 'CREATE ROLE datadog LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'datadog') \gexec
ALTER ROLE datadog WITH LOGIN INHERIT PASSWORD :'dd_password';
GRANT pg_monitor TO datadog;

CREATE SCHEMA IF NOT EXISTS datadog;
GRANT USAGE ON SCHEMA datadog TO datadog;
GRANT USAGE ON SCHEMA public TO datadog;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public;

-- EXPLAIN (not ANALYZE: nothing is executed) of a sampled query, as the owner, for DBM's plans.
CREATE OR REPLACE FUNCTION datadog.explain_statement(l_query text, OUT explain json)
RETURNS SETOF json AS $$
DECLARE
  curs refcursor;
  plan json;
BEGIN
  OPEN curs FOR EXECUTE pg_catalog.concat('EXPLAIN (FORMAT JSON) ', l_query);
  FETCH curs INTO plan;
  CLOSE curs;
  RETURN QUERY SELECT plan;
END;
$$ LANGUAGE plpgsql RETURNS NULL ON NULL INPUT SECURITY DEFINER;
