"""Review tickets end to end: a statement the guardrails send to review is refused with a review
request id; an approver approves (or denies) it through the admin API; the agent sends the same
statement again and it runs once (or is told the denial). Self-approval is refused, approvals
are scoped by the rule's approver groups, and the bound values are part of the ticket."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request

import psycopg
import pytest

import harness
import oidc

pytestmark = pytest.mark.skipif(os.environ.get("GH_IT_DIRECT") == "1",
                                reason="gatehouse-only: reviews")

ALL_TIME = ("--since", "2000-01-01", "--until", "2100-01-01")
ID_RE = re.compile(r"review request (rv_[0-9a-f]{20})")


@pytest.fixture(scope="module")
def reviewed(gh_factory):
    port = harness.free_port()
    extra = f"""
admin:
  listen: 127.0.0.1:{port}
  roles:
    approver: [dba, finance-leads]
    auditor: [compliance]
review:
  mode: ticket
  approval_ttl: 5m
guardrails:
  include: [agent-safe]
  rules:
    - name: price-changes
      match: {{ statement: update, relations_written: [items] }}
      action: review
      approvers: [finance-leads]
      message: "price changes need a finance lead"
    - name: deletes-need-two
      match: {{ statement: delete, relations_written: [events] }}
      action: review
      min_approvals: 2
