#!/usr/bin/env bash
# Starts a throwaway Prometheus (temp dir, free port) with
# prometheus/prometheus.local.yml and its rules, its targets rewritten to a
# stub exporter started here (one port per service, serving every metric the
# services emit with realistic labels), waits for scrapes and rule
# evaluations, then asserts every dashboard query (variables substituted) and
# every recording rule returns data, and every alert expression evaluates.
# Needs prometheus + promtool (Debian `prometheus`) and python3 with PyYAML.
# Installs nothing. Ends with "observability-live: N passed, M failed".
#
# TARGETS=real skips the stub and scrapes the real services on 127.0.0.1:81xx
# (start them with `make up` first).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

passed=0
failed=0
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ok() { passed=$((passed + 1)); printf '\033[32mok\033[0m   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '\033[31mFAIL\033[0m %s\n' "$*"; }
finish() {
    echo
    echo "observability-live: ${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
    exit $?
}

for tool in prometheus python3; do
    command -v "$tool" >/dev/null || { fail "$tool not found (apt-get install prometheus python3-yaml)"; finish; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

services=(chatbot category clinic drug emergency-support internal_external)
ports=(8101 8102 8103 8104 8105 8106)

# --- the stub exporter ------------------------------------------------------
cat >"$tmp/stub.py" <<'PY'
"""Serves, for each SERVICE=PORT argument, every metric the medi services emit,
with counters and histograms that grow on each scrape."""
import random
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
ROUTES = {"chatbot": ["/account/signup", "/account/login", "/chatbot/message"],
          "category": ["/category", "/category/{id}"], "clinic": ["/clinic", "/clinic/{id}"],
          "drug": ["/drug", "/drug/{id}", "/drug/interactions"],
          "emergency-support": ["/emergency-support/triage"],
          "internal_external": ["/internal_external/route"]}
UPSTREAM = {"chatbot": ["drug", "clinic", "emergency-support"], "internal_external": ["category"]}


class Metrics:
    def __init__(self, service):
        self.s = service
        self.lock = threading.Lock()
        self.counters = {}
        self.hists = {}

    def inc(self, name, labels, v):
        self.counters[(name, labels)] = self.counters.get((name, labels), 0) + v

    def observe(self, name, labels, n, typical):
        h = self.hists.setdefault((name, labels), {"b": [0] * len(BUCKETS), "sum": 0.0, "count": 0})
        for _ in range(n):
            x = random.expovariate(1 / typical)
            for i, le in enumerate(BUCKETS):
                if x <= le:
                    h["b"][i] += 1
            h["sum"] += x
            h["count"] += 1

    def tick(self):
        s = self.s
        for route in ROUTES[s] + ["unmatched"]:
            for status, n in (("200", random.randint(20, 40)), ("404", random.randint(0, 3)),
                              ("500", random.randint(1, 3)), ("503", random.randint(0, 1))):
                lab = f'route="{route}",method="GET",status="{status}"'
                self.inc("http_requests_total", lab, n)
                self.observe("http_request_duration_seconds", lab, n, 0.03)
        for cache in ("drug_search", "category_tree"):
            for result, n in (("hit", 30), ("miss", 8), ("error", 1)):
                self.inc("cache_requests_total", f'cache="{cache}",result="{result}"', random.randint(0, n))
        self.inc("redis_errors_total", "", random.randint(0, 1))
        for op in ("get", "set"):
            self.observe("redis_command_duration_seconds", f'op="{op}"', random.randint(5, 20), 0.002)
        for target in UPSTREAM.get(s, ["drug"]):
            for result, n in (("ok", 20), ("server_error", 1), ("client_error", 1), ("timeout", 1), ("connect_error", 1)):
                lab = f'target="{target}",method="GET",result="{result}"'
                k = random.randint(1, n)
                self.inc("upstream_requests_total", lab, k)
                self.observe("upstream_request_duration_seconds", lab, k, 0.05)
        if s == "emergency-support":
            for level, n in (("emergency", 2), ("urgent", 5), ("routine", 20), ("self_care", 10)):
                self.inc("triage_decisions_total", f'level="{level}"', random.randint(1, n))
        if s == "chatbot":
            for lang in ("ko", "en"):
                for level, n in (("emergency", 1), ("urgent", 3), ("routine", 10), ("self_care", 6)):
                    self.inc("chatbot_turns_total", f'lang="{lang}",level="{level}"', random.randint(1, n))
            self.observe("chatbot_answer_duration_seconds", "", random.randint(5, 15), 1.5)
            for stage, typical in (("triage", 0.05), ("tools", 0.2), ("retrieval", 0.002), ("generation", 1.2)):
                self.observe("chatbot_stage_duration_seconds", f'stage="{stage}"', random.randint(5, 15), typical)
            for cause in ("triage_service", "drug_service", "routing_service"):
                self.inc("chatbot_degraded_answers_total", f'cause="{cause}"', random.randint(0, 2))
            for rating, n in (("up", 8), ("down", 2)):
                self.inc("chatbot_feedback_total", f'rating="{rating}"', random.randint(1, n))
            for result, n in (("hit", 8), ("miss", 3), ("error", 1)):
                self.inc("chatbot_retrievals_total", f'result="{result}"', random.randint(1, n))
            self.inc("chatbot_retrieved_passages_total", "", random.randint(5, 20))

    def render(self):
        with self.lock:
            self.tick()
            s = self.s
            out = []
            kinds = {"http_requests_total": "counter", "cache_requests_total": "counter",
                     "redis_errors_total": "counter", "upstream_requests_total": "counter",
                     "triage_decisions_total": "counter", "chatbot_turns_total": "counter",
                     "chatbot_degraded_answers_total": "counter", "chatbot_feedback_total": "counter",
                     "chatbot_retrievals_total": "counter", "chatbot_retrieved_passages_total": "counter"}
            seen = set()
            for (name, lab), v in sorted(self.counters.items()):
                if name not in seen:
                    out.append(f"# TYPE {name} {kinds[name]}")
                    seen.add(name)
                sep = "," if lab else ""
                out.append(f'{name}{{service="{s}"{sep}{lab}}} {v}')
            for (name, lab), h in sorted(self.hists.items()):
                if name not in seen:
                    out.append(f"# TYPE {name} histogram")
                    seen.add(name)
                sep = "," if lab else ""
                for le, c in zip(BUCKETS, h["b"]):
                    out.append(f'{name}_bucket{{service="{s}"{sep}{lab},le="{le}"}} {c}')
                out.append(f'{name}_bucket{{service="{s}"{sep}{lab},le="+Inf"}} {h["count"]}')
                out.append(f'{name}_sum{{service="{s}"{sep}{lab}}} {h["sum"]}')
                out.append(f'{name}_count{{service="{s}"{sep}{lab}}} {h["count"]}')
            out.append("# TYPE http_requests_in_flight gauge")
            out.append(f'http_requests_in_flight{{service="{s}"}} {random.randint(0, 5)}')
            if s == "chatbot":
                out.append("# TYPE chatbot_archive_stream_lag gauge")
                out.append(f'chatbot_archive_stream_lag{{service="{s}"}} {random.randint(0, 50)}')
                out.append("# TYPE knowledge_index_passages gauge")
                out.append(f'knowledge_index_passages{{service="{s}"}} 2494')
            out.append("# TYPE build_info gauge")
            out.append(f'build_info{{service="{s}",version="0.1.0",commit="abc1234"}} 1')
            out.append("# TYPE db_pool_connections gauge")
            out.append("# TYPE db_pool_max_connections gauge")
            out.append("# TYPE db_pool_acquire_seconds gauge")
            for db in ("global", "shard_0", "shard_1"):
                active = random.randint(1, 8)
                out.append(f'db_pool_connections{{service="{s}",database="{db}",state="active"}} {active}')
                out.append(f'db_pool_connections{{service="{s}",database="{db}",state="idle"}} {10 - active}')
                out.append(f'db_pool_max_connections{{service="{s}",database="{db}"}} 10')
                out.append(f'db_pool_acquire_seconds{{service="{s}",database="{db}"}} {random.uniform(0.0001, 0.01):.5f}')
            out.append("# TYPE store_up gauge")
            out.append("# TYPE store_check_duration_seconds gauge")
            for store in ("global_db", "shard_0", "shard_1", "redis"):
                out.append(f'store_up{{service="{s}",store="{store}"}} 1')
                out.append(f'store_check_duration_seconds{{service="{s}",store="{store}"}} {random.uniform(0.001, 0.02):.4f}')
            return ("\n".join(out) + "\n").encode()


def serve(service, port):
    m = Metrics(service)

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            body = m.render() if self.path.startswith("/metrics") else b"ok\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()


if __name__ == "__main__":
    threads = []
    for arg in sys.argv[1:]:
        svc, port = arg.split("=")
        t = threading.Thread(target=serve, args=(svc, int(port)), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
PY

# --- Prometheus config with rewritten targets and fast intervals ------------
mkdir -p "$tmp/prom/rules" "$tmp/data"
cp prometheus/rules/*.yml "$tmp/prom/rules/"
cp prometheus/prometheus.local.yml "$tmp/prom/prometheus.yml"
# Fast scrapes and evaluations so the test takes seconds, not minutes.
sed -i -E 's/^(\s*)(scrape_interval|evaluation_interval): .*/\1\2: 1s/; s/^(\s*)interval: 15s/\1interval: 1s/' \
    "$tmp/prom/prometheus.yml" "$tmp/prom/rules/"*.yml
sed -i '/^alerting:/,/^$/d' "$tmp/prom/prometheus.yml"
if [ "${TARGETS:-stub}" != real ]; then
    args=()
    for i in "${!services[@]}"; do
        p=$(free_port)
        sed -i "s/127.0.0.1:${ports[$i]}/127.0.0.1:$p/" "$tmp/prom/prometheus.yml"
        args+=("${services[$i]}=$p")
    done
    python3 "$tmp/stub.py" "${args[@]}" >"$tmp/stub.log" 2>&1 &
    pids+=($!)
    ok "stub exporter started for ${#args[@]} services"
fi
promport=$(free_port)
prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$promport" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)

# --- wait and assert ---------------------------------------------------------
python3 - "$promport" "$root" >"$tmp/live.out" 2>&1 <<'PY'
import json, subprocess, sys, time, urllib.parse, urllib.request
port, root = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}/api/v1/"
results = []

def q(expr):
    url = base + "query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        d = json.load(r)
    if d["status"] != "success":
        raise RuntimeError(d)
    return d["data"]["result"]

# Ready, every target up, and long enough for rates over 1m-wide windows.
deadline = time.time() + 60
while True:
    try:
        up = q("up")
        if len(up) == 6 and all(s["value"][1] == "1" for s in up):
            break
    except Exception:
        pass
    if time.time() > deadline:
        print("FAIL prometheus/targets not up within 60s"); print("RESULT 0 1"); sys.exit(0)
    time.sleep(1)
print("ok   prometheus ready, 6 targets up")
time.sleep(8)  # several scrapes and rule evaluations at 1s

lines = subprocess.run([sys.executable, f"{root}/prometheus/tools/promql_check.py", "exprs"],
                       capture_output=True, text=True, check=True).stdout.splitlines()
passed = failed = 0
for line in lines:
    e = json.loads(line)
    name = e["origin"]
    try:
        res = q(e["promql"])
        if e["kind"] == "alerts":
            ok, why = True, f"evaluates ({len(res)} series)"
        else:
            ok, why = bool(res), f"{len(res)} series" if res else "no data"
            if res and e["kind"] == "recording":
                rec = name.split()[-1]
                got = q(rec)
                ok, why = bool(got), f"{len(got)} series recorded" if got else "rule recorded nothing"
    except Exception as ex:
        ok, why = False, f"error: {ex}"
    print(("ok   " if ok else "FAIL ") + f"{name}: {why}")
    passed += ok
    failed += not ok
print(f"RESULT {passed + 1} {failed}")
PY
sed -E '/^RESULT /d; s/^ok   /\x1b[32mok\x1b[0m   /; s/^FAIL /\x1b[31mFAIL\x1b[0m /' "$tmp/live.out"
if read -r _ p f < <(grep '^RESULT ' "$tmp/live.out"); then
    passed=$((passed + p)); failed=$((failed + f))
else
    fail "live check did not finish"
    tail -20 "$tmp/prometheus.log"
fi
[ "$failed" -eq 0 ] || { echo "--- prometheus log (tail)"; tail -15 "$tmp/prometheus.log"; }
finish
