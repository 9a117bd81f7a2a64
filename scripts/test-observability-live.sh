#!/usr/bin/env bash
# The live observability test, against the real services:
#
#  1. starts the whole platform with `scripts/stack.sh start obs 18100` (its own
#     databases, Redis prefix and ports 18101-18106; stopped and dropped on exit,
#     failure or ctrl-c);
#  2. starts a throwaway Prometheus (temp dir, free port) with
#     prometheus/prometheus.local.yml and the same rule files, its six targets
#     rewritten to the stack's ports, scrapes and rule evaluations every 1s;
#  3. drives bounded loopback traffic (prometheus/tools/live_traffic.py): drug,
#     category and clinic searches (cache misses and hits), details, 4xx, drug
#     interactions, clinic geo search, triage, routing, signup + login + a
#     signed-in conversation, anonymous Korean and English turns including
#     emergencies, feedback up and down, and one turn while internal_external is
#     frozen (SIGSTOP) so the chatbot's call times out and the answer degrades;
#     and checks the signed-in conversation reached a shard DB (archive stream);
#  4. checks that every metric name a dashboard or rule references appears in
#     some service's real /metrics (no panel may query a metric the services do
#     not emit), and that the EMITTED list of the offline check is exact;
#  5. checks in Prometheus that every dashboard query (variables substituted)
#     and every recording rule returns data, and every alert expression evaluates.
#
# There is no stub-exporter mode any more: the real run covers every metric
# family, and the alert firing and not-firing shapes are covered by the
# promtool unit tests in scripts/test-observability.sh.
#
# Needs what `make test` sets up: cargo, MariaDB/MySQL (and its client) and
# Redis (MEDI_TEST_MYSQL_URL / MEDI_TEST_REDIS_URL, default 127.0.0.1), prometheus (Debian `prometheus`), python3 with
# PyYAML, curl. Bounded: about a minute and a half after the build on 2 cores
# (every wait has a deadline; nothing asserts on speed). OBS_PORT_BASE
# overrides 18100.
# Ends with "observability-live: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