"""
    gh = gh_factory.make("reviews", start=False, extra_yaml=extra)
    gh.key = gh.create_key("it-review-agent", groups="testers,dba")  # an approver too
    gh.dba_key = gh.create_key("it-dba", groups="dba")
    gh.finance_key = gh.create_key("it-finance", groups="finance-leads")
    gh.dba2_key = gh.create_key("it-dba-2", groups="dba")
    harness.start_with_admin(gh, port)
    return gh


def api(gh, path: str, token: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(gh.admin_url + path, method=method, data=data)
    req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def connect(gh):
    return psycopg.connect(host=gh.host, port=gh.port, dbname="app_nossl", user="agent",
                           password=gh.key, sslmode="disable", connect_timeout=10, autocommit=True)


def refused_id(c, sql, params=None) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
        c.execute(sql, params)
    m = ID_RE.search(str(exc.value))
    assert m, str(exc.value)
    return m.group(1)


def test_approve_then_the_same_statement_runs_once(reviewed):
    with connect(reviewed) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
            c.execute("CREATE TABLE review_probe (id int)")
        rid = ID_RE.search(str(exc.value)).group(1)
        # The refusal names where to decide it (no review.url here: the admin API's own URL).
        assert f"decide at {reviewed.admin_url}/api/v1/reviews/{rid};" in str(exc.value)
        # Asking again before a decision names the same request.
        assert refused_id(c, "CREATE TABLE review_probe (id int)") == rid
        status, listing = api(reviewed, "/api/v1/reviews?state=pending", reviewed.dba_key)
        assert status == 200 and rid in [r["id"] for r in listing["reviews"]], listing
        status, one = api(reviewed, f"/api/v1/reviews/{rid}", reviewed.dba_key)
        assert status == 200 and one["sql"] == "CREATE TABLE review_probe (id int)"
        assert one["principal"] == "it-review-agent" and one["rules"] == ["agent-safe/schema-changes"]
        # Nobody approves their own request.
        status, err = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.key, "POST", {})
        assert status == 403 and err["error"]["code"] == "self_review", err
        status, done = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST",
                           {"reason": "release 42"})
        assert status == 200 and done["state"] == "approved" and done["decided_by"] == "it-dba"
        # Decided: a second decision conflicts.
        status, err = api(reviewed, f"/api/v1/reviews/{rid}/deny", reviewed.dba_key, "POST",
                          {"reason": "changed my mind"})
        assert status == 409, err
        c.execute("CREATE TABLE review_probe (id int)")
        assert c.execute("SELECT count(*) FROM review_probe").fetchone()[0] == 0
        # Once: the next identical statement needs a new approval.
        assert refused_id(c, "CREATE TABLE review_probe (id int)") != rid
    with connect(reviewed) as c:
        c.execute("SELECT 1")
    # The statement record says who approved it.
    p = reviewed.cli("audit", "export", "--config", str(reviewed.config), *ALL_TIME, "--format", "jsonl")
    stmts = [json.loads(l)["payload"] for l in p.stdout.splitlines()
             if l.strip() and json.loads(l)["type"] == "statement"]
    ran = [s for s in stmts if s.get("sql") == "CREATE TABLE review_probe (id int)"
           and s.get("decision") == "allow"]
    assert ran and f"review:{rid}:approved-by:it-dba" in ran[0]["rules"], ran
    # The request's life is in the audit log: filed, approved by it-dba with the reason, used.
    events = [(json.loads(l)["type"], json.loads(l)["payload"]) for l in p.stdout.splitlines()
              if l.strip() and json.loads(l)["type"].startswith("review.")]
    mine = [(t, e["state"]) for t, e in events if e["id"] == rid]
    assert mine == [("review.requested", "pending"), ("review.decided", "approved"),
                    ("review.used", "approved")], mine
    decided = [e for t, e in events if e["id"] == rid and t == "review.decided"][0]
    assert decided["decided_by"] == "it-dba" and decided["approvals"][0]["reason"] == "release 42"
    assert reviewed.cli("audit", "verify", "--config", str(reviewed.config)).returncode == 0


def test_deny_is_told_with_the_reason(reviewed):
    with connect(reviewed) as c:
        rid = refused_id(c, "CREATE TABLE review_denied (id int)")
        status, done = api(reviewed, f"/api/v1/reviews/{rid}/deny", reviewed.dba_key, "POST",
                           {"reason": "not during the freeze"})
        assert status == 200 and done["state"] == "denied"
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
            c.execute("CREATE TABLE review_denied (id int)")
        assert "denied by it-dba: not during the freeze" in str(exc.value), str(exc.value)
        # A denial without a reason is refused.
        rid2 = refused_id(c, "CREATE TABLE review_denied (id int)")
        status, err = api(reviewed, f"/api/v1/reviews/{rid2}/deny", reviewed.dba_key, "POST", {})
        assert status == 400, err


def test_approver_groups_and_bound_values(reviewed):
    with connect(reviewed) as c:
        sql = "UPDATE items SET price = %s::numeric WHERE id = %s::int"
        rid = refused_id(c, sql, ("9.99", "1"))
        status, one = api(reviewed, f"/api/v1/reviews/{rid}", reviewed.finance_key)
        assert status == 200 and one["params"] == '["9.99","1"]', one
        # A dba is an approver, but not of this rule's groups.
        status, err = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST", {})
        assert status == 403 and err["error"]["code"] == "not_an_approver", err
        status, done = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.finance_key, "POST", {})
        assert status == 200, done
        # Other values are another statement: a new request.
        assert refused_id(c, sql, ("0.01", "1")) != rid
        c.execute(sql, ("9.99", "1"))
        assert float(c.execute("SELECT price FROM items WHERE id = 1").fetchone()[0]) == 9.99


def test_review_endpoints_check_roles_and_input(reviewed):
    status, err = api(reviewed, "/api/v1/reviews", "not-a-key")
    assert status == 401
    status, err = api(reviewed, "/api/v1/reviews/rv_00000000000000000000/approve",
                      reviewed.dba_key, "POST", {})
    assert status == 404 and err["error"]["code"] == "not_found"
    status, err = api(reviewed, "/api/v1/reviews?state=bogus", reviewed.dba_key)
    assert status == 400
    with connect(reviewed) as c:
        rid = refused_id(c, "CREATE TABLE review_edit (id int)")
    status, err = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST",
                      {"sql": "CREATE TABLE review_edit (id bigint)"})
    assert status == 422, err
    status, err = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST",
                      {"reason": 5})
    assert status == 400, err


# ------------------------------------------------------------------ hold mode (the default)

import threading  # noqa: E402
import time  # noqa: E402

import pgwire  # noqa: E402


class WebhookReceiver:
    """A loopback HTTP server that keeps every POST; the first one is answered 500, so the
    retry is exercised."""

    def __init__(self, port: int = 0):
        import http.server

        receiver = self
        self.posts: list[tuple[dict, bytes]] = []
        self.failed_once = False

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.failed_once:
                    receiver.failed_once = True
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.posts.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


WEBHOOK_SECRET = "integration-test webhook secret"


@pytest.fixture(scope="module")
def hook():
    h = WebhookReceiver()
    yield h
    h.server.shutdown()


def make_hooked(gh_factory, name: str, admin_port: int, hook_port: int, review: str):
    """A gatehouse (not started) with the admin API, the agent-safe pack and a webhook to
    hook_port; `review` is the rest of the review section (indented two spaces)."""
    extra = f"""
admin:
  listen: 127.0.0.1:{admin_port}
  roles:
    approver: [dba]
    auditor: [compliance]
review:
{review}
  webhook: {{ url: "http://127.0.0.1:{hook_port}/hooks/gatehouse", secret_env: GH_IT_WEBHOOK_SECRET }}
