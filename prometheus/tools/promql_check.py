#!/usr/bin/env python3
"""Static checks on the PromQL in prometheus/rules and grafana/dashboards.

Used by scripts/test-observability.sh (and -live.sh). Subcommands:
  exprs              print every expression as JSON lines {origin, kind, expr, promql}
  parse-rules FILE   write a Prometheus rules file holding every expression (with
                     Grafana variables substituted) so `promtool check rules` parses them
  metrics            check every metric name referenced is allowed
  dashboards         structural checks on the dashboard JSON
  alert-coverage     every alert has a firing and a not-firing promtool test case
  docs               docs/ARCHITECTURE.md's observability section lists every emitted
                     metric and has a runbook row for every alert
  emitted DIR        every metric the dashboards and rules reference appears in the real
                     /metrics output saved in DIR/*.prom, and EMITTED below lists exactly
                     what the services really emit (used by the live test)
  live PROM_URL      against a Prometheus that has scraped the real services: every
                     dashboard query (each value of a single-value variable tried, "All"
                     for multi-value ones) and every recording rule returns data, every
                     alert expression evaluates (used by the live test)
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


def board_vars(board):
    """{name: {"multi": bool, "query": PromQL selector its values come from, "label": label}}."""
    out = {}
    for v in board.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q, re.S)
        out[v["name"]] = {"multi": bool(v.get("multi")), "definition": q,
                          "query": m.group(1) if m else q, "label": m.group(2) if m else None}
    return out


def exprs():
    """Every expression: dashboards (targets and variable queries), recording and alert rules."""
    out = []
    for name, board in dashboards():
        bvars = board_vars(board)
        for p in all_panels(board):
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append({"origin": f"{name} panel {p['id']} '{p.get('title')}' {t['refId']}",
                                "kind": "dashboard", "expr": t["expr"], "instant": bool(t.get("instant")),
                                "promql": substitute(t["expr"]), "vars": bvars})
        for vname, v in bvars.items():
            out.append({"origin": f"{name} variable ${vname}", "kind": "dashboard",
                        "expr": v["definition"], "instant": True, "promql": substitute(v["query"]),
                        "template": v["query"], "vars": bvars})
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


def cmd_docs():
    path = os.path.join(ROOT, "docs", "ARCHITECTURE.md")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    m = re.search(r"^## Observability.*?(?=^## )", text, re.S | re.M)
    if not m:
        return report([f"{path}: no '## Observability' section"], "")
    section = m.group(0)
    fails = []
    for h in HISTOGRAMS:
        if f"`{h}`" not in section:
            fails.append(f"docs/ARCHITECTURE.md observability: metric `{h}` not listed")
    for c in COUNTERS_GAUGES:
        if c not in PROMETHEUS_OWN and f"`{c}`" not in section:
            fails.append(f"docs/ARCHITECTURE.md observability: metric `{c}` not listed")
    alerts = {r["alert"]: r["labels"].get("severity") for g in rule_groups(os.path.join(PROM, "rules", "alerts.yml"))
              for r in g["rules"] if "alert" in r}
    for a, severity in alerts.items():
        row = re.search(rf"^\| {re.escape(a)} \| (\w+) \| (.+) \|$", section, re.M)
        if not row or len(row.group(2).strip()) < 10:
            fails.append(f"docs/ARCHITECTURE.md observability: no '| {a} | severity | what to do |' row")
        elif row.group(1) != severity:
            fails.append(f"docs/ARCHITECTURE.md observability: {a} is {row.group(1)} there, {severity} in alerts.yml")
    return report(fails, f"docs list {len(HISTOGRAMS) + len(COUNTERS_GAUGES) - 1} metrics and a runbook "
                  f"for each of {len(alerts)} alerts")


def emitted_names(directory):
    """Sample names in the saved /metrics outputs: {name: {service files}}."""
    seen = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.prom"))):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(\{| )", line)
                if m and not line.startswith("#"):
                    seen.setdefault(m.group(1), set()).add(os.path.basename(path)[:-5])
    return seen


# Emitted by Prometheus itself, not by a service.
PROMETHEUS_OWN = {"up"}


def cmd_emitted(directory):
    real = emitted_names(directory)
    if not real:
        return report([f"no metrics found in {directory}/*.prom"], "")
    rec = recording_names()
    fails, n = [], 0
    for e in exprs():
        for name in sorted(metric_names(e["promql"]) - rec - PROMETHEUS_OWN):
            n += 1
            if name not in real:
                fails.append(f"{e['origin']}: {name!r} does not appear in any service's /metrics")
    listed = EMITTED - PROMETHEUS_OWN
    for name in sorted(listed - set(real)):
        fails.append(f"EMITTED in {os.path.relpath(__file__, ROOT)} lists {name!r}, which no service emits")
    for name in sorted(set(real) - listed):
        fails.append(f"{name!r} is emitted (by {', '.join(sorted(real[name]))}) but not listed in EMITTED "
                     f"in {os.path.relpath(__file__, ROOT)} (add it there and to docs/ARCHITECTURE.md)")
    return report(fails, f"{n} metric references found in the real /metrics of {len(glob.glob(os.path.join(directory, '*.prom')))} "
                  f"services; EMITTED matches the {len(real)} names they emit")


def prom_query(base, expr):
    import urllib.parse
    import urllib.request
    url = base.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        d = json.load(r)
    if d.get("status") != "success":
        raise RuntimeError(d)
    return d["data"]["result"]


def substitutions(base, bvars):
    """Every assignment of the dashboard's variables to try: multi-value ones get
    Grafana's "All" (.*), single-value ones each value Prometheus knows."""
    fixed = {k: ".*" for k, v in bvars.items() if v["multi"]}
    combos = [fixed]
    for k, v in bvars.items():
        if v["multi"]:
            continue
        sel = substitute_with(v["query"], fixed)
        values = sorted({r["metric"].get(v["label"], "") for r in prom_query(base, sel)} - {""})
        combos = [{**c, k: val} for c in combos for val in values] or [{**c, k: "none"} for c in combos]
    return combos


