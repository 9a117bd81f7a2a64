#!/usr/bin/env python3
"""Static checks on the PromQL in prometheus/rules and grafana/dashboards.

Used by scripts/test-observability.sh (and -live.sh). Subcommands:
  exprs              print every expression as JSON lines {origin, kind, expr, promql}
  parse-rules FILE   write a Prometheus rules file holding every expression (with
                     Grafana variables substituted) so `promtool check rules` parses them
  metrics            check every metric name referenced is allowed
  dashboards         structural checks on the dashboard JSON
  alert-coverage     every alert has a firing and a not-firing promtool test case
Each check prints "ok: ..." or "FAIL: ..." lines and exits non-zero on failure.
"""
import glob
import json
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROM = os.path.join(ROOT, "prometheus")
DASH = os.path.join(ROOT, "grafana", "dashboards")

# The metrics the services emit today: the only ones dashboards may query.
COUNTERS_GAUGES = [
    "http_requests_total", "http_requests_in_flight", "build_info", "cache_requests_total",
    "redis_errors_total", "upstream_requests_total", "db_pool_connections",
    "db_pool_max_connections", "db_pool_acquire_seconds", "store_up", "store_check_duration_seconds",
    "triage_decisions_total", "up",
    "chatbot_turns_total", "chatbot_degraded_answers_total", "chatbot_feedback_total",
    "chatbot_archive_stream_lag",
    "chatbot_retrievals_total", "chatbot_retrieved_passages_total", "knowledge_index_passages",
]
HISTOGRAMS = ["http_request_duration_seconds", "redis_command_duration_seconds",
              "upstream_request_duration_seconds", "chatbot_answer_duration_seconds",
              "chatbot_stage_duration_seconds"]
