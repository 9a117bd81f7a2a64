#!/usr/bin/env bash
# Chatbot turn latency at turn 1 and at turn 500 of one conversation, and
# turns per second with the offline composer, against a running platform.
#
#   make up [PROFILE=release]     # in another terminal
#   bench/chatbot.sh [base-url]   # default http://127.0.0.1:8101
#
# Env: SAMPLES (40), CONCURRENCY (8), DURATION s (10).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-http://127.0.0.1:8101}
SAMPLES=${SAMPLES:-40}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/medi-platform/target}
cargo build --release --locked -q -p loadgen
curl -fsS "$BASE/health/ready" >/dev/null || { echo "chatbot not ready at $BASE (run make up)"; exit 1; }

session() { curl -fsS -X POST "$BASE/chatbot/sessions" | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])'; }
ask() { # session text -> seconds
    curl -fsS -o /dev/null -w '%{time_total}\n' -X POST "$BASE/chatbot/sessions/$1/messages" \
        -H 'content-type: application/json' -d "{\"text\":\"$2\"}"
}
stats() { python3 -c '
import sys
v = sorted(float(x) * 1000 for x in sys.stdin.read().split())
p = lambda q: v[min(len(v) - 1, round(q / 100 * (len(v) - 1)))]
print(f"n={len(v)} p50 {p(50):.1f} ms  p99 {p(99):.1f} ms  max {v[-1]:.1f} ms")'; }

questions=("타이레놀 하루에 최대 얼마나 먹어도 돼요?" "콧물이 나고 목이 칼칼해요" "그거 부작용은요?" "itchy rash on my arms")

printf '%-28s ' "turn 1 (fresh sessions)"
for i in $(seq "$SAMPLES"); do ask "$(session)" "${questions[$((i % 4))]}"; done | stats

s=$(session)
for i in $(seq 499); do ask "$s" "${questions[$((i % 4))]}" >/dev/null; done
printf '%-28s ' "turn 500+ (one session)"
for i in $(seq "$SAMPLES"); do ask "$s" "${questions[$((i % 4))]}"; done | stats

urls=()
for i in $(seq 16); do urls+=(--url "$BASE/chatbot/sessions/$(session)/messages"); done
printf '%-28s ' "throughput"
"$CARGO_TARGET_DIR/release/loadgen" --concurrency "${CONCURRENCY:-8}" --duration "${DURATION:-10}" --warmup 2 \
    --body '{"text":"타이레놀 하루에 최대 얼마나 먹어도 돼요?"}' "${urls[@]}"