def substitute_with(expr, values):
    for k, val in values.items():
        expr = re.sub(r"\$\{" + k + r"\}|\$" + k + r"\b", lambda _m, val=val: val, expr)
    return substitute(expr)


def cmd_live(base):
    fails, n = [], 0
    combos_by_board = {}
    for e in exprs():
        n += 1
        try:
            if e["kind"] == "dashboard":
                key = json.dumps(e["vars"], sort_keys=True)
                if key not in combos_by_board:
                    combos_by_board[key] = substitutions(base, e["vars"])
                tried, hits = [], []
                for combo in combos_by_board[key]:
                    q = substitute_with(e.get("template", e["expr"]), combo)
                    res = prom_query(base, q)
                    label = ",".join(f"{k}={v}" for k, v in combo.items() if not e["vars"][k]["multi"])
                    tried.append(label or "all")
                    if res:
                        hits.append((label, len(res)))
                if hits:
                    where = f" for {', '.join(h for h, _ in hits)}" if hits[0][0] else ""
                    print(f"ok   {e['origin']}: {sum(c for _, c in hits)} series{where}")
                else:
                    fails.append(f"{e['origin']}: no data (tried {', '.join(tried)})")
            elif e["kind"] == "recording":
                if not prom_query(base, e["promql"]):
                    fails.append(f"{e['origin']}: expression returns no data")
                    continue
                rec = e["origin"].split()[-1]
                got = prom_query(base, rec)
                if got:
                    print(f"ok   {e['origin']}: {len(got)} series recorded")
                else:
                    fails.append(f"{e['origin']}: rule recorded nothing")
            else:
                res = prom_query(base, e["promql"])
                print(f"ok   {e['origin']}: evaluates ({len(res)} series)")
        except Exception as ex:  # noqa: BLE001 - any error is a failed check
            fails.append(f"{e['origin']}: error: {ex}")
    for f in fails:
        print("FAIL", f)
    print(f"checked {n} expressions live, {len(fails)} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit({"exprs": lambda: cmd_exprs() or 0,
              "parse-rules": lambda: cmd_parse_rules(*args) or 0,
              "metrics": cmd_metrics, "selftest": cmd_selftest, "dashboards": cmd_dashboards,
              "alert-coverage": cmd_alert_coverage,
              "docs": cmd_docs, "emitted": lambda: cmd_emitted(*args), "live": lambda: cmd_live(*args)}[cmd]())
