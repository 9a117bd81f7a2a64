#!/usr/bin/env bash
# Login and token-verification throughput.
#
#   make up PROFILE=release     # in another terminal
#   bench/auth.sh [base-url]    # default http://127.0.0.1:8101
#
# 1. In-process: Ed25519 token signing and verification per core.
# 2. HTTP: POST /account/login (Argon2id dominates, by design) and
#    GET /account/me with a bearer token (verification + a shard read).
# Env: CONCURRENCY (8), DURATION s (10), WARMUP s (2).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-http://127.0.0.1:8101}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --release --locked -q -p loadgen -p chatbot
BIN=$CARGO_TARGET_DIR/release

"$BIN/token-bench" 20000

curl -fsS "$BASE/health/ready" >/dev/null || { echo "accounts not ready at $BASE (run make up)"; exit 1; }
email="bench-$(date +%s)-$RANDOM@example.com"
password="bench-password-123"
body=$(printf '{"email":"%s","password":"%s","display_name":"bench"}' "$email" "$password")
token=$(curl -fsS -X POST "$BASE/account/signup" -H 'content-type: application/json' -d "$body" \
    | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

run() {
    local label=$1; shift
    printf '%-34s ' "$label"
    "$BIN/loadgen" --concurrency "${CONCURRENCY:-8}" --duration "${DURATION:-10}" --warmup "${WARMUP:-2}" "$@"
}
run "login (Argon2id)" --url "$BASE/account/login" \
    --body "$(printf '{"email":"%s","password":"%s"}' "$email" "$password")"
run "GET /account/me (verify + shard)" --url "$BASE/account/me" --header "Authorization: Bearer $token"
