#!/usr/bin/env bash
# Nearby clinic search at national scale: 100,000 synthetic facilities
# spread like Korea's (dense in Seoul, Gyeonggi and Busan, sparse elsewhere)
# with departments and opening hours, searched around points across the
# country through the clinic service with the cache off (every request runs
# on MariaDB). Prints the plan of the geo query, then throughput and
# p50/p90/p99 per scenario.
#
#   bench/clinic-geo.sh
#
# Needs MariaDB/MySQL on 127.0.0.1:3306 (root, no password) and Redis on
# :6379 (the service's readiness check pings it; the cache is disabled).
# Creates medi_bench_clinic (global) and medi_bench_clinic_s0 (the shard the
# kit requires; the global and shard migrations cannot share one database),
# and drops both at the end unless KEEP_DB=1.
#
# Env: COUNT facilities (100000), CONCURRENCY (16), DURATION s (10), SERVICE_LOG (error),
# WARMUP s (2), PORT (18103), MYSQL_URL (mysql://root@127.0.0.1:3306),
# REDIS_URL (redis://127.0.0.1:6379), KEEP_DB (0), REUSE_DB (0: keep the
# data of an earlier KEEP_DB=1 run instead of regenerating it).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306}
GLOBAL_URL=$MYSQL_URL/medi_bench_clinic
SHARD_URL=$MYSQL_URL/medi_bench_clinic_s0
PORT=${PORT:-18103}
BASE=http://127.0.0.1:$PORT

cargo build --release --locked -q -p clinic -p loadgen
BIN=$CARGO_TARGET_DIR/release
synth() { "$BIN/clinic-synth" --global-url "$GLOBAL_URL" --shard-url "$SHARD_URL" "$@"; }

service_pid=
cleanup() {
    if [ -n "$service_pid" ]; then
        kill "$service_pid" 2>/dev/null || true
        wait "$service_pid" 2>/dev/null || true
    fi
    if [ "${KEEP_DB:-0}" != 1 ]; then
        synth drop >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "clinic geo benchmark: $(nproc) cores, $(mariadb --version 2>/dev/null | sed -E 's/.*Distrib ([^,]+),.*/MariaDB \1/' || echo 'MySQL')"
if [ "${REUSE_DB:-0}" = 1 ]; then
    echo "reusing the data in medi_bench_clinic"
else
    synth recreate
    synth fill --count "${COUNT:-100000}"
fi
echo
synth explain

MEDI_CLINIC_PORT=$PORT MEDI_CACHE_ENABLED=false \
    MEDI_GLOBAL_DATABASE_URL=$GLOBAL_URL MEDI_SHARD_DATABASE_URLS=$SHARD_URL \
    MEDI_REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} MEDI_REDIS_PREFIX=medi:bench:clinic \
    MEDI_DB_MAX_CONNECTIONS=${DB_CONNECTIONS:-16} MEDI_LOG=${SERVICE_LOG:-error} \
    "$BIN/clinic" &
service_pid=$!
for _ in $(seq 100); do
    curl -fsS "$BASE/health/ready" >/dev/null 2>&1 && break
    kill -0 "$service_pid" 2>/dev/null || { echo "the clinic service exited"; exit 1; }
    sleep 0.2
done
curl -fsS "$BASE/health/ready" >/dev/null || { echo "clinic service not ready at $BASE"; exit 1; }

# Where people search from: city centres, suburbs and two rural counties.
points=(
    "37.5663 126.9779 서울시청"
    "37.4979 127.0276 강남역"
    "37.5133 127.1001 잠실"
    "37.6543 127.0605 노원"
    "37.2656 127.0000 수원역"
    "37.3850 127.1230 분당 서현"
    "37.4563 126.7052 인천 남동"
    "35.1578 129.0600 부산 서면"
    "35.8657 128.5933 대구 반월당"
    "35.1523 126.8499 광주 상무"
    "36.3510 127.3850 대전 둔산"
    "36.6424 127.4890 청주"
    "35.8242 127.1480 전주"
    "33.4996 126.5312 제주"
    "37.6970 127.8880 홍천"
    "35.4156 127.8734 산청"
)
# Tuesday 10:30 in Korea, so open_now has something to find whatever the time of the run.
AT=2026-11-24T10:30:00%2B09:00

echo "facilities within 3 km of each point:"
for p in "${points[@]}"; do
    read -r lat lon name <<<"$p"
    total=$(curl -fsS "$BASE/clinic?lat=$lat&lon=$lon&radius_km=3&size=1" | python3 -c 'import json,sys;print(json.load(sys.stdin)["total"])')
    printf '  %-12s %6s\n' "$name" "$total"
done
echo

urls() { # radius, extra query parameters → one --url per point
    for p in "${points[@]}"; do
        read -r lat lon _ <<<"$p"
        printf -- '--url\n%s\n' "$BASE/clinic?lat=$lat&lon=$lon&radius_km=$1$2"
    done
}
run() {
    local label=$1 radius=$2 extra=$3
    local args=()
    mapfile -t args < <(urls "$radius" "$extra")
    printf '%-46s ' "$label"
    local before after
    before=$(pgrep -c -x rustc || true)
    "$BIN/loadgen" --concurrency "${CONCURRENCY:-16}" --duration "${DURATION:-10}" --warmup "${WARMUP:-2}" "${args[@]}"
    after=$(pgrep -c -x rustc || true)
    # The load generator, the service and the database share the machine: a
    # compiler running meanwhile lowers the figures, so say so.
    if [ "${before:-0}" != 0 ] || [ "${after:-0}" != 0 ]; then
        echo "    ^ a Rust build was running on this machine during the run: figures are low"
    fi
}

run "nearby 3 km" 3 ""
run "nearby 3 km + department" 3 "&department=internal_medicine"
run "nearby 3 km + open_now" 3 "&open_now=true&at=$AT"
run "nearby 3 km + department + open_now" 3 "&department=pediatrics&open_now=true&at=$AT"
run "nearby 3 km + type + q" 3 "&type=dental&q=치과"
run "nearby 10 km (the default radius)" 10 ""