stack=obs
base=${OBS_PORT_BASE:-18100}
passed=0
failed=0
tmp=$(mktemp -d)
prom_pid=""
frozen=""
cleanup() {
    [ -n "$frozen" ] && kill -CONT "$frozen" 2>/dev/null
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
    scripts/stack.sh stop "$stack" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ok() { passed=$((passed + 1)); printf '\033[32mok\033[0m   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '\033[31mFAIL\033[0m %s\n' "$*"; }
finish() {
    if [ "$failed" -ne 0 ] && [ -f "$tmp/prometheus.log" ]; then
        echo "--- prometheus log (tail)"; tail -15 "$tmp/prometheus.log"
    fi
    echo
    echo "observability-live: ${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
    exit $?
}
# counted FILE: shows a checker's output and adds its "ok"/"FAIL" lines to the totals.
counted() {
    local p f
    p=$(grep -c '^ok' "$1")
    f=$(grep -c '^FAIL' "$1")
    sed -E 's/^ok:? +/\x1b[32mok\x1b[0m   /; s/^FAIL:? +/\x1b[31mFAIL\x1b[0m /; s/^(RESULT|ARCHIVED_SESSION) .*//' "$1" | grep -v '^$'
    passed=$((passed + p)); failed=$((failed + f))
}

for tool in prometheus python3 curl cargo; do
    command -v "$tool" >/dev/null || { fail "$tool not found (scripts/setup.sh installs it)"; finish; }
done
python3 -c 'import yaml' 2>/dev/null || { fail "python3 with PyYAML not found (apt-get install python3-yaml)"; finish; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
services=(chatbot category clinic drug emergency-support internal_external)

# --- 1. the stack -------------------------------------------------------------
if scripts/stack.sh start "$stack" "$base" >"$tmp/stack.log" 2>&1; then
    ok "stack $stack up on ports $((base + 1))-$((base + 6))"
else
    fail "stack $stack did not start"
    sed 's/^/     /' "$tmp/stack.log" | tail -40
    finish
fi
envfile=var/stack/$stack/env

# --- 2. Prometheus --------------------------------------------------------------
mkdir -p "$tmp/prom/rules" "$tmp/data" "$tmp/metrics"
cp prometheus/rules/*.yml "$tmp/prom/rules/"
cp prometheus/prometheus.local.yml "$tmp/prom/prometheus.yml"
# Fast scrapes and evaluations so the test takes seconds, not minutes.
sed -i -E 's/^(\s*)(scrape_interval|evaluation_interval): .*/\1\2: 1s/; s/^(\s*)interval: 15s/\1interval: 1s/' \
    "$tmp/prom/prometheus.yml" "$tmp/prom/rules/"*.yml
sed -i '/^alerting:/,/^$/d' "$tmp/prom/prometheus.yml"
for i in "${!services[@]}"; do
    sed -i "s/127.0.0.1:$((8101 + i))\b/127.0.0.1:$((base + 1 + i))/" "$tmp/prom/prometheus.yml"
done
# The local config must scrape every service, one job each (job = service).
if python3 - "$tmp/prom/prometheus.yml" "$base" "${services[@]}" >"$tmp/out" 2>&1 <<'PY'
import sys, yaml
cfg, base, services = yaml.safe_load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3:]
got = {j["job_name"]: [t for s in j.get("static_configs", []) for t in s["targets"]] for j in cfg["scrape_configs"]}
want = {s: [f"127.0.0.1:{base + 1 + i}"] for i, s in enumerate(services)}
if got != want:
    sys.exit(f"scrape jobs {got}\nwant        {want}")
PY
then ok "prometheus.local.yml scrapes all six services (targets rewritten to the stack)"; else fail "prometheus.local.yml targets"; sed 's/^/     /' "$tmp/out"; finish; fi
promport=$(free_port)
prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$promport" >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
prom=http://127.0.0.1:$promport

# all_up SECONDS: waits until Prometheus reports all six targets up.
all_up() {
    local deadline=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$deadline" ]; do
        n=$(curl -fsS --max-time 2 "$prom/api/v1/query" --data-urlencode 'query=count(up == 1)' 2>/dev/null \
            | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null)
        [ "${n:-0}" = 6 ] && return 0
        sleep 0.5
    done
    return 1
}
if all_up 60; then ok "prometheus scrapes the six services (all up)"; else fail "targets not all up within 60s"; finish; fi

# --- 3. traffic -----------------------------------------------------------------
if frozen=$(scripts/stack.sh pid "$stack" internal_external 2>"$tmp/out"); then
    stop_arg=(--stop-pid "$frozen")
else
    fail "cannot find the stack's internal_external process"; sed 's/^/     /' "$tmp/out"
    stop_arg=()
    frozen=""
fi
python3 prometheus/tools/live_traffic.py "$envfile" "${stop_arg[@]}" >"$tmp/traffic.out" 2>&1
rc=$?
if [ -n "$frozen" ]; then kill -CONT "$frozen" 2>/dev/null; frozen=""; fi
counted "$tmp/traffic.out"
grep -q '^RESULT ' "$tmp/traffic.out" || fail "traffic driver did not finish (exit $rc)"

# The signed-in conversation went through the archive stream into a shard DB.
if read -r _ session turns < <(grep -E '^ARCHIVED_SESSION [0-9a-f-]+ [0-9]+$' "$tmp/traffic.out"); then
    db=$(sed -n 's|^export MEDI_SHARD_DATABASE_URLS=||p' "$envfile" | tr ',' '\n' | sed 's|.*/||')
    got=0
    for _ in $(seq 1 60); do
        got=0
        for d in $db; do
            n=$(scripts/stack.sh sql "$stack" "SELECT COUNT(*) FROM \`$d\`.chat_messages WHERE session_id = '$session'" 2>/dev/null)
            got=$((got + ${n:-0}))
        done
        [ "$got" -ge "$turns" ] && break
        sleep 0.5
    done
    if [ "$turns" -gt 0 ] && [ "$got" -ge "$turns" ]; then
        ok "signed-in conversation archived to its shard ($got of $turns turns)"
    else
        fail "signed-in conversation archived to its shard: $got of $turns turns after 30s"
    fi
else
    fail "traffic driver printed no ARCHIVED_SESSION"
fi

# After the frozen window: every target back up, then a few more scrapes and
# rule evaluations so the rates and recording rules see the whole run.
if all_up 30; then ok "all six targets up again after the frozen window"; else fail "targets not all up again within 30s"; fi
sleep 5

# --- 4. every referenced metric is really emitted --------------------------------
for i in "${!services[@]}"; do
    curl -fsS --max-time 5 "http://127.0.0.1:$((base + 1 + i))/metrics" >"$tmp/metrics/${services[$i]}.prom" \
        || fail "GET /metrics of ${services[$i]}"
done
python3 prometheus/tools/promql_check.py emitted "$tmp/metrics" >"$tmp/out" 2>&1
counted "$tmp/out"

# --- 5. every dashboard query and recording rule returns data ----------------------
python3 prometheus/tools/promql_check.py live "$prom" >"$tmp/out" 2>&1
counted "$tmp/out"
finish
