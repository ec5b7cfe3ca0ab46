"""The admin HTTP API on its own listener: health, readiness, Prometheus metrics, bearer
authentication (API keys), roles from groups, sessions from the index, and JSON errors."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request

import psycopg
import pytest

import harness

pytestmark = pytest.mark.skipif(os.environ.get("GH_IT_DIRECT") == "1",
                                reason="gatehouse-only: admin API")


@pytest.fixture(scope="module")
def admin_gh(gh_factory):
    port = harness.free_port()
    extra = f"""
admin:
  listen: 127.0.0.1:{port}
  roles:
    admin: [platform]
    auditor: [compliance]
guardrails:
  include: [agent-safe]
"""
    gh = gh_factory.make("admin", start=False, extra_yaml=extra)
    gh.key = gh.create_key("it-admin-client", groups="testers")
    gh.auditor_key = gh.create_key("it-auditor", groups="compliance")
    gh.dev_key = gh.create_key("it-dev", groups="developers")
    harness.start_with_admin(gh, port)
    return gh


def request(gh, path: str, token: str | None = None, method: str = "GET",
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(gh.admin_url + path, method=method, data=body)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def json_of(gh, path: str, token: str | None = None, method: str = "GET",
            body: bytes | None = None) -> tuple[int, dict]:
    status, headers, data = request(gh, path, token, method, body)
    assert headers.get("Content-Type", "").startswith("application/json"), (status, headers, data)
    return status, json.loads(data)


def metric(text: str, name: str) -> int:
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    assert m, f"{name} not in /metrics:\n{text}"
    return int(m.group(1))


def test_healthz_and_readyz_need_no_token(admin_gh):
    assert json_of(admin_gh, "/healthz") == (200, {"status": "ok"})
    assert json_of(admin_gh, "/readyz") == (200, {"status": "ready"})


def test_metrics_count_sessions_through_the_proxy(admin_gh):
    status, headers, data = request(admin_gh, "/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    before = metric(data.decode(), "gatehouse_sessions_total")
    assert "# TYPE gatehouse_sessions_total counter" in data.decode()
    with psycopg.connect(host=admin_gh.host, port=admin_gh.port, dbname="app_nossl", user="agent",
                         password=admin_gh.key, sslmode="disable", connect_timeout=10) as c:
        assert c.execute("select 1").fetchone()[0] == 1
        text = request(admin_gh, "/metrics")[2].decode()
        assert metric(text, "gatehouse_sessions_total") == before + 1
        assert metric(text, "gatehouse_sessions_active") >= 1


def test_api_without_a_valid_token_is_401(admin_gh):
    status, body = json_of(admin_gh, "/api/v1/sessions")
    assert status == 401 and body["error"]["code"] == "unauthenticated", body
    bogus = "ghk_" + "Q" * 43
    status, headers, data = request(admin_gh, "/api/v1/sessions", bogus)
    assert status == 401 and headers.get("WWW-Authenticate") == "Bearer"
    assert json.loads(data)["error"] == {"code": "unauthenticated", "message": "unknown API key"}
    assert bogus.encode() not in data
    assert bogus not in admin_gh.log.read_text(), "the token reached the log"


def test_a_key_without_the_role_is_403(admin_gh):
    status, body = json_of(admin_gh, "/api/v1/sessions", admin_gh.dev_key)
    assert status == 403, body
    assert body["error"]["code"] == "forbidden"
    assert "admin or auditor" in body["error"]["message"]


def test_an_auditor_lists_sessions(admin_gh):
    with psycopg.connect(host=admin_gh.host, port=admin_gh.port, dbname="app_nossl", user="agent",
                         password=admin_gh.key, sslmode="disable", connect_timeout=10,
                         application_name="admin-it") as c:
        c.execute("select 1")
    # The index row is written by the session's io thread; give it a moment.
    def listed():
        status, body = json_of(admin_gh, "/api/v1/sessions?limit=50", admin_gh.auditor_key)
        assert status == 200, body
        return [s for s in body["sessions"] if s["application_name"] == "admin-it"]
    sessions = harness.wait_for(listed, 10, "the session in /api/v1/sessions")
    s = sessions[0]
    assert s["principal"] == "it-admin-client" and s["connection"] == "app_nossl"
    assert s["groups"] == ["testers"]
    status, one = json_of(admin_gh, f"/api/v1/sessions/{s['id']}", admin_gh.auditor_key)
    assert status == 200 and one["id"] == s["id"], one
    status, body = json_of(admin_gh, "/api/v1/sessions?limit=1", admin_gh.auditor_key)
    assert status == 200 and len(body["sessions"]) == 1


def test_policy_shows_rules_and_config_hash(admin_gh):
    status, body = json_of(admin_gh, "/api/v1/policy", admin_gh.auditor_key)
    assert status == 200, body
    assert re.fullmatch(r"[0-9a-f]{64}", body["config_hash"])
    assert body["rules"] and all({"name", "action", "mode", "source"} <= r.keys()
                                 for r in body["rules"])
    assert "agent-safe" in body["sources"]


def test_bad_requests_get_json_errors(admin_gh):
    key = admin_gh.auditor_key
    assert json_of(admin_gh, "/nope")[0] == 404
    status, body = json_of(admin_gh, "/api/v1/nope", key)
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, body = json_of(admin_gh, "/api/v1/sessions/does-not-exist", key)
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, headers, data = request(admin_gh, "/healthz", method="POST", body=b"{}")
    assert status == 405 and headers.get("Allow") == "GET"
    assert json.loads(data)["error"]["code"] == "method_not_allowed"
    status, body = json_of(admin_gh, "/api/v1/sessions", key, method="DELETE")
    assert (status, body["error"]["code"]) == (405, "method_not_allowed")
    status, body = json_of(admin_gh, "/api/v1/sessions?limit=zero", key)
    assert (status, body["error"]["code"]) == (400, "invalid_argument")
    status, body = json_of(admin_gh, "/" + "a" * 3000)
    assert (status, body["error"]["code"]) == (414, "uri_too_long")
    # A body over 1 MiB is refused by the server before the router sees it.
    status, body = json_of(admin_gh, "/api/v1/sessions", key, method="POST", body=b"x" * (2 << 20))
    assert status == 413, body
    assert json_of(admin_gh, "/healthz") == (200, {"status": "ok"})


def test_malformed_http_does_not_hurt_the_server(admin_gh):
    import socket
    host, port = "127.0.0.1", int(admin_gh.admin_url.rsplit(":", 1)[1])
    for raw in (b"GARBAGE\r\n\r\n", b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                b"\x16\x03\x01\x00\x05hello", b"GET " + b"/" * 10000 + b" HTTP/1.1\r\n\r\n"):
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
            try:
                s.recv(4096)
            except OSError:
                pass
    assert json_of(admin_gh, "/healthz") == (200, {"status": "ok"})
    assert admin_gh.alive()


def test_api_requests_are_audit_records(admin_gh, tmp_path):
    """Who read the trail, looked up a session or was refused: each /api/ request is an
    admin.request record (never its token), in the export, its OCSF form and the evidence
    bundle's access log."""
    import csv
    import io

    bogus = "ghk_" + "R" * 43
    assert json_of(admin_gh, "/api/v1/sessions?limit=3", admin_gh.auditor_key)[0] == 200
    assert json_of(admin_gh, "/api/v1/policy", admin_gh.dev_key)[0] == 403
    assert json_of(admin_gh, "/api/v1/policy", bogus)[0] == 401
    assert json_of(admin_gh, "/healthz")[0] == 200
    span = ("--since", "2000-01-01", "--until", "2100-01-01")
    p = admin_gh.cli("audit", "export", "--config", str(admin_gh.config), *span, "--format", "jsonl")
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    reqs = [r["payload"] for r in recs if r["type"] == "admin.request"]
    listed = [r for r in reqs if r["path"] == "/api/v1/sessions" and r.get("query") == {"limit": "3"}]
    assert listed and listed[-1]["principal"] == "it-auditor" and listed[-1]["status"] == 200, reqs
    assert listed[-1]["groups"] == ["compliance"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", listed[-1]["client"]), listed[-1]
    forbidden = [r for r in reqs if r["path"] == "/api/v1/policy" and r["status"] == 403]
    assert forbidden and forbidden[-1]["principal"] == "it-dev", reqs
    refused = [r for r in reqs if r["path"] == "/api/v1/policy" and r["status"] == 401]
    assert refused and refused[-1]["principal"] is None, reqs
    assert not [r for r in reqs if r["path"] in ("/healthz", "/readyz", "/metrics")]
    for secret in (bogus, admin_gh.auditor_key, admin_gh.dev_key):
        assert secret not in p.stdout
    # The log still verifies with the new records in it.
    admin_gh.cli("audit", "verify", "--config", str(admin_gh.config))

    p = admin_gh.cli("audit", "export", "--config", str(admin_gh.config), *span, "--format", "ocsf")
    ocsf = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    api = [e for e in ocsf if e["unmapped"]["gatehouse"]["type"] == "admin.request"]
    read = [e for e in api if e["api"]["operation"] == "GET /api/v1/sessions"
            and e["api"]["response"]["code"] == 200]
    assert read and read[-1]["class_uid"] == 6003 and read[-1]["activity_name"] == "Read"
    assert read[-1]["actor"]["user"]["name"] == "it-auditor"
    failed = [e for e in api if e["api"]["response"]["code"] == 401]
    assert failed and failed[-1]["status"] == "Failure"

    out = tmp_path / "evidence"
    admin_gh.cli("evidence", "--config", str(admin_gh.config), *span, "--out", str(out))
    access = list(csv.DictReader(io.StringIO((out / "access_log.csv").read_text())))
    rows = [a for a in access if a["event"] == "admin.request"]
    assert any(a["principal"] == "it-auditor" and a["outcome"] == "answered"
               and a["reason"] == "GET /api/v1/sessions -> 200" for a in rows), rows
    assert any(a["principal"] == "" and a["outcome"] == "refused" for a in rows), rows