EMITTED = set(COUNTERS_GAUGES) | {h + s for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")}
# Metrics a later issue will emit: alert rules may use them, dashboards not yet. None today.
FUTURE = set()

KEYWORDS = {"and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left",
            "group_right", "offset", "inf", "nan", "atan2", "start", "end"}

# Grafana variables -> values that keep the query valid PromQL.
VARS = [(r"\$__rate_interval|\$\{__rate_interval\}", "1m"), (r"\$__range|\$\{__range\}", "1h"),
        (r"\$__interval|\$\{__interval\}", "1m"), (r"\$\{?route\}?", "/drug/{id}"),
        (r"\$\{?service\}?", "drug"), (r"\$\{?\w+\}?", "x")]


def substitute(expr):
    for pat, val in VARS:
        expr = re.sub(pat, val, expr)
    return expr


def rule_groups(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["groups"]


def recording_names():
    return {r["record"] for g in rule_groups(os.path.join(PROM, "rules", "recording.yml"))
            for r in g["rules"] if "record" in r}


def dashboards():
    for path in sorted(glob.glob(os.path.join(DASH, "*.json"))):
        with open(path, encoding="utf-8") as fh:
            yield os.path.basename(path), json.load(fh)


def all_panels(board):
    for p in board.get("panels", []):
        yield p
        yield from p.get("panels", [])


def exprs():
    """Every expression: dashboards (targets and variable queries), recording and alert rules."""
    out = []
    for name, board in dashboards():
        for p in all_panels(board):
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append({"origin": f"{name} panel {p['id']} '{p.get('title')}' {t['refId']}",
                                "kind": "dashboard", "expr": t["expr"], "instant": bool(t.get("instant")),
                                "promql": substitute(t["expr"])})
        for v in board.get("templating", {}).get("list", []):
            if v.get("type") != "query":
                continue
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", q, re.S)
            inner = m.group(1) if m else q
            out.append({"origin": f"{name} variable ${v['name']}", "kind": "dashboard",
                        "expr": q, "instant": True, "promql": substitute(inner)})
    for kind in ("recording", "alerts"):
        for g in rule_groups(os.path.join(PROM, "rules", f"{kind}.yml")):
            for r in g["rules"]:
                name = r.get("record") or r.get("alert")
                out.append({"origin": f"rules/{kind}.yml {name}", "kind": kind, "expr": r["expr"],
                            "instant": False, "promql": r["expr"]})
    return out


STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def mask_strings(expr):
    """Replaces the inside of string literals, keeping offsets."""
    return STRING.sub(lambda m: m.group(0)[0] + "_" * (len(m.group(0)) - 2) + m.group(0)[-1], expr)


def metric_names(expr):
    s = STRING.sub('""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?[0-9a-z]+", " ", s)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        tok = m.group(0)
        before = s[m.start() - 1] if m.start() else " "
        if before.isdigit() or before == ".":
            continue  # 1e3, 0.5
        if s[m.end():].lstrip().startswith("("):
            continue  # function or aggregation
        if tok.lower() in KEYWORDS:
            continue
        names.add(tok)
    return names


def cmd_selftest():
    cases = {
        'sum by (service, le) (rate(http_request_duration_seconds_bucket{status=~"5..",x="a{b}"}[5m]))':
            {"http_request_duration_seconds_bucket"},
        "a / ignoring (level) group_left sum(b) > bool 0.5e3 and on (x) c offset 5m": {"a", "b", "c"},
        'count by (service) (count by (service, version) (build_info)) > 1': {"build_info"},
        'histogram_quantile(0.99, sum(rate(x_bucket[1m]))) or vector(0)': {"x_bucket"},
        'service:http_requests:rate5m > 0.1 unless max_over_time(up[1h:5m]) < 1': {"service:http_requests:rate5m", "up"},
    }
    fails = [f"metric_names({q!r}) = {sorted(metric_names(q))}, want {sorted(w)}"
             for q, w in cases.items() if metric_names(q) != w]
    return report(fails, f"metric-name extractor self-test ({len(cases)} cases)")


def cmd_exprs():
    for e in exprs():
        print(json.dumps(e, ensure_ascii=False))


def cmd_parse_rules(path):
    rules = [{"record": f"check:expr_{i}", "expr": e["promql"]} for i, e in enumerate(exprs())]
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump({"groups": [{"name": "parse-check", "rules": rules}]}, fh, allow_unicode=True)
    with open(path + ".index", "w", encoding="utf-8") as fh:
        for i, e in enumerate(exprs()):
            fh.write(f"check:expr_{i}\t{e['origin']}\n")
    print(f"ok: wrote {len(rules)} expressions to {path}")


def report(fails, okmsg):
    for f in fails:
        print("FAIL:", f)
    if not fails:
        print("ok:", okmsg)
    return 1 if fails else 0


def cmd_metrics():
    rec = recording_names()
    allowed = {"dashboard": EMITTED | rec, "recording": EMITTED, "alerts": EMITTED | FUTURE | rec}
    fails, n = [], 0
    for e in exprs():
        names = metric_names(e["promql"])
        n += 1
        if not names:
            fails.append(f"{e['origin']}: no metric name found in {e['expr']!r}")
        for bad in sorted(names - allowed[e["kind"]]):
            fails.append(f"{e['origin']}: metric {bad!r} is not emitted (allowed for {e['kind']})")
        masked = mask_strings(e["expr"])
        if e["kind"] == "dashboard":
            for m in re.finditer(r"\b(rate|irate|increase)\s*\(", masked):
                window = re.match(r"[^\[]*\[([^\]]*)\]", masked[m.end():], re.S)
                w = window.group(1) if window else ""
                if w != "$__rate_interval" and not (w == "$__range" and e["instant"]):
                    fails.append(f"{e['origin']}: {m.group(1)}() over [{w}] (use $__rate_interval; "
                                 "$__range only in instant stats)")
        if e["kind"] == "recording":
            for w in re.findall(r"\[([^\]]*)\]", masked):
                if w != "5m":
                    fails.append(f"{e['origin']}: window [{w}] (recording rules use [5m])")
    return report(fails, f"{n} expressions reference only emitted metrics")


def cmd_dashboards():
    fails, uids = [], set()
    names = [n for n, _ in dashboards()]
    for want in ("overview", "service", "data-stores", "chatbot-quality"):
        if f"{want}.json" not in names:
            fails.append(f"missing dashboard {want}.json")
    for name, b in dashboards():
        for key in ("uid", "title", "panels", "schemaVersion"):
            if key not in b:
                fails.append(f"{name}: no {key}")
        if b.get("uid") in uids:
            fails.append(f"{name}: duplicate uid {b.get('uid')}")
        uids.add(b.get("uid"))
        variables = {v["name"]: v for v in b.get("templating", {}).get("list", [])}
        uses_service = "$service" in json.dumps(b.get("panels"))
        if uses_service:
            sv = variables.get("service")
            q = sv and (sv["query"]["query"] if isinstance(sv["query"], dict) else sv["query"])
            if q != "label_values(build_info, service)":
                fails.append(f"{name}: $service used but variable is not label_values(build_info, service)")
        ids = set()
        for p in all_panels(b):
            if p["id"] in ids:
                fails.append(f"{name}: duplicate panel id {p['id']}")
            ids.add(p["id"])
            if p["type"] in ("row", "text"):
                continue
            if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
                fails.append(f"{name} panel '{p.get('title')}': no unit")
            if not p.get("targets"):
                fails.append(f"{name} panel '{p.get('title')}': no targets")
            ds = p.get("datasource", {})
            if ds.get("uid") != "medi-prometheus":
                fails.append(f"{name} panel '{p.get('title')}': datasource is not medi-prometheus")
            for t in p.get("targets", []):
                for var in re.findall(r"\$(\w+)", t.get("expr", "")):
                    if not var.startswith("__") and var not in variables:
                        fails.append(f"{name} panel '{p.get('title')}': undefined variable ${var}")
    return report(fails, f"{len(names)} dashboards well formed")


def cmd_alert_coverage():
    alerts = [r["alert"] for g in rule_groups(os.path.join(PROM, "rules", "alerts.yml"))
              for r in g["rules"] if "alert" in r]
    firing, quiet = set(), set()
    for path in glob.glob(os.path.join(PROM, "tests", "*.yml")):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for t in doc.get("tests", []):
            for a in t.get("alert_rule_test", []) or []:
                (firing if a.get("exp_alerts") else quiet).add(a["alertname"])
    fails = []
    for a in alerts:
        if a not in firing:
            fails.append(f"alert {a} has no firing test case")
        if a not in quiet:
            fails.append(f"alert {a} has no not-firing test case")
    for g in rule_groups(os.path.join(PROM, "rules", "alerts.yml")):
        for r in g["rules"]:
            if r["labels"].get("severity") not in ("page", "ticket"):
                fails.append(f"alert {r['alert']}: severity must be page or ticket")
            for k in ("summary", "description", "runbook"):
                if not r.get("annotations", {}).get(k):
                    fails.append(f"alert {r['alert']}: no {k} annotation")
    return report(fails, f"{len(alerts)} alerts have severity, annotations and firing + not-firing tests")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit({"exprs": lambda: cmd_exprs() or 0,
              "parse-rules": lambda: cmd_parse_rules(*args) or 0,
              "metrics": cmd_metrics, "selftest": cmd_selftest, "dashboards": cmd_dashboards,
              "alert-coverage": cmd_alert_coverage}[cmd]())
