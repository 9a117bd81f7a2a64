#!/usr/bin/env bash
# Checks the Prometheus, Alertmanager and Grafana configuration offline:
# configs, rules, promtool unit tests, Alertmanager config, dashboards, and that
# every PromQL expression parses and uses only metrics the services emit, and
# docs/ARCHITECTURE.md lists every metric and has a runbook row per alert.
# Needs promtool (Debian package `prometheus`), python3 with PyYAML
# (`python3-yaml`); amtool (`prometheus-alertmanager`) is used when present.
# Installs nothing. Ends with "observability: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }
ok() { passed=$((passed + 1)); printf '\033[32mok\033[0m   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '\033[31mFAIL\033[0m %s\n' "$*"; }
# check NAME CMD...: runs CMD, shows its output on failure.
check() {
    local name=$1; shift
    if "$@" >"$tmp/out" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/     /' "$tmp/out"; fi
}
finish() {
    echo
    echo "observability: ${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
    exit $?
}

step "tools"
if ! command -v promtool >/dev/null; then
    fail "promtool not found (apt-get install prometheus)"
    finish
fi
ok "promtool: $(promtool --version 2>&1 | head -1)"
if ! python3 -c 'import yaml' 2>/dev/null; then
    fail "python3 with PyYAML not found (apt-get install python3-yaml)"
    finish
fi
ok "python3 with PyYAML"
pc=prometheus/tools/promql_check.py

step "Prometheus configuration"
for cfg in prometheus/prometheus.local.yml prometheus/prometheus.production.yml; do
    check "promtool check config $cfg" promtool check config "$cfg"
done
check "promtool check rules prometheus/rules/*.yml" promtool check rules prometheus/rules/recording.yml prometheus/rules/alerts.yml

step "promtool unit tests"
for t in prometheus/tests/*.yml; do
    check "promtool test rules $t" promtool test rules "$t"
done
check "every alert: severity, annotations, firing and not-firing tests" python3 "$pc" alert-coverage
check "docs/ARCHITECTURE.md: every metric listed, a runbook row for every alert" python3 "$pc" docs

step "Alertmanager configuration"
if command -v amtool >/dev/null; then
    check "amtool check-config prometheus/alertmanager.yml" amtool check-config prometheus/alertmanager.yml
else
    echo "note: amtool not found (apt-get install prometheus-alertmanager); Alertmanager config check skipped"
fi
check "alertmanager routes page and ticket to their receivers" python3 - <<'PY'
import yaml, sys
c = yaml.safe_load(open("prometheus/alertmanager.yml"))
routes = {tuple(r.get("matchers", [])): r["receiver"] for r in c["route"]["routes"]}
want = {('severity="page"',): "pager", ('severity="ticket"',): "ticket"}
names = {r["name"] for r in c["receivers"]}
bad = [f"{m} -> {routes.get(m)}, want {r}" for m, r in want.items() if routes.get(m) != r]
bad += [f"receiver {r} not defined" for r in want.values() if r not in names]
for r in c["receivers"]:
    for w in r.get("webhook_configs", []):
        if ".invalid/" not in w["url"] or "REPLACE_ME" not in w["url"]:
            bad.append(f"receiver {r['name']}: webhook URL should be an obvious placeholder: {w['url']}")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

step "Grafana"
for f in grafana/dashboards/*.json; do
    check "valid JSON: $f" python3 -m json.tool "$f"
done
for f in grafana/provisioning/datasources/prometheus.yml grafana/provisioning/dashboards/dashboards.yml; do
    check "valid YAML: $f" python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f"
done
check "dashboards match grafana/generate_dashboards.py" python3 grafana/generate_dashboards.py --check
check "dashboards: units, datasource, variables, ids" python3 "$pc" dashboards

step "PromQL"
check "metric-name extractor self-test" python3 "$pc" selftest
if python3 "$pc" parse-rules "$tmp/exprs.yml" >"$tmp/out" 2>&1 && promtool check rules "$tmp/exprs.yml" >"$tmp/out" 2>&1; then
    ok "every expression parses ($(grep -c . "$tmp/exprs.yml.index") from dashboards, variables and rules)"
else
    fail "every expression parses"
    sed 's/^/     /' "$tmp/out"
    # name the dashboard panel or rule behind each failing check:expr_N
    for n in $(grep -o 'check:expr_[0-9]*' "$tmp/out" | sort -u); do
        grep -P "^$n\t" "$tmp/exprs.yml.index" 2>/dev/null | sed 's/^/     /'
    done
fi
check "every expression uses only emitted metrics; dashboards rate over \$__rate_interval" python3 "$pc" metrics

finish