guardrails:
  include: [agent-safe]
"""
    gh = gh_factory.make(name, start=False, extra_yaml=extra)
    gh.env["GH_IT_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    return gh


@pytest.fixture(scope="module")
def holding(gh_factory, hook):
    port = harness.free_port()
    gh = make_hooked(gh_factory, "holding", port, hook.port, "  timeout: 3s")
    gh.key = gh.create_key("it-hold-agent", groups="testers")
    gh.dba_key = gh.create_key("it-hold-dba", groups="dba")
    gh.auditor_key = gh.create_key("it-hold-auditor", groups="compliance")
    harness.start_with_admin(gh, port)
    return gh


def metric(gh, name: str) -> int:
    text = urllib.request.urlopen(gh.admin_url + "/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")


class Agent(threading.Thread):
    """Runs one statement through gatehouse and keeps what happened."""

    def __init__(self, gh, sql):
        super().__init__(daemon=True)
        self.gh, self.sql = gh, sql
        self.error = None
        self.notices = []
        self.result = None

    def run(self):
        try:
            with connect(self.gh) as c:
                c.add_notice_handler(lambda d: self.notices.append(
                    f"{d.message_primary} | {d.message_hint}"))
                c.execute(self.sql)
                self.result = c.execute("SELECT 'after'").fetchone()[0]
        except Exception as e:  # noqa: BLE001 - kept for the test to look at
            self.error = e


def pending_for(gh, sql, timeout=10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, listing = api(gh, "/api/v1/reviews?state=pending", gh.dba_key)
        assert status == 200, listing
        for r in listing["reviews"]:
            if r["sql"] == sql:
                return r
        time.sleep(0.05)
    raise AssertionError(f"no pending review for {sql!r}")


def held_then_denied(gh, sql: str, reason: str) -> dict:
    """Holds `sql` for review, has gh.dba_key deny it, and returns the request as it was
    pending."""
    agent = Agent(gh, sql)
    agent.start()
    r = pending_for(gh, sql)
    api(gh, f"/api/v1/reviews/{r['id']}/deny", gh.dba_key, "POST", {"reason": reason})
    agent.join(10)
    return r


def test_hold_waits_for_the_approval_then_runs(holding):
    sql = "CREATE TABLE hold_probe (id int)"
    agent = Agent(holding, sql)
    agent.start()
    r = pending_for(holding, sql)
    time.sleep(0.3)
    assert agent.is_alive(), "the agent waits while the request is pending"
    assert metric(holding, "gatehouse_statements_held") == 1
    decided_before = metric(holding, "gatehouse_reviews_decided_total")
    waits_before = metric(holding, "gatehouse_review_wait_seconds_count")
    status, done = api(holding, f"/api/v1/reviews/{r['id']}/approve", holding.dba_key, "POST",
                       {"reason": "ok"})
    assert status == 200, done
    agent.join(10)
    assert agent.error is None and agent.result == "after", agent.error
    assert any(r["id"] in n for n in agent.notices), agent.notices
    assert r["facts"] == "ddl writes hold_probe", r
    # The hint names where to decide it: review.url, else the admin API's own URL.
    assert any(f"{holding.admin_url}/api/v1/reviews/{r['id']}" in n for n in agent.notices)
    with connect(holding) as c:
        assert c.execute("SELECT count(*) FROM hold_probe").fetchone()[0] == 0
    assert metric(holding, "gatehouse_statements_held") == 0
    assert metric(holding, "gatehouse_reviews_decided_total") == decided_before + 1
    assert metric(holding, "gatehouse_review_wait_seconds_count") == waits_before + 1
    # The audit syncs behind every record are timed; none failed.
    assert metric(holding, "gatehouse_audit_sync_seconds_count") > 0
    assert metric(holding, "gatehouse_audit_write_failures_total") == 0
    assert metric(holding, 'gatehouse_statements_total{decision="allow"}') > 0


def test_oidc_agent_held_until_an_oidc_approver_approves(gh_factory, oidc_provider):
    """The whole flow with tokens from the test identity provider: a psycopg agent logs in with
    its access token and runs DDL that needs review; an approver approves it through the admin
    API with its own access token; the statement runs and the agent gets its result."""
    port = harness.free_port()
    extra = f"""
identity:
  issuers:
    - issuer: {oidc_provider.issuer}
      audience: gatehouse
admin:
  listen: 127.0.0.1:{port}
  roles:
    approver: [other]
guardrails:
  include: [agent-safe]
