#!/usr/bin/env python3
"""Generates grafana/dashboards/*.json. Edit this file, then run
`python3 grafana/generate_dashboards.py`; scripts/test-observability.sh fails
when the committed JSON differs from what this produces.

Rules the dashboards follow (checked by scripts/test-observability.sh):
every panel that shows data has a unit, every rate uses $__rate_interval, and
queries use only metrics the services emit today (or recording rules).
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "medi-prometheus"}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
RI = "$__rate_interval"


def service_var(multi=True):
    v = {
        "name": "service",
        "label": "service",
        "type": "query",
        "datasource": DS,
        "query": {"query": "label_values(build_info, service)", "refId": "service"},
        "definition": "label_values(build_info, service)",
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
    }
    if multi:
        v["allValue"] = ".*"
        v["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    return v


def query_var(name, query, multi=True):
    return {
        "name": name,
        "label": name,
        "type": "query",
        "datasource": DS,
        "query": {"query": query, "refId": name},
        "definition": query,
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*" if multi else None,
    }


class Board:
    def __init__(self, uid, title, description, variables, tags=()):
        self.uid, self.title, self.description = uid, title, description
        self.variables = variables
        self.tags = ["medi", *tags]
        self.panels = []
        self.x = self.y = 0
        self.row_h = 0
        self.next_id = 1

    def _pos(self, w, h):
        if self.x + w > 24:
            self.x, self.y = 0, self.y + self.row_h
            self.row_h = 0
        pos = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        self.panels.append({"id": self.next_id, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}, "panels": []})
        self.next_id += 1
        self.y += 1

    def panel(self, kind, title, unit, targets, w=12, h=8, description="", stack=False,
              mappings=None, thresholds=None, instant=False, table=False, minmax=None):
        tg = []
        for i, t in enumerate(targets):
            expr, legend = t if isinstance(t, tuple) else (t, "")
            tgt = {"refId": chr(65 + i), "datasource": DS, "expr": expr,
                   "legendFormat": legend or "__auto", "range": not instant, "instant": instant}
            if table:
                tgt["format"] = "table"
            tg.append(tgt)
        defaults = {"unit": unit}
        if mappings:
            defaults["mappings"] = mappings
        if thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": thresholds}
        if minmax:
            defaults["min"], defaults["max"] = minmax
        if kind == "timeseries":
            defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if stack else 0,
                                  "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                                  "showPoints": "never", "spanNulls": False}
        p = {"id": self.next_id, "type": kind, "title": title, "description": description,
             "datasource": DS, "gridPos": self._pos(w, h), "targets": tg,
             "fieldConfig": {"defaults": defaults, "overrides": []}, "options": {}}
        if kind == "timeseries":
            p["options"] = {"legend": {"displayMode": "table", "placement": "bottom",
                                       "calcs": ["lastNotNull", "max"]},
                            "tooltip": {"mode": "multi", "sort": "desc"}}
        if kind == "table":
            p["transformations"] = [{"id": "merge", "options": {}}]
        self.next_id += 1
        self.panels.append(p)

    def text(self, title, content, w=24, h=4):
        self.panels.append({"id": self.next_id, "type": "text", "title": title,
                            "gridPos": self._pos(w, h),
                            "options": {"mode": "markdown", "content": content}})
        self.next_id += 1

    def json(self):
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": self.tags, "timezone": "browser", "editable": False,
            "schemaVersion": 39, "version": 1, "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"},
            "graphTooltip": 1,
            "templating": {"list": self.variables},
            "annotations": {"list": []},
            "links": [{"type": "dashboards", "tags": ["medi"], "asDropdown": True, "title": "medi dashboards"}],
            "panels": self.panels,
        }


UPDOWN = [{"type": "value", "options": {"0": {"text": "DOWN", "color": "red"},
                                        "1": {"text": "UP", "color": "green"}}}]
RED_GREEN = [{"color": "red", "value": None}, {"color": "green", "value": 1}]


def red_queries(sel, by):
    """Request rate, error ratio and latency quantile expressions for a selector."""
    rate = f'sum by ({by}) (rate(http_requests_total{{{sel}}}[{RI}]))'
    # `or ... * 0`: a service (route) with traffic and no 5xx shows 0, not "No data".
    err = (f'(\n  sum by ({by}) (rate(http_requests_total{{{sel},status=~"5.."}}[{RI}]))\n  or\n'
           f'  sum by ({by}) (rate(http_requests_total{{{sel}}}[{RI}])) * 0\n)\n/\n'
           f'sum by ({by}) (rate(http_requests_total{{{sel}}}[{RI}]))')

    def q(p):
        return (f'histogram_quantile({p}, sum by ({by}, le) '
                f'(rate(http_request_duration_seconds_bucket{{{sel}}}[{RI}])))')
    return rate, err, q


def overview():
    b = Board("medi-overview", "medi / Platform overview",
              "RED per service, readiness and versions for every medi service.",
              [service_var()], tags=["overview"])
    sel = 'service=~"$service"'
    rate, err, q = red_queries(sel, "service")
    b.row("Traffic, errors, latency")
    b.panel("timeseries", "Request rate by service", "reqps", [(rate, "{{service}}")], w=8)
    b.panel("timeseries", "5xx ratio by service", "percentunit", [(err, "{{service}}")], w=8,
            description="Share of requests answered with a 5xx. HighErrorRatio pages above 5%.")
    b.panel("timeseries", "p99 latency by service", "s", [(q(0.99), "{{service}}")], w=8,
            description="HighLatencyP99 opens a ticket above 1s for 10m.")
    b.panel("timeseries", "p50 latency by service", "s", [(q(0.5), "{{service}}")], w=8)
    b.panel("timeseries", "Requests in flight", "short",
            [('sum by (service) (http_requests_in_flight{service=~"$service"})', "{{service}}")], w=8)
    b.panel("timeseries", "Request rate by status class", "reqps",
            [(f'sum by (service, status) (rate(http_requests_total{{{sel},status=~"[45].."}}[{RI}]))',
              "{{service}} {{status}}")], w=8, stack=True,
            description="4xx and 5xx responses only.")
    b.row("Health")
    b.panel("stat", "Scrape target up", "none",
            [('min by (job) (up{job=~"$service"})', "{{job}}")], w=8, h=6,
            mappings=UPDOWN, thresholds=RED_GREEN, instant=True,
            description="Prometheus' own up metric per job (job = service). ServiceDown pages after 2m.")
    b.panel("state-timeline", "Readiness by store (store_up)", "none",
            [('min by (service, store) (store_up{service=~"$service"})', "{{service}} {{store}}")],
            w=16, h=6, mappings=UPDOWN, thresholds=RED_GREEN,
            description="The readiness check of each service against each store. ReadinessFailing pages after 2m.")
    b.row("Versions")
    b.panel("table", "Running versions (instances per version)", "short",
            [('count by (service, version, commit) (build_info{service=~"$service"})', "")],
            w=24, h=7, instant=True, table=True,
            description="More than one version of a service for 30m raises VersionSkew.")
    return b


def service():
    b = Board("medi-service", "medi / Service",
              "One service in detail: RED per route, upstream calls, caches, stores, versions.",
              [service_var(multi=False),
               query_var("route", 'label_values(http_requests_total{service="$service"}, route)')],
              tags=["service"])
    sel = 'service="$service",route=~"$route"'
    rate, err, q = red_queries(sel, "route")
    b.row("RED by route")
    b.panel("timeseries", "Request rate by route", "reqps", [(rate, "{{route}}")], w=8)
    b.panel("timeseries", "5xx ratio by route", "percentunit", [(err, "{{route}}")], w=8)
    b.panel("timeseries", "p99 latency by route", "s", [(q(0.99), "{{route}}")], w=8)
    _, _, qs = red_queries(sel, "service")
    b.panel("timeseries", "Latency p50 / p90 / p99 (selected routes)", "s",
            [(qs(0.5), "p50"), (qs(0.9), "p90"), (qs(0.99), "p99")], w=8)
    b.panel("timeseries", "Requests by status", "reqps",
            [(f'sum by (status) (rate(http_requests_total{{{sel}}}[{RI}]))', "{{status}}")], w=8, stack=True)
    b.panel("timeseries", "Requests in flight", "short",
            [('sum(http_requests_in_flight{service="$service"})', "in flight")], w=8)
    b.row("Upstream calls")
    b.panel("timeseries", "Upstream requests by target and result", "reqps",
            [(f'sum by (target, result) (rate(upstream_requests_total{{service="$service"}}[{RI}]))',
              "{{target}} {{result}}")], w=12, stack=True)
    b.panel("timeseries", "Upstream p99 latency by target", "s",
            [(f'histogram_quantile(0.99, sum by (target, le) '
              f'(rate(upstream_request_duration_seconds_bucket{{service="$service"}}[{RI}])))', "{{target}}")], w=12)
    b.row("Caches and stores")
    b.panel("timeseries", "Cache hit ratio by cache", "percentunit",
            [(f'sum by (cache) (rate(cache_requests_total{{service="$service",result="hit"}}[{RI}]))\n/\n'
              f'sum by (cache) (rate(cache_requests_total{{service="$service"}}[{RI}]))', "{{cache}}")],
            w=8, minmax=(0, 1))
    b.panel("state-timeline", "Readiness by store", "none",
            [('min by (store) (store_up{service="$service"})', "{{store}}")], w=8,
            mappings=UPDOWN, thresholds=RED_GREEN)
    b.panel("timeseries", "DB pool use by database", "percentunit",
            [('sum by (database) (db_pool_connections{service="$service",state="active"})\n/\n'
              'max by (database) (db_pool_max_connections{service="$service"})', "{{database}}")],
            w=8, minmax=(0, 1))
    b.panel("table", "Versions", "short",
            [('count by (version, commit) (build_info{service="$service"})', "")],
            w=24, h=5, instant=True, table=True)
    return b


def data_stores():
    b = Board("medi-data-stores", "medi / Data stores",
              "MySQL pools, store readiness, Redis latency and errors, cache hit ratios.",
              [service_var()], tags=["stores"])
    s = 'service=~"$service"'
    b.row("MySQL pools")
    b.panel("timeseries", "Pool use (active / max) by service and database", "percentunit",
            [(f'sum by (service, database) (db_pool_connections{{{s},state="active"}})\n/\n'
              f'max by (service, database) (db_pool_max_connections{{{s}}})', "{{service}} {{database}}")],
            w=12, minmax=(0, 1), description="DBPoolSaturated opens a ticket above 90% for 10m.")
    b.panel("timeseries", "Connections by database and state", "short",
            [(f'sum by (database, state) (db_pool_connections{{{s}}})', "{{database}} {{state}}")], w=12, stack=True)
    b.panel("timeseries", "Pool acquire wait by database", "s",
            [(f'max by (service, database) (db_pool_acquire_seconds{{{s}}})', "{{service}} {{database}}")], w=12,
            description="Time to get a connection, sampled on each scrape; it grows before the pool saturates.")
    b.row("Readiness")
    b.panel("state-timeline", "store_up by service and store", "none",
            [(f'min by (service, store) (store_up{{{s}}})', "{{service}} {{store}}")], w=12,
            mappings=UPDOWN, thresholds=RED_GREEN,
            description="ShardUnreachable / RedisDown / ReadinessFailing page after 2m down.")
    b.panel("timeseries", "Store check duration", "s",
            [(f'max by (store) (store_check_duration_seconds{{{s}}})', "{{store}}")], w=12)
    b.row("Redis")
    b.panel("timeseries", "Redis command latency p50 / p99 by op", "s",
            [(f'histogram_quantile(0.5, sum by (op, le) (rate(redis_command_duration_seconds_bucket{{{s}}}[{RI}])))', "p50 {{op}}"),
             (f'histogram_quantile(0.99, sum by (op, le) (rate(redis_command_duration_seconds_bucket{{{s}}}[{RI}])))', "p99 {{op}}")],
            w=8)
    b.panel("timeseries", "Redis commands by op", "ops",
            [(f'sum by (op) (rate(redis_command_duration_seconds_count{{{s}}}[{RI}]))', "{{op}}")], w=8)
    b.panel("timeseries", "Redis errors by service and op", "ops",
            [(f'sum by (service, op) (rate(redis_errors_total{{{s}}}[{RI}]))', "{{service}} {{op}}")], w=8,
            description="Failed commands by command; op=connect: no connection. RedisDown pages when the readiness check fails.")
    b.row("Caches")
    b.panel("timeseries", "Cache hit ratio by service and cache", "percentunit",
            [(f'sum by (service, cache) (rate(cache_requests_total{{{s},result="hit"}}[{RI}]))\n/\n'
              f'sum by (service, cache) (rate(cache_requests_total{{{s}}}[{RI}]))', "{{service}} {{cache}}")],
            w=12, minmax=(0, 1))
    b.panel("timeseries", "Cache lookups by result", "ops",
            [(f'sum by (result) (rate(cache_requests_total{{{s}}}[{RI}]))', "{{result}}")], w=12, stack=True,
            description="error = Redis failed and the lookup degraded to a miss.")
    return b


def chatbot_quality():
    b = Board("medi-chatbot-quality", "medi / Chatbot quality",
              "Triage decisions, chatbot conversation turns, pipeline stages, degraded answers, "
              "answer feedback and the archive stream.",
              [], tags=["chatbot"])
    t = 'service="emergency-support"'
    c = 'service="chatbot"'
    b.row("Triage (emergency-support)")
    b.panel("timeseries", "Triage decisions by level", "ops",
            [(f'sum by (level) (rate(triage_decisions_total{{{t}}}[{RI}]))', "{{level}}")], w=12, stack=True)
    b.panel("timeseries", "Triage mix (share by level)", "percentunit",
            [(f'sum by (level) (rate(triage_decisions_total{{{t}}}[{RI}]))\n/ ignoring (level) group_left\n'
              f'sum(rate(triage_decisions_total{{{t}}}[{RI}]))', "{{level}}")], w=12, stack=True, minmax=(0, 1))
    b.panel("timeseries", "Emergency decisions rate", "ops",
            [(f'sum(rate(triage_decisions_total{{{t},level="emergency"}}[{RI}]))', "emergency")], w=12,
            description="EmergencyTriageSpike opens a ticket when this is over 3x its 1-day average and above 0.02/s for 10m.")
    b.panel("stat", "Emergency share (selected range)", "percentunit",
            [(f'sum(increase(triage_decisions_total{{{t},level="emergency"}}[$__range]))\n/\n'
              f'sum(increase(triage_decisions_total{{{t}}}[$__range]))', "emergency")], w=12, instant=True)
    b.row("Conversation turns")
    b.panel("timeseries", "Turns per second by level", "ops",
            [(f'sum by (level) (rate(chatbot_turns_total{{{c}}}[{RI}]))', "{{level}}")], w=12, stack=True,
            description="Chatbot turns by the triage level the turn was answered at.")
    b.panel("timeseries", "Turns per second by language", "ops",
            [(f'sum by (lang) (rate(chatbot_turns_total{{{c}}}[{RI}]))', "{{lang}}")], w=12, stack=True)
    b.row("Latency")
    b.panel("timeseries", "Answer latency p50 / p99", "s",
            [(f'histogram_quantile(0.5, sum by (le) (rate(chatbot_answer_duration_seconds_bucket{{{c}}}[{RI}])))', "p50"),
             (f'histogram_quantile(0.99, sum by (le) (rate(chatbot_answer_duration_seconds_bucket{{{c}}}[{RI}])))', "p99")],
            w=12, description="Time from receiving a chatbot message to the complete answer.")
    b.panel("timeseries", "Stage latency p90 by stage", "s",
            [(f'histogram_quantile(0.9, sum by (stage, le) (rate(chatbot_stage_duration_seconds_bucket{{{c}}}[{RI}])))',
              "{{stage}}")], w=12, description="Pipeline stages: triage, tools, retrieval, generation.")
    b.row("Retrieval")
    b.panel("timeseries", "Retrieval hit ratio (answers with passages)", "percentunit",
            [(f'sum(rate(chatbot_retrievals_total{{{c},result="hit"}}[{RI}]))\n/\n'
              f'sum(rate(chatbot_retrievals_total{{{c}}}[{RI}]))', "hit ratio")], w=8, minmax=(0, 1),
            description="Share of non-emergency answers that used at least one knowledge-index passage; errors count as misses.")
    b.panel("timeseries", "Retrievals by result", "ops",
            [(f'sum by (result) (rate(chatbot_retrievals_total{{{c}}}[{RI}]))', "{{result}}")], w=8, stack=True,
            description="hit / miss / error (error: no index yet or the embeddings endpoint failed; the answer degrades).")
    b.panel("timeseries", "Knowledge index passages", "short",
            [(f'max(knowledge_index_passages{{{c}}})', "passages")], w=8,
            description="Passages in the live index; it changes when the reference data changes and the index is rebuilt.")
    b.row("Degraded answers")
    b.panel("timeseries", "Degraded answers by cause", "ops",
            [(f'sum by (cause) (rate(chatbot_degraded_answers_total{{{c}}}[{RI}]))', "{{cause}}")], w=24, stack=True,
            description="Answers given without a downstream service (triage, drug or routing) that failed.")
    b.row("Feedback and archive")
    b.panel("timeseries", "Negative feedback ratio (down / (up + down))", "percentunit",
            [(f'sum(rate(chatbot_feedback_total{{{c},rating="down"}}[{RI}]))\n/\n'
              f'sum(rate(chatbot_feedback_total{{{c},rating=~"up|down"}}[{RI}]))', "down ratio")],
            w=8, minmax=(0, 1),
            description="NegativeFeedbackRatio opens a ticket above 30% over 1h with at least 20 ratings.")
    b.panel("timeseries", "Ratings per hour by rating", "short",
            [(f'sum by (rating) (rate(chatbot_feedback_total{{{c}}}[{RI}])) * 3600', "{{rating}}")], w=8, stack=True,
            description="Feedback ratings per hour (rate scaled to one hour).")
    b.panel("timeseries", "Archive stream lag (pending entries)", "short",
            [(f'max(chatbot_archive_stream_lag{{{c}}})', "pending")], w=8,
            description="ArchiveStreamLag opens a ticket above 1000 pending entries for 10m.")
    return b


BOARDS = {"overview.json": overview, "service.json": service,
          "data-stores.json": data_stores, "chatbot-quality.json": chatbot_quality}


def render():
    return {name: json.dumps(f().json(), indent=2, ensure_ascii=False) + "\n" for name, f in BOARDS.items()}


if __name__ == "__main__":
    check = "--check" in sys.argv
    stale = []
    for name, text in render().items():
        path = os.path.join(OUT, name)
        if check:
            if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
    if stale:
        print("stale (run python3 grafana/generate_dashboards.py):", " ".join(stale))
        sys.exit(1)
