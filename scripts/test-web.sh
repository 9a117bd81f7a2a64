#!/usr/bin/env bash
# Component tests of the SPA (Vitest + jsdom, web/test/) and a production
# build of it. Ends with "web-unit: N passed, M failed" (counted by scripts/test.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

summary() { echo "web-unit: $1 passed, $2 failed"; exit "$3"; }
command -v npm >/dev/null || ensure_browser_tools
ensure_web_deps || summary 0 1 1
report=$(mktemp)
trap 'rm -f "$report"' EXIT
(cd web && npx vitest run --reporter=default --reporter=json --outputFile="$report")
rc=$?
read -r passed failed < <(node -e '
  try { const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(r.numPassedTests, r.numFailedTests + (r.numTotalTests ? 0 : 1)); }
  catch { console.log("0 1"); }' "$report")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
log "vite build (web/dist)"
(cd web && npx vite build --logLevel warn) || { failed=$((failed + 1)); rc=1; }
summary "$passed" "$failed" "$rc"