"""
    gh = gh_factory.make("oidc-review", start=False, extra_yaml=extra,
                         access_groups=("testers", "data-agents"))
    harness.start_with_admin(gh, port)
    agent_token = oidc_provider.token("agent")  # groups: data-agents
    approver_token = oidc_provider.token("other-agent")  # groups: other -> approver
    sql = "CREATE TABLE oidc_reviewed (id int)"
    box = {}

    def run():
        try:
            with psycopg.connect(host=gh.host, port=gh.port, dbname="app_nossl", user="agent",
                                 password=agent_token, sslmode="disable", connect_timeout=10,
                                 autocommit=True) as c:
                c.execute(sql)
                box["result"] = c.execute("SELECT count(*) FROM oidc_reviewed").fetchone()[0]
        except Exception as e:  # noqa: BLE001 - kept for the test to look at
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    gh.dba_key = approver_token  # pending_for lists with it
    r = pending_for(gh, sql)
    assert r["principal"] != "" and r["principal"] == oidc.decode_jwt(agent_token)[1]["sub"], r
    # The agent's own token holds no approver role.
    status, err = api(gh, f"/api/v1/reviews/{r['id']}/approve", agent_token, "POST", {})
    assert status == 403, err
    status, done = api(gh, f"/api/v1/reviews/{r['id']}/approve", approver_token, "POST",
                       {"reason": "schema change for the release"})
    assert status == 200 and done["state"] == "approved", done
    assert done["decided_by"] == oidc.decode_jwt(approver_token)[1]["sub"], done
    t.join(10)
    assert "error" not in box and box.get("result") == 0, box


def test_hold_denied_and_expired(holding):
    sql = "CREATE TABLE hold_denied (id int)"
    agent = Agent(holding, sql)
    agent.start()
    r = pending_for(holding, sql)
    status, done = api(holding, f"/api/v1/reviews/{r['id']}/deny", holding.dba_key, "POST",
                       {"reason": "use a migration"})
    assert status == 200, done
    agent.join(10)
    assert isinstance(agent.error, psycopg.errors.InsufficientPrivilege), agent.error
    assert "denied by it-hold-dba: use a migration" in str(agent.error)
    # Nobody decides: denied when review.timeout (3 s) passes.
    started = time.monotonic()
    agent = Agent(holding, "CREATE TABLE hold_expired (id int)")
    agent.start()
    agent.join(15)
    assert isinstance(agent.error, psycopg.errors.InsufficientPrivilege), agent.error
    assert "expired" in str(agent.error)
    assert 2.5 < time.monotonic() - started < 10


class Reader(threading.Thread):
    """Runs one query through gatehouse and keeps its rows (or its error)."""

    def __init__(self, gh, sql, prepare=None):
        super().__init__(daemon=True)
        self.gh, self.sql, self.prepare = gh, sql, prepare
        self.error = None
        self.rows = None

    def run(self):
        try:
            with connect(self.gh) as c:
                self.rows = c.execute(self.sql, prepare=self.prepare).fetchall()
        except Exception as e:  # noqa: BLE001 - kept for the test to look at
            self.error = e


def audit_payloads(gh, kind_prefix: str) -> list[tuple[str, dict]]:
    p = gh.cli("audit", "export", "--config", str(gh.config), *ALL_TIME, "--format", "jsonl")
    out = []
    for line in p.stdout.splitlines():
        if line.strip():
            rec = json.loads(line)
            if rec["type"].startswith(kind_prefix):
                out.append((rec["type"], rec["payload"]))
    return out


def test_edit_and_approve_runs_the_edited_statement(holding):
    with connect(holding) as c:
        c.execute("INSERT INTO events (kind) VALUES ('edit-probe')")
    # A bulk read needs review; the approver narrows it instead of refusing it.
    sql = "SELECT * FROM events"
    edited = "SELECT kind FROM events WHERE kind = 'edit-probe' LIMIT 5"
    reader = Reader(holding, sql)
    reader.start()
    r = pending_for(holding, sql)
    # An edit must be allowed outright: a blocked, reviewed or unparseable edit is refused
    # (422) and the request stays pending.
    for bad, why in [("DROP TABLE events", "blocked by guardrail"),
                     ("CREATE TABLE edit_sneak (id int)", "needs approval itself"),
                     ("SELEC kind FROM events", "cannot be parsed")]:
        status, err = api(holding, f"/api/v1/reviews/{r['id']}/approve", holding.dba_key, "POST",
                          {"sql": bad, "reason": "try"})
        assert status == 422 and err["error"]["code"] == "edit_refused", err
        assert why in err["error"]["message"], err
    status, err = api(holding, f"/api/v1/reviews/{r['id']}/deny", holding.dba_key, "POST",
                      {"sql": edited, "reason": "x"})
    assert status == 400, err
    status, done = api(holding, f"/api/v1/reviews/{r['id']}/approve", holding.dba_key, "POST",
                       {"sql": edited, "reason": "only the probe rows"})
    assert status == 200 and done["state"] == "approved" and done["edited_sql"] == edited, done
    reader.join(10)
    assert reader.error is None and reader.rows == [("edit-probe",)], (reader.error, reader.rows)
    # Both texts are in the audit trail: the request's decision, and the statement that ran.
    decided = [e for t, e in audit_payloads(holding, "review.decided") if e["id"] == r["id"]]
    assert decided and decided[0]["sql"] == sql and decided[0]["edited_sql"] == edited, decided
    ran = [e for t, e in audit_payloads(holding, "statement") if e.get("sql") == edited]
    assert ran and f"review:{r['id']}:approved-by:it-hold-dba:edited" in ran[0]["rules"], ran
    assert not [e for t, e in audit_payloads(holding, "statement")
                if e.get("sql") == sql and e.get("decision") == "allow"], "the original never ran"


def test_evidence_bundle_from_the_api_has_the_approval_ledger(holding):
    import hashlib
    import io
    import tarfile

    sql = "CREATE TABLE hold_ledger (id int)"
    r = held_then_denied(holding, sql, "ledger")

    def get(path, token):
        req = urllib.request.Request(holding.admin_url + path)
        req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.headers.get("Content-Type"), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()

    period = "/api/v1/evidence?since=2000-01-01&until=2100-01-01"
    status, ctype, body = get(period, holding.dba_key)  # an approver is no auditor
    assert status == 403 and json.loads(body)["error"]["code"] == "forbidden", body
    for bad in ["/api/v1/evidence", "/api/v1/evidence?since=yesterday&until=2100-01-01",
                "/api/v1/evidence?since=2100-01-01&until=2000-01-01"]:
        status, ctype, body = get(bad, holding.auditor_key)
        assert status == 400 and json.loads(body)["error"]["code"] == "invalid_argument", body
    status, ctype, body = get(period, holding.auditor_key)
    assert status == 200 and ctype == "application/x-tar", (status, ctype)
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers()}
    assert {"manifest.json", "approvals.jsonl", "sessions.jsonl", "access_log.csv",
            "verify_report.txt"} <= set(files), sorted(files)
    manifest = json.loads(files["manifest.json"])
    assert manifest["verify"]["ok"] is True
    for f in manifest["files"]:
        assert hashlib.sha256(files[f["name"]]).hexdigest() == f["sha256"], f["name"]
    ledger = [json.loads(line) for line in files["approvals.jsonl"].splitlines()]
    mine = [(e["type"], e["payload"]["state"]) for e in ledger if e["payload"]["id"] == r["id"]]
    # review.used: the held statement was answered with the decision.
    assert mine == [("review.requested", "pending"), ("review.decided", "denied"),
                    ("review.used", "denied")], mine
    assert manifest["counts"]["review_events"] == len(ledger) > 2
    # Edits are in the ledger with both texts.
    assert any(e["payload"].get("edited_sql") for e in ledger), ledger


def test_edit_of_an_extended_protocol_statement_is_refused(holding):
    sql = "SELECT * FROM events"
    reader = Reader(holding, sql, prepare=True)  # Parse/Bind/Execute
    reader.start()
    r = pending_for(holding, sql)
    status, err = api(holding, f"/api/v1/reviews/{r['id']}/approve", holding.dba_key, "POST",
                      {"sql": "SELECT 1", "reason": "x"})
    assert status == 422 and "extended protocol" in err["error"]["message"], err
    status, done = api(holding, f"/api/v1/reviews/{r['id']}/approve", holding.dba_key, "POST",
                       {"reason": "as sent"})
    assert status == 200, done
    reader.join(10)
    assert reader.error is None and reader.rows, reader.error


def test_hold_cancelled_when_the_client_leaves(holding):
    sql = "CREATE TABLE hold_gone (id int)"
    c = pgwire.Conn(holding.host, holding.port, 10)
    c.login("it-hold-agent", holding.key, "app_nossl", {})
    c.send(pgwire.query(sql))
    notice = c.read_message(timeout=10)
    assert notice.tag == b"N", notice
    r = pending_for(holding, sql)
    c.close()
    deadline = time.monotonic() + 5
    state = "pending"
    while time.monotonic() < deadline and state == "pending":
        state = api(holding, f"/api/v1/reviews/{r['id']}", holding.dba_key)[1]["state"]
        time.sleep(0.05)
    assert state == "cancelled"
    # The statement never ran.
    with connect(holding) as c2:
        assert c2.execute("SELECT to_regclass('hold_gone')").fetchone()[0] is None


def test_ticket_edit_runs_in_place_of_the_statement_sent_again(reviewed):
    with connect(reviewed) as c:
        sql = "SELECT * FROM events"
        rid = refused_id(c, sql)
        edited = "SELECT count(*) FROM events WHERE id < 0"
        status, done = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST",
                           {"sql": edited, "reason": "count only"})
        assert status == 200 and done["edited_sql"] == edited, done
        assert c.execute(sql).fetchall() == [(0,)]
        assert refused_id(c, sql) != rid  # once


def test_a_ticket_survives_a_restart(reviewed):
    sql = "CREATE TABLE ticket_restart (id int)"
    with connect(reviewed) as c:
        rid = refused_id(c, sql)
    status, done = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST",
                       {"reason": "before the restart"})
    assert status == 200, done
    reviewed.stop()
    harness.start_with_admin(reviewed, reviewed.admin_port)
    with connect(reviewed) as c:
        c.execute(sql)  # the approval was kept: it runs, once
        assert refused_id(c, sql) != rid
    status, one = api(reviewed, f"/api/v1/reviews/{rid}", reviewed.dba_key)
    assert status == 200 and one["state"] == "approved" and "used_ns" in one, one


def test_access_grant_lets_a_principal_in_until_revoked(gh_factory, pg):
    """Just-in-time access: an agent without an access rule for a connection asks for it with
    `gatehouse access request`; an approver approves it; the agent opens the connection until
    the grant is revoked. Every step is in the audit log."""
    port = harness.free_port()
    extra = f"""
