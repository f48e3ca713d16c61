#!/usr/bin/env bash
# `make test`: from a fresh clone, installs what is needed, type-checks, lints, then runs every jest
# suite; integration suites start their own Postgres and Temporal dev server (test/support/globalSetup.ts).
# The last line is the summary CI reads: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
bash scripts/ensure-deps.sh
export PATH="$PWD/.tools/venv/bin:$PWD/.tools/go/bin:$PATH"

echo "== typecheck" && npx tsc --noEmit
echo "== lint" && npx eslint --max-warnings=0 .

mkdir -p .data
results=.data/jest-results.json
rm -f "$results"
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
if [ -f "$results" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$PWD/$results"
else
  echo "0 passed, 1 failed"
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
