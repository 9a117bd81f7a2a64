#!/usr/bin/env bash
# Tests the nginx API gateway (nginx/) in front of small stub upstreams, so it
# does not need the Rust build. Needs nginx, envsubst (gettext-base), openssl,
# python3 and curl; installs nothing. Prints "gateway: N passed, M failed".
#
#   scripts/test-gateway.sh            MEDI_GATEWAY_PORT=<port> picks the gateway port (default: a free one)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

for tool in nginx envsubst openssl python3 curl; do
    command -v "$tool" >/dev/null || { echo "test-gateway: $tool is missing (apt-get install nginx gettext-base openssl curl)" >&2; echo "gateway: 0 passed, 1 failed"; exit 1; }
done
NGINX=$(command -v nginx)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/medi-gateway.XXXXXX")
chmod 755 "$tmp"   # nginx workers run as nobody when this runs as root
pids=()
cleanup() {
    if [ -f "$tmp/run/nginx.pid" ]; then kill "$(cat "$tmp/run/nginx.pid")" 2>/dev/null; fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0; failed=0
ok()   { passed=$((passed+1)); printf '  ok    %s\n' "$1"; }
fail() { failed=$((failed+1)); printf '  FAIL  %s\n' "$1"; [ $# -gt 1 ] && printf '        %s\n' "${@:2}"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------- stubs
cat > "$tmp/stub.py" <<'PY'
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME, PORT = sys.argv[1], int(sys.argv[2])
counts, lock = {}, threading.Lock()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        rid = self.headers.get("X-Request-Id")
        if rid: self.send_header("X-Request-Id", rid)   # like services/kit
        self.end_headers()
        self.wfile.write(body)
    def handle_any(self):
        path = self.path
        if path == "/__count":
            with lock: return self.send_json(200, counts)
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        with lock:
            key = self.command + " " + path
            counts[key] = counts.get(key, 0) + 1
        if "/sse" in path:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(3):
                self.wfile.write(("event: tick\ndata: {\"n\":%d}\n\n" % i).encode())
                self.wfile.flush()
                time.sleep(0.8)
            self.close_connection = True
            return
        for code in (500, 503):
            if "/status/%d" % code in path or (code == 503 and "/flaky" in path):
                return self.send_json(code, {"error": {"code": "unavailable", "message": "stub", "request_id": self.headers.get("X-Request-Id", "")}})
        self.send_json(200, {"service": NAME, "port": PORT, "method": self.command, "path": path,
                             "headers": {k.lower(): v for k, v in self.headers.items()}, "body_len": n,
                             "padding": "x" * 400})
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
PY

declare -A port stub_pid
start_stub() { # name port
    python3 "$tmp/stub.py" "$1" "$2" & pids+=($!)
    port[$1]=$2; stub_pid[$1]=$!
}
for s in chatbot category clinic drug drug2 emergency_support internal_external; do start_stub "$s" "$(free_port)"; done
for s in "${!port[@]}"; do
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:${port[$s]}/__count" >/dev/null && break; sleep 0.1; done
done

# ---------------------------------------------------------------- placeholder SPA
spa="$tmp/spa"; mkdir -p "$spa/assets"
echo '<!doctype html><html><head><script type="module" src="/assets/app.0123abcd.js"></script></head><body><div id="root"></div></body></html>' > "$spa/index.html"
echo 'console.log("medi placeholder bundle");' > "$spa/assets/app.0123abcd.js"

echo "==> nginx -t on both renderings"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=medi.test \
    -keyout "$tmp/tls.key" -out "$tmp/tls.crt" >/dev/null 2>&1
export MEDI_UPSTREAM_CHATBOT="127.0.0.1:${port[chatbot]}"
export MEDI_UPSTREAM_CATEGORY="127.0.0.1:${port[category]}"
export MEDI_UPSTREAM_CLINIC="127.0.0.1:${port[clinic]}"
export MEDI_UPSTREAM_DRUG="127.0.0.1:${port[drug]},127.0.0.1:${port[drug2]}"   # two servers: retry tests
export MEDI_UPSTREAM_EMERGENCY_SUPPORT="127.0.0.1:${port[emergency_support]}"
export MEDI_UPSTREAM_INTERNAL_EXTERNAL="127.0.0.1:${port[internal_external]}"
mkdir -p "$tmp/prod/tmp"
if out=$(MEDI_SERVER_NAME=medi.test MEDI_TLS_CERT="$tmp/tls.crt" MEDI_TLS_KEY="$tmp/tls.key" \
        MEDI_NGINX_USER="$(id -un)" MEDI_PID_FILE="$tmp/prod/nginx.pid" MEDI_TEMP_DIR="$tmp/prod/tmp" \
        MEDI_ERROR_LOG="$tmp/prod/error.log" MEDI_ACCESS_LOG="$tmp/prod/access.log" \
        nginx/render.sh production "$tmp/prod" 2>&1 && "$NGINX" -t -e "$tmp/prod/error.log" -p "$tmp/prod" -c "$tmp/prod/medi.conf" 2>&1); then
    ok "production rendering passes nginx -t"
else fail "production rendering passes nginx -t" "$out"; fi
check "production rendering has HSTS, TLS and the :80 redirect" \
    grep -qs 'Strict-Transport-Security' "$tmp/prod/hsts.conf"
check "production rendering listens on 443 ssl with the given cert" \
    grep -qs "ssl_certificate *$tmp/tls.crt" "$tmp/prod/listen.conf"
check "production refuses to render without its variables" \
    bash -c "! env -u MEDI_UPSTREAM_DRUG MEDI_SERVER_NAME=x MEDI_TLS_CERT=x MEDI_TLS_KEY=x nginx/render.sh production '$tmp/prod2' >/dev/null 2>&1"

gw_port=${MEDI_GATEWAY_PORT:-$(free_port)}
if out=$(MEDI_LISTEN_PORT=$gw_port MEDI_SPA_ROOT="$spa" MEDI_PID_FILE="$tmp/run/nginx.pid" \
        MEDI_TEMP_DIR="$tmp/run/tmp" MEDI_ERROR_LOG="$tmp/logs/error.log" MEDI_ACCESS_LOG="$tmp/logs/access.log" \
        MEDI_RATE_AUTH=10r/m MEDI_BURST_AUTH=5 \
        nginx/render.sh local "$tmp/local" 2>&1 && "$NGINX" -t -e "$tmp/logs/error.log" -p "$tmp/local" -c "$tmp/local/medi.conf" 2>&1); then
    ok "local rendering passes nginx -t"
else fail "local rendering passes nginx -t" "$out"; echo "gateway: $passed passed, $failed failed"; exit 1; fi
check "local rendering: no HSTS, listens on 127.0.0.1" grep -q "listen 127.0.0.1:$gw_port;" "$tmp/local/listen.conf"
check "local rendering keeps nginx's own \$variables" grep -q '\$medi_request_id' "$tmp/local/snippets/api-proxy.conf"

"$NGINX" -e "$tmp/logs/error.log" -p "$tmp/local" -c "$tmp/local/medi.conf" -g 'daemon off;' & pids+=($!)
base="http://127.0.0.1:$gw_port"
for _ in $(seq 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

# ---------------------------------------------------------------- helpers
# req <curl args...>: sets $status, $body, $hdrs
req() {
    local h="$tmp/h" b="$tmp/b"
    status=$(curl -s -o "$b" -D "$h" -w '%{http_code}' "$@")
    body=$(tr -d '\0' < "$b"); hdrs=$(tr -d '\r' < "$h")
}
jget() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); 
for k in sys.argv[2].split("."): d=d[k] if isinstance(d,dict) else d[int(k)]
print(d)' "$body" "$1" 2>/dev/null; }
hdr() { printf '%s\n' "$hdrs" | awk -v k="$(echo "$1" | tr A-Z a-z)" -F': ' 'tolower($1)==k {sub(/^[^:]*: /,""); print; exit}'; }
count() { curl -s "http://127.0.0.1:${port[$1]}/__count" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1],0))' "$2"; }
total_hits() { # all requests any stub saw
    local t=0 s; for s in "${!port[@]}"; do
        t=$((t + $(curl -s "http://127.0.0.1:${port[$s]}/__count" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))' 2>/dev/null || echo 0)))
    done; echo "$t"; }
is_json_error() { # status code-name
    [ "$status" = "$1" ] && [ "$(jget error.code)" = "$2" ] && [ -n "$(jget error.request_id)" ] && [ -n "$(jget error.message)" ]
}

echo "==> routing"
route() { # gateway-path expected-service expected-upstream-path
    req "$base$1"
    if [ "$status" = 200 ] && { [ "$(jget service)" = "$2" ] || [ "$2" = drug -a "$(jget service)" = drug2 ]; } && [ "$(jget path)" = "$3" ]; then
        ok "GET $1 -> $2 $3"
    else fail "GET $1 -> $2 $3" "status=$status body=${body:0:300}"; fi
}
route /api/account/me chatbot /account/me
route /api/chatbot/sessions chatbot /chatbot/sessions
route /api/category category /category
route /api/category/departments category /category/departments
route '/api/clinic?department=pediatrics&open_now=true' clinic '/clinic?department=pediatrics&open_now=true'
route /api/drug/interactions drug /drug/interactions
route '/api/drug?q=%ED%83%80%EC%9D%B4%EB%A0%88%EB%86%80' drug '/drug?q=%ED%83%80%EC%9D%B4%EB%A0%88%EB%86%80'
route /api/emergency-support/guides emergency_support /emergency-support/guides
route /api/internal_external/conditions internal_external /internal_external/conditions
req -X POST -H 'content-type: application/json' -d '{"text":"x"}' "$base/api/emergency-support/triage"
check "POST body reaches the upstream" [ "$status" = 200 -a "$(jget method)" = POST -a "$(jget body_len)" = 12 ]
check "upstream keepalive: Connection header not forwarded as close" [ "$(jget headers.connection)" != close ]
check "X-Forwarded-For is set" [ "$(jget headers.x-forwarded-for)" = 127.0.0.1 ]

echo "==> request id"
req "$base/api/drug/1"
gen=$(jget headers.x-request-id)
check "a request id is generated when absent and sent upstream" [ -n "$gen" ]
check "the generated id is echoed once in the response" [ "$(hdr x-request-id)" = "$gen" -a "$(printf '%s\n' "$hdrs" | grep -ci '^x-request-id:')" = 1 ]
req -H 'X-Request-Id: client-id-123' "$base/api/drug/1"
check "the client's request id is passed upstream" [ "$(jget headers.x-request-id)" = client-id-123 ]
check "the client's request id is echoed" [ "$(hdr x-request-id)" = client-id-123 ]
req -H 'X-Request-Id: bad id "<script>' "$base/api/drug/1"
check "an insane client request id is replaced" [ "$(jget headers.x-request-id)" != 'bad id "<script>' -a -n "$(jget headers.x-request-id)" ]

echo "==> internal endpoints and unknown API paths"
before=$(total_hits)
for p in /api/drug/metrics /api/drug/health/ready /api/drug/health/live /api/chatbot/metrics /api/unknown/x \
         /api/drug/../metrics /api/drug/%2e%2e/metrics /api/drug/..%2fmetrics /api/metrics /api/health/ready /api /api/drugs; do
    req --path-as-is -H 'X-Request-Id: nf-1' "$base$p"
    if is_json_error 404 not_found && [ "$(jget error.request_id)" = nf-1 ]; then ok "$p -> JSON 404"; else fail "$p -> JSON 404" "status=$status body=${body:0:200}"; fi
done
check "none of them reached an upstream" [ "$(total_hits)" = "$before" ]

echo "==> retries (drug has two upstream servers that both answer 503 on /flaky)"
req -X POST -d '{}' -H 'content-type: application/json' "$base/api/drug/flaky-post"
n=$(( $(count drug 'POST /drug/flaky-post') + $(count drug2 'POST /drug/flaky-post') ))
check "POST answered 503 is NOT retried (upstream hits: $n)" [ "$status" = 503 -a "$n" = 1 ]
check "the upstream's own 503 JSON passes through" [ "$(jget error.message)" = stub ]
req "$base/api/drug/flaky-get"
n=$(( $(count drug 'GET /drug/flaky-get') + $(count drug2 'GET /drug/flaky-get') ))
check "GET answered 503 IS retried on the other server (upstream hits: $n)" [ "$n" = 2 ]
req "$base/api/drug/status/500"
n=$(( $(count drug 'GET /drug/status/500') + $(count drug2 'GET /drug/status/500') ))
check "GET answered 500 is not retried and passes through (hits: $n)" [ "$status" = 500 -a "$n" = 1 ]

echo "==> body size limit"
head -c $((1024*1024 + 10)) /dev/zero > "$tmp/big"
req -X POST -H 'content-type: application/json' -H 'X-Request-Id: big-1' --data-binary @"$tmp/big" "$base/api/drug/interactions"
check "body over 1m -> JSON 413 with request id" is_json_error 413 payload_too_large
req -X POST -H 'content-type: application/json' --data-binary '{"drugs":["a","b"]}' "$base/api/drug/interactions"
check "small body passes" [ "$status" = 200 ]

echo "==> SSE"
python3 - "$base/api/chatbot/sessions/s1/sse" > "$tmp/sse" <<'PY'
import sys, time, urllib.request
t0 = time.time(); first = None; n = 0
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    ctype = r.headers.get("Content-Type", "")
    xab = r.headers.get("X-Accel-Buffering", "")
    for line in r:
        if line.startswith(b"data:"):
            n += 1
            if first is None: first = time.time() - t0
total = time.time() - t0
print(n, round(first or 99, 2), round(total, 2), ctype, xab)
PY
read -r sse_n sse_first sse_total sse_ctype sse_xab < "$tmp/sse"
check "SSE: 3 events, first after ${sse_first}s of ${sse_total}s (incremental)" \
    python3 -c "import sys; sys.exit(0 if $sse_n == 3 and $sse_first < 0.5 and $sse_total > 1.4 else 1)"
check "SSE: text/event-stream, X-Accel-Buffering: no" [ "$sse_ctype" = text/event-stream -a "$sse_xab" = no ]
# the same with curl -N, as a user would see it
first_line_t=$( { curl -sN "$base/api/chatbot/x/sse" | while IFS= read -r l; do [[ $l == data:* ]] && { date +%s.%N; break; }; done; } )
check "SSE via curl -N: first event arrives before the stream ends" [ -n "$first_line_t" ]

echo "==> rate limits"
codes=""
for i in $(seq 10); do
    req -X POST -H 'content-type: application/json' -H "X-Request-Id: rl-$i" -d '{}' "$base/api/account/login"; codes+="$status "
done
check "login: first requests pass, then 429 after the burst ($codes)" [ "${codes%% *}" = 200 ] 
[[ $codes == *429* ]] && ok "login answers 429 after the burst" || fail "login answers 429 after the burst" "$codes"
req -X POST -H 'X-Request-Id: rl-x' -d '{}' "$base/api/account/signup"
check "signup shares the strict limit: JSON 429 with request id" is_json_error 429 rate_limited
check "429 body carries the client's request id" [ "$(jget error.request_id)" = rl-x ]
check "429 has Retry-After" [ -n "$(hdr retry-after)" ]
req "$base/api/account/me"
check "other account routes are not held by the login limit" [ "$status" = 200 ]
codes=""
for i in $(seq 14); do req -X POST -d '{}' "$base/api/chatbot/sessions/s1/messages"; codes+="$status "; done
check "chatbot messages: moderate limit returns 429 after burst 10 ($codes)" bash -c "[[ '$codes' == 200* && '$codes' == *429* ]]"
check "chatbot messages path reaches chatbot /chatbot/sessions/s1/messages" \
    [ "$(count chatbot 'POST /chatbot/sessions/s1/messages')" -ge 10 ]

echo "==> headers, compression, SPA"
req "$base/"
check "SPA / serves index.html" bash -c "[[ '$status' == 200 ]] && grep -q 'id=\"root\"' <<<'$body'"
check "index.html: Cache-Control no-cache" [ "$(hdr cache-control)" = no-cache ]
csp=$(hdr content-security-policy)
check "CSP: no inline scripts, frame-ancestors 'none'" bash -c "[[ \"\$1\" == *\"script-src 'self'\"* && \"\$1\" == *\"frame-ancestors 'none'\"* && \"\$1\" != *unsafe-inline* ]]" _ "$csp"
check "X-Content-Type-Options nosniff" [ "$(hdr x-content-type-options)" = nosniff ]
check "X-Frame-Options DENY" [ "$(hdr x-frame-options)" = DENY ]
check "Referrer-Policy strict-origin-when-cross-origin" [ "$(hdr referrer-policy)" = strict-origin-when-cross-origin ]
check "no HSTS on the local rendering" [ -z "$(hdr strict-transport-security)" ]
check "no server version" [ "$(hdr server)" = nginx ]
req "$base/drugs/123"
check "unknown SPA route /drugs/123 -> index.html (history fallback)" bash -c "[[ '$status' == 200 ]] && grep -q 'id=\"root\"' <<<'$body'"
check "fallback index.html is no-cache too" [ "$(hdr cache-control)" = no-cache ]
req "$base/assets/app.0123abcd.js"
check "/assets/*.js: 200, long immutable cache" [ "$status" = 200 -a "$(hdr cache-control)" = "public, max-age=31536000, immutable" ]
check "/assets/*.js has security headers too" [ "$(hdr x-content-type-options)" = nosniff ]
check "/assets/*.js content type is javascript" bash -c "[[ '$(hdr content-type)' == application/javascript* ]]"
req "$base/assets/missing.0000.js"
check "missing asset is 404, not index.html" [ "$status" = 404 ]
req -H 'Accept-Encoding: gzip' "$base/api/category/departments"
check "JSON gzip-compressed with Accept-Encoding: gzip" [ "$(hdr content-encoding)" = gzip ]
check "API responses carry security headers" [ "$(hdr x-frame-options)" = DENY -a "$(hdr x-content-type-options)" = nosniff ]
req "$base/api/category/departments"
check "no gzip without Accept-Encoding" [ -z "$(hdr content-encoding)" ]
req "$base/healthz"
check "gateway /healthz answers 200" [ "$status" = 200 ]

echo "==> upstream down"
kill "${stub_pid[internal_external]}" 2>/dev/null
wait "${stub_pid[internal_external]}" 2>/dev/null
req -H 'X-Request-Id: down-1' "$base/api/internal_external/conditions"
check "upstream down -> JSON 502 with request id ($status)" is_json_error 502 bad_gateway
check "502 carries the client's request id" [ "$(jget error.request_id)" = down-1 -a "$(hdr x-request-id)" = down-1 ]
req -X POST -d '{}' "$base/api/internal_external/route"
check "POST to a down upstream -> JSON 502" is_json_error 502 bad_gateway

echo "==> access log"
sleep 0.3
if python3 - "$tmp/logs/access.log" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) > 20, "too few lines: %d" % len(lines)
ids = set()
for l in lines:
    d = json.loads(l)
    for k in ("time", "request_id", "method", "path", "status", "request_time", "upstream_status"):
        assert k in d, (k, l)
    assert "?" not in d["path"], l
    ids.add(d["request_id"])
assert "client-id-123" in ids and "down-1" in ids, "request ids not logged"
PY
then ok "access log lines are JSON with request ids (no query strings)"; else fail "access log lines are JSON with request ids (no query strings)"; fi
check "a log line with quotes in the user agent is still JSON" bash -c "
    curl -s -A 'evil \"agent\" \\\\ x' '$base/api/drug/1' >/dev/null; sleep 0.2
    tail -n 1 '$tmp/logs/access.log' | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert \"agent\" in d[\"user_agent\"]'"

echo
echo "gateway: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
