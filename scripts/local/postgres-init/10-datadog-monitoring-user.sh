#!/bin/sh
# docker-entrypoint-initdb.d hook of the compose postgres service (first start on an empty data dir):
# creates the Datadog Agent's `datadog` monitoring user in $POSTGRES_DB (scripts/local/datadog-monitoring-user.sql).
set -eu
: "${DD_POSTGRES_PASSWORD:?set DD_POSTGRES_PASSWORD (the Agent's Postgres monitoring user)}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v dd_password="$DD_POSTGRES_PASSWORD" -f /lead-router/datadog-monitoring-user.sql
