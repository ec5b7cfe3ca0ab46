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
