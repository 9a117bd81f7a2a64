#!/usr/bin/env bash
# Runs every check and test, then prints the totals. Called by `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

status=0
step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --all -- --check || status=1
else
    log "warning: rustfmt unavailable, format check skipped"
fi

step "cargo clippy --all-targets -- -D warnings"
if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --workspace --all-targets --locked -- -D warnings || status=1
else
    log "warning: clippy unavailable, lint skipped"
fi

step "cargo test (unit and integration, real MariaDB + Redis)"
out=$(mktemp)
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "gateway (nginx with stub upstreams)"
scripts/test-gateway.sh 2>&1 | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "observability (promtool, amtool, dashboards)"
scripts/test-observability.sh 2>&1 | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "observability live (real Prometheus scraping the real services)"
scripts/test-observability-live.sh 2>&1 | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "web components (Vitest) and SPA build"
scripts/test-web.sh 2>&1 | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "browser tests (Chromium through nginx, real services, MariaDB, Redis)"
scripts/test-e2e.sh 2>&1 | tee -a "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

passed=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$out" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$out" | awk '{s+=$1} END {print s+0}')
ignored=$(grep -Eo '[0-9]+ ignored;' "$out" | awk '{s+=$1} END {print s+0}')
# Script suites end with "<name>: N passed, M failed".
extra_passed=$(grep -Eo '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$out" | awk '{s+=$2} END {print s+0}')
extra_failed=$(grep -Eo '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$out" | awk '{s+=$4} END {print s+0}')
passed=$((passed + extra_passed))
failed=$((failed + extra_failed))
rm -f "$out"

echo
[ "$status" -eq 0 ] && echo "all checks passed" || echo "SOME CHECKS FAILED"
echo "total: ${passed} passed, ${failed} failed, ${ignored} skipped"
exit "$status"
