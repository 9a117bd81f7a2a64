#!/usr/bin/env bash
# Browser tests of the SPA through the real nginx gateway in front of the real
# services, MariaDB and Redis. Builds the SPA, creates uniquely named databases
# and a unique Redis prefix, starts the six services (`medictl up`) and nginx on
# non-default ports, runs e2e/tests/*.test.mjs (playwright-core driving
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
bin=$CARGO_TARGET_DIR/debug
base=${MEDI_E2E_PORT_BASE:-18200}
gw_port=$((base + 80))
mysql_base=${MEDI_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
mysql_base=${mysql_base%/}
redis_url=${MEDI_TEST_REDIS_URL:-redis://127.0.0.1:6379}
# mysql://user[:password]@host[:port] for dropping the databases afterwards
if [[ "$mysql_base" =~ ^mysql://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/?$ ]]; then
    mysql_user=${BASH_REMATCH[1]} mysql_pass=${BASH_REMATCH[3]} mysql_host=${BASH_REMATCH[4]} mysql_port=${BASH_REMATCH[6]:-3306}
else
    echo "MEDI_TEST_MYSQL_URL must look like mysql://user[:password]@host[:port]"; echo "e2e: 0 passed, 1 failed"; exit 1
fi
id="e2e$(date +%s)$$"
db_prefix="medi_t_${id}"
redis_prefix="medi:test:${id}"
artifacts=$repo/var/e2e-artifacts
work=$repo/var/e2e-run/$id
mkdir -p "$artifacts" "$work"

finish() {
    local rc=$1
    echo "e2e: ${E2E_PASSED:-0} passed, ${E2E_FAILED:-1} failed"
    exit "$rc"
}

ensure_browser_tools || { E2E_FAILED=1; finish 1; }
ensure_web_deps || { E2E_FAILED=1; finish 1; }

log "building the services (cargo build --bins)"
cargo build --workspace --bins --locked -q || { log "cargo build failed"; E2E_FAILED=1; finish 1; }
log "building the SPA"
(cd web && npx vite build --logLevel warn) || { log "SPA build failed"; E2E_FAILED=1; finish 1; }

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    local client
    client=$(command -v mariadb || command -v mysql)
    for db in "${db_prefix}_global" "${db_prefix}_s0" "${db_prefix}_s1"; do
        MYSQL_PWD=$mysql_pass "$client" -h"$mysql_host" -P"$mysql_port" -u"$mysql_user" \
            -e "DROP DATABASE IF EXISTS \`$db\`" 2>/dev/null
    done
    if command -v redis-cli >/dev/null; then
        redis-cli -u "$redis_url" --scan --pattern "${redis_prefix}:*" 2>/dev/null \
            | xargs -r -n 500 redis-cli -u "$redis_url" DEL >/dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the stack, configured through the environment only ----------------------
export MEDI_ENV=e2e
export MEDI_BIND_HOST=127.0.0.1
export MEDI_GLOBAL_DATABASE_URL="$mysql_base/${db_prefix}_global"
export MEDI_SHARD_DATABASE_URLS="$mysql_base/${db_prefix}_s0,$mysql_base/${db_prefix}_s1"
export MEDI_REDIS_URL=$redis_url
export MEDI_REDIS_PREFIX=$redis_prefix
export MEDI_LOG_FORMAT=json
export MEDI_LOG=${MEDI_LOG:-warn}
i=1
for s in CHATBOT CATEGORY CLINIC DRUG EMERGENCY_SUPPORT INTERNAL_EXTERNAL; do
    port=$((base + i))
    export "MEDI_${s}_PORT=$port"
    export "MEDI_${s}_URL=http://127.0.0.1:$port"
    export "MEDI_UPSTREAM_${s}=127.0.0.1:$port"
    i=$((i + 1))
done
export MEDI_AUTH_JWKS_URL="$MEDI_CHATBOT_URL/account/.well-known/jwks.json"
export MEDI_AUTH_TOKEN_URL="$MEDI_CHATBOT_URL/account/oauth/token"
MEDI_JWT_SIGNING_KEYS=$("$bin/medictl" keys generate --kid "e2e-$id") || { E2E_FAILED=1; finish 1; }
export MEDI_JWT_SIGNING_KEYS
unset MEDI_LLM_BASE_URL MEDI_LLM_MODEL MEDI_LLM_API_KEY
# the browser tests sign up and chat more often than a person would
export MEDI_RATE_AUTH=${MEDI_RATE_AUTH:-120r/m} MEDI_BURST_AUTH=${MEDI_BURST_AUTH:-20}
export MEDI_RATE_CHAT=${MEDI_RATE_CHAT:-120r/m} MEDI_BURST_CHAT=${MEDI_BURST_CHAT:-20}
export MEDI_LISTEN_PORT=$gw_port
export MEDI_SPA_ROOT=$repo/web/dist
export MEDI_NGINX_DIR=$work/nginx

for p in $(seq $((base + 1)) $((base + 6))) "$gw_port"; do
    port_open 127.0.0.1 "$p" && { log "port $p is in use; set MEDI_E2E_PORT_BASE"; E2E_FAILED=1; finish 1; }
done

log "starting the services on $((base + 1))-$((base + 6)) (databases ${db_prefix}_*)"
"$bin/medictl" up > "$work/services.log" 2>&1 &
pids+=($!)
ready=""
for _ in $(seq 1 600); do
    if grep -q 'medi is up' "$work/services.log" 2>/dev/null; then ready=1; break; fi
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.2
done
if [ -z "$ready" ]; then
    log "the services did not start:"; tail -40 "$work/services.log" >&2
    E2E_FAILED=1; finish 1
fi
nginx/run-local.sh > "$work/nginx.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$gw_port" 15 || { log "nginx did not start:"; cat "$work/nginx.log" >&2; E2E_FAILED=1; finish 1; }
export MEDI_E2E_BASE_URL="http://127.0.0.1:$gw_port"
export MEDI_E2E_ARTIFACTS=$artifacts

if [ -n "$serve" ]; then
    echo "serving the SPA at $MEDI_E2E_BASE_URL (ctrl-c stops)"
    wait "${pids[0]}"
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
    log "service log tail:"; tail -20 "$work/services.log" >&2
    cp "$work/services.log" "$artifacts/services.log" 2>/dev/null
    cp "$work/nginx/logs/error.log" "$artifacts/nginx-error.log" 2>/dev/null
fi
finish "$rc"
