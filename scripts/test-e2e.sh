#!/usr/bin/env bash
# Browser tests of the SPA through the real nginx gateway in front of the real
# services, MariaDB and Redis. Builds the SPA, starts the six services on their
# own databases, Redis prefix and ports (`scripts/stack.sh start e2e`) and nginx
# in front of them, runs e2e/tests/*.test.mjs (playwright-core driving
# /usr/bin/chromium), saves screenshots to var/e2e-artifacts/, and always stops
# everything and drops the databases and Redis keys. Ends with
# "e2e: N passed, M failed" (counted by scripts/test.sh).
#
#   scripts/test-e2e.sh            run the tests
#   scripts/test-e2e.sh --serve    start the same stack and wait (ctrl-c stops), for manual checks
#
# Ports: MEDI_E2E_PORT_BASE (default 18200): services on base+1..base+6, nginx on base+80.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
repo=$(pwd)

serve=""
[ "${1:-}" = "--serve" ] && serve=1

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
base=${MEDI_E2E_PORT_BASE:-18200}
gw_port=$((base + 80))
artifacts=$repo/var/e2e-artifacts
work=$repo/var/e2e-run
rm -rf "$work"
mkdir -p "$artifacts" "$work"

finish() {
    local rc=$1
    echo "e2e: ${E2E_PASSED:-0} passed, ${E2E_FAILED:-1} failed"
    exit "$rc"
}

ensure_browser_tools || { E2E_FAILED=1; finish 1; }
ensure_web_deps || { E2E_FAILED=1; finish 1; }

log "building the SPA"
(cd web && npx vite build --logLevel warn) || { log "SPA build failed"; E2E_FAILED=1; finish 1; }

nginx_pid=""
cleanup() {
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    scripts/stack.sh stop e2e
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open 127.0.0.1 "$gw_port" && { log "port $gw_port is in use; set MEDI_E2E_PORT_BASE"; E2E_FAILED=1; finish 1; }
# The services on their own databases, Redis prefix and ports (scripts/stack.sh).
scripts/stack.sh start e2e "$base" || { E2E_FAILED=1; finish 1; }
source var/stack/e2e/env
# The gateway in front of them: the browser tests sign up and chat more often
# than a person would, so its rate limits are raised for them.
export MEDI_RATE_AUTH=${MEDI_RATE_AUTH:-120r/m} MEDI_BURST_AUTH=${MEDI_BURST_AUTH:-20}
export MEDI_RATE_CHAT=${MEDI_RATE_CHAT:-120r/m} MEDI_BURST_CHAT=${MEDI_BURST_CHAT:-20}
export MEDI_LISTEN_PORT=$gw_port
export MEDI_SPA_ROOT=$repo/web/dist
export MEDI_NGINX_DIR=$work/nginx
nginx/run-local.sh > "$work/nginx.log" 2>&1 &
nginx_pid=$!
wait_port 127.0.0.1 "$gw_port" 15 || { log "nginx did not start:"; cat "$work/nginx.log" >&2; E2E_FAILED=1; finish 1; }
export MEDI_E2E_BASE_URL="http://127.0.0.1:$gw_port"
export MEDI_E2E_ARTIFACTS=$artifacts

if [ -n "$serve" ]; then
    echo "serving the SPA at $MEDI_E2E_BASE_URL (ctrl-c stops)"
    wait "$nginx_pid"
    exit 0
fi

log "running the browser tests against $MEDI_E2E_BASE_URL (screenshots in var/e2e-artifacts/)"
out=$work/tap.txt
(cd e2e && node --test --test-concurrency=1 --test-reporter=tap tests/) > "$out" 2>&1
rc=$?
cat "$out"
E2E_PASSED=$(grep -Eo '^# pass [0-9]+' "$out" | awk '{print $3}')
E2E_FAILED=$(grep -Eo '^# fail [0-9]+' "$out" | awk '{print $3}')
E2E_PASSED=${E2E_PASSED:-0}
E2E_FAILED=${E2E_FAILED:-0}
if [ "$rc" -ne 0 ] && [ "$E2E_FAILED" -eq 0 ]; then E2E_FAILED=1; fi
if [ "$rc" -ne 0 ]; then
    log "service log tail:"; tail -20 "$STACK_LOG" >&2
    cp "$STACK_LOG" "$artifacts/services.log" 2>/dev/null
    cp "$work/nginx/logs/error.log" "$artifacts/nginx-error.log" 2>/dev/null
fi
finish "$rc"
