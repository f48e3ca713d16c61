#!/usr/bin/env bash
# `make dev`: installs what is missing, then runs the whole stack in the foreground (scripts/dev.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
bash scripts/ensure-deps.sh
export PATH="$PWD/.tools/venv/bin:$PWD/.tools/go/bin:$PATH"
exec node --import tsx scripts/dev.ts "$@"
