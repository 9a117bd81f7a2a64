#!/usr/bin/env bash
# Drug search throughput and latency against a running drug service.
#
#   make up            # in another terminal
#   bench/drug-search.sh [base-url]       (default http://127.0.0.1:8104)
#
# Env: CONCURRENCY (16), DURATION seconds (15), WARMUP seconds (3).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-http://127.0.0.1:8104}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --release --locked -q -p loadgen -p drug
LOADGEN=$CARGO_TARGET_DIR/release/loadgen

curl -fsS "$BASE/health/ready" >/dev/null || { echo "drug service not ready at $BASE (run make up)"; exit 1; }

# A mix of what people type: Korean partial names, English, ingredients, symptoms.
queries=(타이레 타이레놀 이부프로펜 ibuprofen tylenol 두통 감기 소화 aspirin 와파린 알레르기 위산 "amlodipine" 진통 기침)
urls=()
for q in "${queries[@]}"; do
    urls+=(--url "$BASE/drug?q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$q")")
done

run() {
    local label=$1; shift
    printf '%-34s ' "$label"
    "$LOADGEN" --concurrency "${CONCURRENCY:-16}" --duration "${DURATION:-15}" --warmup "${WARMUP:-3}" "$@"
}

echo "drug search benchmark against $BASE ($(nproc) cores)"
run "search, cached (Redis hits)" "${urls[@]}"
# The database path: a second drug instance with the cache turned off, so every
# request runs the count and search queries on MariaDB.
UNCACHED_PORT=${UNCACHED_PORT:-18104}
MEDI_DRUG_PORT=$UNCACHED_PORT MEDI_CACHE_ENABLED=false MEDI_LOG=warn "$CARGO_TARGET_DIR/release/drug" &
uncached_pid=$!
trap 'kill $uncached_pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$UNCACHED_PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
run "search, uncached (MariaDB)" "${urls[@]//$BASE/http://127.0.0.1:$UNCACHED_PORT}"
run "detail /drug/{id}, cached" --url "$BASE/drug/1" --url "$BASE/drug/2" --url "$BASE/drug/3"