admin:
  listen: 127.0.0.1:{port}
  roles:
    approver: [dba]
review:
  max_grant: 1h
access:
  - {{ connection: app, groups: [testers] }}
"""
    gh = gh_factory.make("grants", start=False, extra_yaml=extra)
    agent_key = gh.create_key("it-grant-agent", groups="testers")
    dba_key = gh.create_key("it-grant-dba", groups="dba")
    harness.start_with_admin(gh, port)

    def login():
        return psycopg.connect(host=gh.host, port=gh.port, dbname="app_nossl", user="agent",
                               password=agent_key, sslmode="disable", connect_timeout=10,
                               autocommit=True)

    with pytest.raises(psycopg.OperationalError) as exc:
        login()
    assert "no access rule" in str(exc.value)
    env_before = dict(gh.env)
    try:
        gh.env.update(GATEHOUSE_ADMIN_URL=gh.admin_url, GATEHOUSE_TOKEN=agent_key)
        # Bad requests are refused with the reason, before anyone is asked.
        for change, why in [({"--connection": "nope"}, "no connection named"),
                            ({"--role": "postgres"}, "no login for role"),
                            ({"--duration": "10h"}, "review.max_grant")]:
            opts = {"--connection": "app_nossl", "--duration": "30m", "--reason": "x", **change}
            argv = ["access", "request", *[x for kv in opts.items() for x in kv]]
            bad = gh.cli(*argv, check=False)
            assert bad.returncode == 1 and why in bad.stderr and "400" in bad.stderr, bad.stderr
        p = gh.cli("access", "request", "--connection", "app_nossl", "--duration", "30m",
                   "--reason", "incident 42: read the orders")
        gid = re.search(r"(gr_[0-9a-f]{20})", p.stdout).group(1)
        # Nobody approves their own grant.
        own = gh.cli("reviews", "approve", gid, check=False)
        assert own.returncode == 1 and "403" in own.stderr, own.stderr
        gh.env["GATEHOUSE_TOKEN"] = dba_key
        done = gh.cli("reviews", "approve", "--reason", "ok for the incident", gid)
        assert "approved" in done.stdout, done.stdout
        listed = gh.cli("access", "list", "--state", "approved")
        assert gid in listed.stdout and "app_nossl" in listed.stdout, listed.stdout
        open_session = login()
        assert open_session.execute("SELECT 1").fetchone() == (1,)
        revoked = gh.cli("access", "revoke", "--reason", "incident closed", gid)
        assert "revoked" in revoked.stdout, revoked.stdout
        # The session the grant let in ends with the grant.
        with pytest.raises(psycopg.OperationalError) as exc:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                open_session.execute("SELECT 1")
                time.sleep(0.1)
        assert "revoked" in str(exc.value), str(exc.value)
        open_session.close()
        again = gh.cli("access", "revoke", "--reason", "twice", gid, check=False)
        assert again.returncode == 1 and "409" in again.stderr, again.stderr
    finally:
        gh.env.clear()
        gh.env.update(env_before)
    with pytest.raises(psycopg.OperationalError):
        login()
    p = gh.cli("audit", "export", "--config", str(gh.config), *ALL_TIME, "--format", "jsonl")
    recs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    life = [(r["type"], r["payload"]["state"]) for r in recs
            if r["type"].startswith("review.") and r["payload"].get("id") == gid]
    assert life == [("review.requested", "pending"), ("review.decided", "approved"),
                    ("review.used", "approved"), ("review.decided", "revoked")], life
    starts = [r["payload"] for r in recs if r["type"] == "session.start"]
    assert any(s["access"]["rule"] == f"access grant {gid}" for s in starts), starts


def test_min_approvals_counts_distinct_approvers(reviewed):
    with connect(reviewed) as c:
        sql = "DELETE FROM events WHERE id < 0"
        rid = refused_id(c, sql)
        status, one = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST", {})
        assert status == 200 and one["state"] == "pending" and one["min_approvals"] == 2, one
        status, err = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba_key, "POST", {})
        assert status == 409 and err["error"]["code"] == "already_approved", err
        assert refused_id(c, sql) == rid  # still waiting
        status, two = api(reviewed, f"/api/v1/reviews/{rid}/approve", reviewed.dba2_key, "POST", {})
        assert status == 200 and two["state"] == "approved", two
        c.execute(sql)


def test_cli_lists_and_decides_reviews(holding):
    sql = "CREATE TABLE hold_cli (id int)"
    agent = Agent(holding, sql)
    agent.start()
    r = pending_for(holding, sql)
    env_before = dict(holding.env)
    try:
        holding.env.update(GATEHOUSE_ADMIN_URL=holding.admin_url, GATEHOUSE_TOKEN=holding.dba_key)
        listing = holding.cli("reviews", "list", "--state", "pending")
        assert r["id"] in listing.stdout and "CREATE TABLE hold_cli" in listing.stdout, listing.stdout
        shown = holding.cli("reviews", "show", r["id"])
        assert "requested by it-hold-agent" in shown.stdout, shown.stdout
        # deny needs a reason; the CLI says so before asking the server.
        bad = holding.cli("reviews", "deny", r["id"], check=False)
        assert bad.returncode == 2 and "--reason" in bad.stderr, bad.stderr
        done = holding.cli("reviews", "approve", "--reason", "from the CLI", r["id"])
        assert "approved" in done.stdout, done.stdout
        again = holding.cli("reviews", "approve", r["id"], check=False)
        assert again.returncode == 1 and "409" in again.stderr, again.stderr
        holding.env["GATEHOUSE_TOKEN"] = "not-a-key"
        denied = holding.cli("reviews", "list", check=False)
        assert denied.returncode == 1 and "401" in denied.stderr, denied.stderr
    finally:
        holding.env.clear()
        holding.env.update(env_before)
    agent.join(10)
    assert agent.error is None and agent.result == "after", agent.error


def test_webhook_gets_each_request_and_decision_signed(holding, hook):
    import hashlib
    import hmac

    sql = "CREATE TABLE hold_hooked (id int)"
    r = held_then_denied(holding, sql, "no")
    deadline = time.monotonic() + 10
    mine = []
    while time.monotonic() < deadline:
        mine = [(h, json.loads(b), b) for h, b in hook.posts if r["id"].encode() in b]
        if len(mine) >= 2:
            break
        time.sleep(0.1)
    assert [m[1]["event"] for m in mine] == ["review.requested", "review.decided"], mine
    for headers, body, raw in mine:
        want = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["X-Gatehouse-Signature"] == want
        assert r["id"] in body["text"] and body["review"]["sql"] == sql
    assert mine[1][1]["review"]["state"] == "denied" and "it-hold-dba: no" in mine[1][1]["text"]
    assert hook.failed_once, "the first delivery failed and was retried"


def test_statements_after_a_held_one_wait_for_it(holding, pg):
    sql = "CREATE TABLE hold_pipe (id int)"
    c = pgwire.Conn(holding.host, holding.port, 10)
    c.login("it-hold-agent", holding.key, "app_nossl", {})
    # Pipelined: the held DDL, then an INSERT the client sent right behind it.
    c.send(pgwire.query(sql) + pgwire.query("INSERT INTO events (kind) VALUES ('after-held')"))
    r = pending_for(holding, sql)
    time.sleep(0.3)
    count = "select count(*) from events where kind = 'after-held'"
    assert pg.psql_su(count, dbname="app").strip() == "0", "nothing after the held statement ran"
    api(holding, f"/api/v1/reviews/{r['id']}/approve", holding.dba_key, "POST", {})
    tags = []
    while len([t for t in tags if t == b"Z"]) < 2:
        m = c.read_message(timeout=10)
        assert not m.is_error, m
        tags.append(m.tag)
    c.close()
    assert pg.psql_su(count, dbname="app").strip() == "1"
    assert pg.psql_su("select to_regclass('hold_pipe') is not null", dbname="app").strip() == "t"


def test_restart_while_held_leaves_no_orphan(gh_factory):
    port = harness.free_port()
    extra = f"""
