#!/usr/bin/env python3
"""Drives bounded, realistic loopback traffic at a running medi stack so that
every metric family the services emit appears (used by
scripts/test-observability-live.sh).

  live_traffic.py ENV_FILE [--stop-pid PID]

ENV_FILE is the stack's env (scripts/stack.sh writes var/stack/NAME/env); the
MEDI_<SVC>_URL lines give the base URLs. With --stop-pid (the internal_external
process of that stack), the process is frozen (SIGSTOP) for one chatbot turn,
so the chatbot's routing call times out: an upstream failure and a degraded
answer (cause routing_service). It is resumed (SIGCONT) before this exits,
whatever happens.

Every request checks its expected status (and a few answers their content);
prints "ok   ..." / "FAIL ..." lines, "ARCHIVED_SESSION <id> <turns>" for the
signed-in conversation (whose archive the caller looks for in the shard DBs),
and ends with "RESULT <passed> <failed>".
Only loopback URLs are accepted.
"""
import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

passed = failed = 0


def result(ok, what):
    global passed, failed
    passed += ok
    failed += not ok
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    return ok


def env_urls(path):
    urls = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"export MEDI_([A-Z_]+)_URL=(\S+)$", line.strip())
            if m:
                urls[m.group(1).lower()] = m.group(2)
    for name, url in urls.items():
        host = urllib.parse.urlparse(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            sys.exit(f"refusing non-loopback URL for {name}: {url}")
    return urls


def call(method, url, body=None, token=None, timeout=30):
    """Returns (status, parsed JSON or text)."""
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except OSError as e:
        return 0, str(e)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def expect(what, want, method, url, body=None, token=None, timeout=30):
    status, doc = call(method, url, body, token, timeout)
    wants = want if isinstance(want, tuple) else (want,)
    result(status in wants, f"{what}: {method} {urllib.parse.unquote(url)} -> {status}"
           + ("" if status in wants else f" (want {want}): {str(doc)[:300]}"))
    return doc if status in wants else None


def chat(base, session, text, token=None, what="chatbot turn", timeout=60):
    doc = expect(what, 200, "POST", f"{base}/chatbot/sessions/{session}/messages", {"text": text}, token, timeout)
    return doc["message"] if isinstance(doc, dict) and "message" in doc else None


def main():
    args = sys.argv[1:]
    stop_pid = None
    if "--stop-pid" in args:
        i = args.index("--stop-pid")
        stop_pid = int(args[i + 1])
        del args[i:i + 2]
    u = env_urls(args[0])
    drug, cat, clinic = u["drug"], u["category"], u["clinic"]
    es, ie, bot = u["emergency_support"], u["internal_external"], u["chatbot"]
    q = urllib.parse.quote

    # --- drug: searches (a miss, then hits), details, interactions, 4xx ----------
    for _ in range(3):
        expect("drug search (miss, then cache hits)", 200, "GET", f"{drug}/drug?q={q('타이레놀')}")
    expect("drug search, English", 200, "GET", f"{drug}/drug?q=aspirin")
    page = expect("drug browse", 200, "GET", f"{drug}/drug?page=1&size=5")
    ids = [it["id"] for it in (page or {}).get("items", [])][:2] or [1]
    for i in ids:
        expect("drug detail", 200, "GET", f"{drug}/drug/{i}")
    expect("drug detail, unknown id", 404, "GET", f"{drug}/drug/99999999")
    expect("drug search, bad page size", 400, "GET", f"{drug}/drug?q=x&size=1000")
    expect("drug interactions", 200, "POST", f"{drug}/drug/interactions", {"drugs": ["와파린", "아스피린"]})
    expect("drug interactions, one drug only", 400, "POST", f"{drug}/drug/interactions", {"drugs": ["와파린"]})
    expect("unmatched path", 404, "GET", f"{drug}/no/such/path")

    # --- category, clinic, emergency-support, internal_external ------------------
    for _ in range(2):
        tree = expect("category tree (miss, then hit)", 200, "GET", f"{cat}/category")
    first = tree[0]["slug"] if isinstance(tree, list) and tree else "head-neurology"
    expect("category detail", 200, "GET", f"{cat}/category/{q(first)}")
    expect("category departments", 200, "GET", f"{cat}/category/departments")
    expect("category detail, unknown", 404, "GET", f"{cat}/category/no-such-category")
    near = "lat=37.5665&lon=126.9780"
    for _ in range(2):
        res = expect("clinic geo search", 200, "GET", f"{clinic}/clinic?{near}&department=pediatrics")
    items = (res or {}).get("items", [])
    if items:
        expect("clinic detail", 200, "GET", f"{clinic}/clinic/{items[0]['id']}")
    expect("clinic search, open now", 200, "GET", f"{clinic}/clinic?{near}&open_now=true")
    expect("clinic search, bad latitude", 400, "GET", f"{clinic}/clinic?lat=95&lon=126.9780")
    expect("clinic detail, unknown id", 404, "GET", f"{clinic}/clinic/99999999")
    for text in ("가슴이 쥐어짜듯 아프고 식은땀이 나요", "I have a mild headache since this morning",
                 "열이 39도이고 목이 아파요", "손가락에 작은 상처가 났어요"):
        expect("triage", 200, "POST", f"{es}/emergency-support/triage", {"text": text})
    expect("triage, empty text", (400, 422), "POST", f"{es}/emergency-support/triage", {"text": ""})
    expect("emergency rooms nearby", 200, "GET", f"{es}/emergency-support/rooms?{near}")
    expect("first-aid guides", 200, "GET", f"{es}/emergency-support/guides")
    expect("routing", 200, "POST", f"{ie}/internal_external/route", {"text": "소변 볼 때 따갑고 자주 마려워요"})
    expect("conditions", 200, "GET", f"{ie}/internal_external/conditions")
    expect("routing, empty text", (400, 422), "POST", f"{ie}/internal_external/route", {"text": ""})

    # --- chatbot: anonymous turns (Korean, English, an emergency), feedback -------
    s = expect("anonymous session", 201, "POST", f"{bot}/chatbot/sessions")
    sid = (s or {}).get("id", "none")
    answers = []
    for text in ("타이레놀 하루에 최대 얼마나 먹어도 돼요?", "How much ibuprofen can I take in a day?",
                 "이틀째 콧물이 나고 목이 칼칼해요", "I get heartburn after meals"):
        m = chat(bot, sid, text)
        if m:
            answers.append(m["id"])
    m = chat(bot, sid, "갑자기 가슴이 쥐어짜듯 아프고 숨이 차요", what="emergency turn (ko)")
    result(bool(m) and m["triage"]["level"] == "emergency" and m["triage"]["call_119"],
           "emergency turn (ko) is triaged emergency with call 119")
    m = chat(bot, sid, "My father suddenly cannot speak and one side of his face droops", what="emergency turn (en)")
    result(bool(m) and m["triage"]["level"] == "emergency", "emergency turn (en) is triaged emergency")
    for mid, rating in zip(answers, ("up", "down", "up")):
        expect(f"feedback {rating}", (200, 204), "POST", f"{bot}/chatbot/messages/{mid}/feedback", {"rating": rating})
    expect("feedback, bad rating", 400, "POST", f"{bot}/chatbot/messages/{answers[0] if answers else 'x'}/feedback",
           {"rating": "sideways"})
    expect("unknown session", 404, "POST", f"{bot}/chatbot/sessions/00000000-0000-4000-8000-000000000000/messages", {"text": "hi"})
    expect("empty message", 400, "POST", f"{bot}/chatbot/sessions/{sid}/messages", {"text": ""})

    # --- chatbot: signup, login, a signed-in conversation (archive -> shard) -----
    email = f"obs-live-{os.getpid()}-{int(time.time())}@example.com"
    cred = {"email": email, "password": "a long test passphrase 7"}
    expect("signup", 201, "POST", f"{bot}/account/signup", {**cred, "display_name": "관측"})
    expect("signup, same email again", 409, "POST", f"{bot}/account/signup", {**cred, "display_name": "관측"})
    expect("login, wrong password", 401, "POST", f"{bot}/account/login", {**cred, "password": "wrong password 123"})
    pair = expect("login", 200, "POST", f"{bot}/account/login", cred)
    token = (pair or {}).get("access_token")
    expect("me", 200, "GET", f"{bot}/account/me", token=token)
    expect("me, no token", 401, "GET", f"{bot}/account/me")
    s = expect("signed-in session", 201, "POST", f"{bot}/chatbot/sessions", token=token)
    uid = (s or {}).get("id", "none")
    mine = []
    for text in ("아스피린이랑 와파린 같이 먹어도 돼요?", "그 약 부작용은 뭐예요?", "Which department should I see for knee pain?"):
        m = chat(bot, uid, text, token=token, what="signed-in turn")
        if m:
            mine.append(m["id"])
    if mine:
        expect("signed-in feedback down", (200, 204), "POST", f"{bot}/chatbot/messages/{mine[0]}/feedback",
               {"rating": "down", "comment": "obs-live test"}, token=token)
    expect("history", 200, "GET", f"{bot}/chatbot/sessions/{uid}/messages", token=token)
    # The caller checks the archive reached the shard: 3 questions + 3 answers.
    print(f"ARCHIVED_SESSION {uid} {2 * len(mine)}")

    # --- a degraded answer: the routing service frozen for one turn --------------
    if stop_pid:
        try:
            os.kill(stop_pid, signal.SIGSTOP)
            m = chat(bot, sid, "무릎이 아프고 계단 오를 때 더 아파요", what="turn while internal_external is frozen",
                     timeout=90)
            result(bool(m) and "routing_service" in m.get("degraded", []),
                   "answer while internal_external is frozen is degraded (routing_service): "
                   + str(m.get("degraded") if m else None))
        finally:
            os.kill(stop_pid, signal.SIGCONT)
        deadline = time.time() + 30
        while call("GET", f"{ie}/health/ready", timeout=2)[0] != 200 and time.time() < deadline:
            time.sleep(0.2)
        m = chat(bot, sid, "무릎이 아프고 계단 오를 때 더 아파요", what="turn after internal_external resumed")
        result(bool(m) and "routing_service" not in m.get("degraded", []),
               "answer after internal_external resumed is not degraded")

    print(f"RESULT {passed} {failed}")


if __name__ == "__main__":
    main()