admin:
  listen: 127.0.0.1:{port}
  roles:
    approver: [dba]
guardrails:
  include: [agent-safe]
"""
    gh = gh_factory.make("hold-restart", start=False, extra_yaml=extra)
    gh.key = gh.create_key("it-restart-agent", groups="testers")
    gh.dba_key = gh.create_key("it-restart-dba", groups="dba")
    harness.start_with_admin(gh, port)
    sql = "CREATE TABLE hold_restart (id int)"
    agent = Agent(gh, sql)
    agent.start()
    r = pending_for(gh, sql)
    started = time.monotonic()
    gh.stop()  # SIGTERM: the held session ends with the server, promptly
    assert time.monotonic() - started < 10
    agent.join(10)
    assert agent.error is not None and agent.result is None, agent.error
    harness.start_with_admin(gh, port)
    # The request was kept in the state store, cancelled when its session ended: nobody can
    # release a statement nobody waits for.
    status, listing = api(gh, "/api/v1/reviews", gh.dba_key)
    assert status == 200 and [x["id"] for x in listing["reviews"]] == [r["id"]], listing
    back = listing["reviews"][0]
    assert back["state"] == "cancelled" and "session ended" in back["reason"], back
    status, err = api(gh, f"/api/v1/reviews/{r['id']}/approve", gh.dba_key, "POST", {})
    assert status == 409, err
    # A crash leaves no time to cancel: the restarted gatehouse cancels the request it finds
    # pending for a held statement.
    agent = Agent(gh, sql)
    agent.start()
    crashed = pending_for(gh, sql)
    gh.proc.kill()
    gh.proc.wait(10)
    agent.join(10)
    harness.start_with_admin(gh, port)
    status, back = api(gh, f"/api/v1/reviews/{crashed['id']}", gh.dba_key)
    assert status == 200 and back["state"] == "cancelled" and "restarted" in back["reason"], back
    with connect(gh) as c:
        assert c.execute("SELECT to_regclass('hold_restart')").fetchone()[0] is None
    assert gh.cli("audit", "verify", "--config", str(gh.config)).returncode == 0


def test_a_notification_not_delivered_before_a_crash_is_sent_after_it(gh_factory):
    """The webhook's receiver is down when a request is filed, and gatehouse is killed -9 while
    it waits to retry: the notification is in the state store's outbox, and the restarted
    gatehouse delivers it."""
    import hashlib
    import hmac
    import sqlite3

    port, hook_port = harness.free_port(), harness.free_port()
    gh = make_hooked(gh_factory, "hook-outbox", port, hook_port, "  mode: ticket")
    gh.key = gh.create_key("it-outbox-agent", groups="testers")
    harness.start_with_admin(gh, port)
    with connect(gh) as c:
        rid = refused_id(c, "CREATE TABLE outbox_probe (id int)")
    db = gh.dir / "var" / "state.db"

    def outbox() -> list[tuple[str, str]]:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT event, body FROM webhook_outbox ORDER BY id").fetchall()

    waiting = harness.wait_for(lambda: [e for e, b in outbox() if rid in b], 10,
                               "the notification in the outbox")
    assert waiting == ["review.requested"]
    gh.proc.kill()
    gh.proc.wait(10)
    receiver = WebhookReceiver(hook_port)
    try:
        harness.start_with_admin(gh, port)
        got = harness.wait_for(
            lambda: [json.loads(b) for h, b in receiver.posts if rid.encode() in b], 20,
            "the notification delivered after the restart")
        assert got[0]["event"] == "review.requested" and got[0]["review"]["id"] == rid, got
        headers, raw = [(h, b) for h, b in receiver.posts if rid.encode() in b][0]
        want = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["X-Gatehouse-Signature"] == want
        harness.wait_for(lambda: not outbox(), 10, "an empty outbox once delivered")
    finally:
        receiver.server.shutdown()
