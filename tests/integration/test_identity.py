"""Identity and least privilege: OIDC access tokens from a real OpenID provider
(oidc-provider, started on loopback) as the PostgreSQL password, access rules (deny by
default), static per-role logins, the token attack suite, key rotation, an unreachable
provider, token expiry, and revoked API keys ending live sessions."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

import psycopg
import pytest

import harness
import oidc
import pgwire

pytestmark = pytest.mark.skipif(os.environ.get("GH_IT_DIRECT") == "1",
                                reason="gatehouse-only: identity")

ALL_TIME = ("--since", "2000-01-01", "--until", "2100-01-01")
ANALYST_PW = "it-analyst-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def db_roles(pg):
    """it_analyst: a login that may read items but not customers (a static role login)."""
    with pg.su_connect() as c:
        c.execute("DROP ROLE IF EXISTS it_analyst")
        c.execute(f"CREATE ROLE it_analyst LOGIN PASSWORD '{ANALYST_PW}'")
    with pg.su_connect("app") as c:
        c.execute("GRANT USAGE ON SCHEMA public TO it_analyst")
        c.execute("GRANT SELECT ON items TO it_analyst")
    return True


def identity_yaml(issuers: list[str], access: str, extra_issuer: str = "",
                  expiry: str = "terminate") -> str:
    lines = ["identity:", f"  on_token_expiry: {expiry}", "  api_key_check_interval: 300ms",
             "  issuers:"]
    for iss in issuers:
        lines += [f"    - issuer: {iss}", "      audience: gatehouse",
                  "      jwks_min_refresh_interval: 1s"]
        if extra_issuer:
            lines += ["      " + l for l in extra_issuer.strip().splitlines()]
    return "\n".join(lines) + "\n" + access


ACCESS = """
access:
  - { connection: app_nossl, groups: [data-agents] }
  - { connection: app_ro, groups: [data-agents], role: analyst_ro }
  - { connection: app_nossl, groups: [testers] }
  - { connection: app_short, groups: [data-agents], max_session: 2s }
"""


def make_gh(gh_factory, pg, issuers, access=ACCESS, extra_issuer="", expiry="terminate", name="idp"):
    conns = [
        harness.GhConnection("app_nossl", "gh_nossl", port=pg.port, password_env="GH_IT_PW_NOSSL"),
        harness.GhConnection("app_ro", "gh_nossl", port=pg.port, password_env="GH_IT_PW_NOSSL"),
        harness.GhConnection("app_short", "gh_nossl", port=pg.port, password_env="GH_IT_PW_NOSSL"),
        harness.GhConnection("app_other", "gh_nossl", port=pg.port, password_env="GH_IT_PW_NOSSL"),
    ]
    gh = gh_factory.make(name, connections=conns, start=False,
                         extra_yaml=identity_yaml(issuers, access, extra_issuer, expiry))
    # The static login of role analyst_ro on app_ro.
    gh.config_text = gh.config_text.replace(
        "  - name: app_ro\n", "  - name: app_ro\n    roles: { analyst_ro: { user: it_analyst, "
        "password_env: GH_IT_PW_ANALYST } }\n")
    gh.write_config()
    gh.env["GH_IT_PW_ANALYST"] = ANALYST_PW
    return gh


@pytest.fixture(scope="module")
def idp_gh(gh_factory, pg, db_roles, oidc_provider):
    gh = make_gh(gh_factory, pg, [oidc_provider.issuer])
    gh.key = gh.create_key("it-idp-key", groups="testers")
    gh.start()
    return gh


def conninfo(gh, password: str, dbname: str = "app_nossl", user: str = "agent") -> dict:
    return dict(host=gh.host, port=gh.port, dbname=dbname, user=user, password=password,
                sslmode="disable", connect_timeout=10)


def raw_refusal(gh, password: str, dbname: str = "app_nossl") -> pgwire.ServerError:
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
        c.login("agent", password, dbname)
    return exc.value


def audit_records(gh, type_: str) -> list[dict]:
    p = gh.cli("audit", "export", "--config", str(gh.config), *ALL_TIME, "--format", "jsonl",
               check=False)
    assert p.returncode == 0, p.stderr
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return [r for r in recs if r["type"] == type_]


# ---------------------------------------------------------------- logins with real tokens


def test_psycopg_login_with_provider_token(idp_gh, oidc_provider):
    token = oidc_provider.token("agent")
    with psycopg.connect(**conninfo(idp_gh, token), autocommit=True) as c:
        assert c.execute("select current_user").fetchone()[0] == "gh_nossl"
        assert c.execute("select count(*) from items where id <= 10").fetchone()[0] == 10
    starts = [r["payload"] for r in audit_records(idp_gh, "session.start")]
    mine = [s for s in starts if s["principal"].get("subject") == "agent"]
    assert mine, starts
    p = mine[-1]["principal"]
    assert p["kind"] == "oidc" and p["issuer"] == oidc_provider.issuer
    assert p["groups"] == ["data-agents"] and p["expires_at"] > time.time()
    assert mine[-1]["access"]["login"] == "gh_nossl"


def test_psql_login_with_provider_token(idp_gh, oidc_provider):
    token = oidc_provider.token("agent")
    env = {**os.environ, "PGPASSWORD": token}
    p = subprocess.run(["psql", "-X", "-At", "-h", idp_gh.host, "-p", str(idp_gh.port), "-U", "agent",
                        "-d", "app_nossl", "-c", "select current_user, 1+1"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "gh_nossl|2"


def test_rule_role_picks_the_static_login(idp_gh, oidc_provider):
    """The role decides the backend credential: least privilege on app_ro."""
    token = oidc_provider.token("agent")
    with psycopg.connect(**conninfo(idp_gh, token, "app_ro"), autocommit=True) as c:
        assert c.execute("select current_user").fetchone()[0] == "it_analyst"
        assert c.execute("select count(*) from items").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("select * from customers")


def test_no_access_rule_is_28000_naming_principal_and_connection(idp_gh, oidc_provider):
    token = oidc_provider.token("other-agent")  # groups: [other]
    err = raw_refusal(idp_gh, token)
    assert err.sqlstate == "28000", err
    assert err.text == 'no access rule lets principal "other-agent" use connection "app_nossl"', err
    for other in ("app_ro", "app_short", "app_other"):
        assert other not in err.full_text
    # A member of data-agents has no rule for app_other either.
    err = raw_refusal(idp_gh, oidc_provider.token("agent"), "app_other")
    assert err.sqlstate == "28000" and "app_other" in err.text
    cats = [r["payload"]["category"] for r in audit_records(idp_gh, "auth.failure")]
    assert "no_access_rule" in cats


def test_api_key_needs_a_rule_too(idp_gh):
    with pgwire.Conn(idp_gh.host, idp_gh.port) as c:
        c.login("it", idp_gh.key, "app_nossl")
        assert c.simple_query("select 1") == [["1"]]
    err = raw_refusal(idp_gh, idp_gh.key, "app_ro")
    assert err.sqlstate == "28000"
    assert err.text == 'no access rule lets API key "it-idp-key" use connection "app_ro"', err


def test_nested_groups_claim(gh_factory, pg, db_roles, oidc_provider):
    access = "access:\n  - { connection: app_nossl, groups: [realm-agents] }\n"
    gh = make_gh(gh_factory, pg, [oidc_provider.issuer], access=access,
                 extra_issuer="groups_claim: realm_access.roles", name="nested")
    gh.start()
    with psycopg.connect(**conninfo(gh, oidc_provider.token("agent")), autocommit=True) as c:
        assert c.execute("select 1").fetchone()[0] == 1
    err = raw_refusal(gh, oidc_provider.token("other-agent"))  # realm-other
    assert err.sqlstate == "28000"
    gh.stop()


# ---------------------------------------------------------------- the token attack suite


def _attacks(op: oidc.OidcProvider, key: oidc.OidcKey):
    good = oidc.claims(op.issuer)
    signed = lambda payload, **kw: oidc.make_token(payload, key.key, kid=key.kid, **kw)  # noqa: E731
    real = op.token("agent")
    h, p, s = real.split(".")
    tampered_payload = oidc.b64url(json.dumps({**oidc.decode_jwt(real)[1], "groups": ["admins"]}).encode())
    return [
        ("alg_none", oidc.alg_none(good, kid=key.kid), None),
        ("hs256_with_rsa_public_key", oidc.hs256_with_public_key(good, key.public_pem, kid=key.kid), None),
        ("expired", signed(oidc.claims(op.issuer, exp_in=-300)), "expired"),
        ("not_yet_valid", signed(oidc.claims(op.issuer, nbf_in=600)), "not_yet_valid"),
        ("wrong_issuer", signed(oidc.claims("http://127.0.0.1:9/not-trusted")), "wrong_issuer"),
        ("wrong_audience", op.token("agent", resource=oidc.OTHER_RESOURCE), "wrong_audience"),
        ("unknown_kid", oidc.make_token(good, oidc.new_rsa_key(), kid="nobody-knows-me"), "unknown_key"),
        ("tampered_payload", f"{h}.{tampered_payload}.{s}", "bad_signature"),
        ("truncated_signature", f"{h}.{p}.{s[:-10]}", None),
        ("one_megabyte", f"{h}.{'A' * (1 << 20)}.{s}", "malformed"),
        ("malformed_base64url", f"{h}.{p[:5]}*!{p[7:]}.{s}", "malformed"),
    ]


def test_token_attacks_are_refused_with_28p01_and_recorded(idp_gh, oidc_provider, oidc_key):
    results = {}
    for name, token, category in _attacks(oidc_provider, oidc_key):
        err = raw_refusal(idp_gh, token)
        assert err.sqlstate == "28P01", (name, err)
        results[name] = (err, category)
    failures = [r["payload"] for r in audit_records(idp_gh, "auth.failure")]
    cats = [f["category"] for f in failures]
    for name, (err, category) in results.items():
        if category is not None:
            assert category in cats, (name, category, cats)
            assert category.replace("_", " ") in err.full_text.replace("_", " ") or category in err.full_text, \
                (name, err.full_text)
    # Nothing recorded or sent back contains the presented tokens.
    blob = json.dumps(failures)
    for name, token, _ in _attacks(oidc_provider, oidc_key):
        assert token.split(".")[2][:40] not in blob if len(token.split(".")[2]) >= 40 else True
    assert len(failures) >= len(results)


def test_jwks_endpoint_returning_garbage(gh_factory, pg, db_roles, garbage_jwks):
    gh = make_gh(gh_factory, pg, [garbage_jwks.issuer], name="garbage")
    gh.start()
    token = oidc.make_token(oidc.claims(garbage_jwks.issuer), oidc.new_rsa_key(), kid="k1")
    err = raw_refusal(gh, token)
    assert err.sqlstate == "28P01", err
    assert "identity provider" in err.text and "unreachable" in err.text, err
    assert "JWKS" in err.full_text, err
    cats = [r["payload"]["category"] for r in audit_records(gh, "auth.failure")]
    assert "idp_unreachable" in cats
    gh.stop()


# ---------------------------------------------------------------- keys: rotation, outage


def test_key_rotation_is_picked_up_without_restart(gh_factory, pg, db_roles, oidc_factory):
    k1 = oidc_factory.key("rot-1")
    op = oidc_factory.start(k1)
    gh = make_gh(gh_factory, pg, [op.issuer], name="rotation")
    gh.start()
    with psycopg.connect(**conninfo(gh, op.token("agent")), autocommit=True) as c:
        assert c.execute("select 1").fetchone()[0] == 1
    k2 = oidc_factory.key("rot-2")
    op.restart(k2)  # same issuer and port, a new signing key with a new kid
    t2 = op.token("agent")
    assert oidc.decode_jwt(t2)[0]["kid"] == "rot-2"
    with psycopg.connect(**conninfo(gh, t2), autocommit=True) as c:
        assert c.execute("select 1").fetchone()[0] == 1
    gh.stop()


def test_unreachable_provider_fails_closed_after_jwks_max_age(gh_factory, pg, db_roles, oidc_factory):
    key = oidc_factory.key("outage-1")
    op = oidc_factory.start(key)
    gh = make_gh(gh_factory, pg, [op.issuer], name="outage",
                 extra_issuer="jwks_max_age: 3s\njwks_refresh_interval: 1s\nhttp_timeout: 500ms")
    gh.start()
    token = op.token("agent")
    with psycopg.connect(**conninfo(gh, token), autocommit=True) as c:
        assert c.execute("select 1").fetchone()[0] == 1
    op.stop()
    # Cached keys keep working inside jwks_max_age...
    with psycopg.connect(**conninfo(gh, token), autocommit=True) as c:
        assert c.execute("select 1").fetchone()[0] == 1
    # ...and past it logins fail closed, saying why. (The cache is judged in whole seconds
    # from the last successful refresh, which ran up to 1 s before the stop.)
    stopped = time.monotonic()
    harness.wait_for(lambda: not _logs_in(gh, token), 10, "logins to be refused")
    assert time.monotonic() - stopped >= 2.0
    err = raw_refusal(gh, token)
    assert err.sqlstate == "28P01", err
    assert "identity provider" in err.text and "unreachable" in err.text, err
    assert op.issuer in err.text
    # The provider is back: logins work again without a restart.
    op.restart()
    harness.wait_for(lambda: _logs_in(gh, op.token("agent")), 10, "logins to work again")
    gh.stop()


def _logs_in(gh, token) -> bool:
    try:
        with pgwire.Conn(gh.host, gh.port) as c:
            c.login("agent", token, "app_nossl")
            return True
    except pgwire.ServerError:
        return False


# ---------------------------------------------------------------- live sessions


def test_token_expiry_terminates_the_session(idp_gh, oidc_provider):
    token = oidc_provider.token("short-agent")  # exp = now + 2 s
    exp = oidc.decode_jwt(token)[1]["exp"]
    with pgwire.Conn(idp_gh.host, idp_gh.port) as c:
        c.login("agent", token, "app_nossl")
        assert c.simple_query("select 1") == [["1"]]
        time.sleep(max(0.0, exp - time.time()) + 1.0)
        with pytest.raises((pgwire.ServerError, pgwire.Closed)) as exc:
            c.simple_query("select 1")
    if isinstance(exc.value, pgwire.ServerError):
        assert exc.value.sqlstate == "57P01" and "expired" in exc.value.text


def test_on_token_expiry_continue(gh_factory, pg, db_roles, oidc_provider):
    gh = make_gh(gh_factory, pg, [oidc_provider.issuer], expiry="continue", name="continue")
    gh.start()
    token = oidc_provider.token("short-agent")
    exp = oidc.decode_jwt(token)[1]["exp"]
    with pgwire.Conn(gh.host, gh.port) as c:
        c.login("agent", token, "app_nossl")
        time.sleep(max(0.0, exp - time.time()) + 1.0)
        assert c.simple_query("select 2") == [["2"]]
    gh.stop()


def test_max_session_ends_the_session(idp_gh, oidc_provider):
    with pgwire.Conn(idp_gh.host, idp_gh.port) as c:
        c.login("agent", oidc_provider.token("agent"), "app_short")
        assert c.simple_query("select 1") == [["1"]]
        time.sleep(2.5)
        with pytest.raises((pgwire.ServerError, pgwire.Closed)) as exc:
            c.simple_query("select 1")
    if isinstance(exc.value, pgwire.ServerError):
        assert exc.value.sqlstate == "57P01" and "max_session" in exc.value.text


def test_revoked_key_ends_live_sessions(idp_gh):
    gh = idp_gh
    name = f"it-live-{uuid.uuid4().hex[:6]}"
    key = gh.create_key(name, groups="testers")
    with pgwire.Conn(gh.host, gh.port) as c:
        c.login("it", key, "app_nossl")
        assert c.simple_query("select 1") == [["1"]]
        t0 = time.monotonic()
        gh.cli("keys", "revoke", "--config", str(gh.config), name)
        msg = c.read_message(timeout=5)  # the gateway's FATAL, unprompted
        elapsed = time.monotonic() - t0
        assert msg.is_error and msg.sqlstate == "57P01", msg
        assert f'API key "{name}" was revoked' in msg.fields()["M"]
        assert elapsed < 2.0, elapsed  # api_key_check_interval is 300 ms
    ends = [r["payload"] for r in audit_records(gh, "session.end")]
    assert any(e["reason"] == "API key revoked" for e in ends), ends


# ---------------------------------------------------------------- ephemeral backend roles

ADMIN_PW = "it-admin-" + uuid.uuid4().hex[:12]
EPH_ACCESS = """
access:
  - { connection: app_eph, groups: [testers], role: it_readers, max_session: 1h }
"""


class RecordingConn(pgwire.Conn):
    """A pgwire connection that keeps every byte the server sent."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.received = bytearray()

    def _fill(self, deadline: float) -> None:
        before = len(self.buf)
        super()._fill(deadline)
        self.received += self.buf[before:]


@pytest.fixture(scope="module")
def eph_roles(pg):
    with pg.su_connect() as c:
        c.execute("DROP ROLE IF EXISTS it_admin")
        c.execute("DROP ROLE IF EXISTS it_readers")
        c.execute("CREATE ROLE it_readers NOLOGIN")
        c.execute(f"CREATE ROLE it_admin LOGIN CREATEROLE PASSWORD '{ADMIN_PW}'")
        # The admin may hand out membership of it_readers (PG 16 also wants ADMIN OPTION).
        c.execute("GRANT it_readers TO it_admin WITH ADMIN OPTION")
    with pg.su_connect("app") as c:
        c.execute("GRANT USAGE ON SCHEMA public TO it_readers")
        c.execute("GRANT SELECT ON items TO it_readers")
    return True


def make_eph_gh(gh_factory, pg, name="eph"):
    conns = [harness.GhConnection("app_eph", "it_admin", port=pg.port, password_env="GH_IT_PW_ADMIN")]
    gh = gh_factory.make(name, connections=conns, start=False, extra_yaml=EPH_ACCESS)
    gh.config_text = gh.config_text.replace("  - name: app_eph\n",
                                            "  - name: app_eph\n    credentials: ephemeral\n")
    gh.write_config()
    gh.env["GH_IT_PW_ADMIN"] = ADMIN_PW
    gh.key = gh.create_key(f"it-{name}", groups="testers")
    return gh


def ephemeral_roles(pg) -> dict[str, str | None]:
    out = pg.psql_su("select rolname, coalesce(rolvaliduntil::text, '') from pg_roles "
                     "where rolname like 'gh\\_%'")
    return dict(line.split("|", 1) for line in out.splitlines() if line)


def test_ephemeral_role_lives_as_long_as_the_session(gh_factory, pg, eph_roles):
    gh = make_eph_gh(gh_factory, pg)
    gh.start()
    with RecordingConn(gh.host, gh.port) as c:
        c.login("agent", gh.key, "app_eph")
        role = c.simple_query("select current_user")[0][0]
        assert role.startswith("gh_") and role != "it_admin"
        roles = ephemeral_roles(pg)
        assert role in roles and roles[role], roles  # it has a VALID UNTIL bound
        valid_until = pg.psql_su(f"select extract(epoch from rolvaliduntil)::bigint from pg_roles "
                                 f"where rolname = '{role}'").strip()
        assert 3300 < int(valid_until) - time.time() <= 3660  # max_session 1h
        member = pg.psql_su(f"select pg_has_role('{role}', 'it_readers', 'MEMBER')").strip()
        assert member == "t"
        assert c.simple_query("select count(*) from items where id <= 3") == [["3"]]
        with pytest.raises(pgwire.ServerError) as exc:
            c.simple_query("select * from customers")
        assert exc.value.sqlstate == "42501"
        c.send(pgwire.terminate())
        received = bytes(c.received)
    harness.wait_for(lambda: role not in ephemeral_roles(pg), 10, f"role {role} to be dropped")
    # No backend secret reached the client, the log or the audit trail.
    for secret in (ADMIN_PW, "SCRAM-SHA-256$"):
        assert secret.encode() not in received
        assert secret not in gh.log.read_text()
    export = gh.cli("audit", "export", "--config", str(gh.config), *ALL_TIME, "--format", "jsonl").stdout
    assert ADMIN_PW not in export and "SCRAM-SHA-256$" not in export
    granted = [r["payload"] for r in audit_records(gh, "credential.granted")]
    revoked = [r["payload"] for r in audit_records(gh, "credential.revoked")]
    assert any(g["role"] == role and g["member_of"] == "it_readers" for g in granted), granted
    harness.wait_for(lambda: any(r["payload"]["role"] == role
                                 for r in audit_records(gh, "credential.revoked")), 10,
                     "credential.revoked to be recorded")
    gh.stop()


def test_sweeper_removes_roles_left_by_a_crash(gh_factory, pg, eph_roles):
    gh = make_eph_gh(gh_factory, pg, name="eph-crash")
    gh.start()
    c = pgwire.Conn(gh.host, gh.port)
    c.login("agent", gh.key, "app_eph")
    role = c.simple_query("select current_user")[0][0]
    assert role in ephemeral_roles(pg)
    gh.proc.kill()  # kill -9: no chance to drop the role
    gh.proc.wait(10)
    c.close()
    time.sleep(0.5)
    assert role in ephemeral_roles(pg), "the role must outlive the crash for this test to mean anything"
    gh.start()
    harness.wait_for(lambda: role not in ephemeral_roles(pg), 15, f"the sweeper to drop {role}")
    harness.wait_for(lambda: any(r["payload"]["role"] == role and r["payload"].get("by") == "sweeper"
                                 for r in audit_records(gh, "credential.revoked")), 10,
                     "the sweep to be recorded")
    gh.stop()


def test_ephemeral_admin_login_failure_is_a_clear_error(gh_factory, pg, eph_roles):
    gh = make_eph_gh(gh_factory, pg, name="eph-badadmin")
    gh.env["GH_IT_PW_ADMIN"] = "wrong-admin-password"
    gh.start()
    err = raw_refusal(gh, gh.key, "app_eph")
    assert err.sqlstate == "08001", err
    assert "could not create a login" in err.text
    assert "wrong-admin-password" not in gh.log.read_text()
    gh.stop()


def test_several_issuers(gh_factory, pg, db_roles, oidc_provider, oidc_factory):
    second = oidc_factory.start(oidc_factory.key("second-1", kind="ec"))  # ES256
    gh = make_gh(gh_factory, pg, [oidc_provider.issuer, second.issuer], name="two-issuers")
    gh.start()
    for op in (oidc_provider, second):
        token = op.token("agent")
        with psycopg.connect(**conninfo(gh, token), autocommit=True) as c:
            assert c.execute("select 1").fetchone()[0] == 1
    # A token of one issuer signed with the other's key is refused.
    forged = oidc.make_token(oidc.claims(oidc_provider.issuer), second.signing_key.key,
                             kid=second.signing_key.kid)
    err = raw_refusal(gh, forged)
    assert err.sqlstate == "28P01" and "unknown_key" in err.full_text, err
    gh.stop()


def test_sigterm_ends_sessions_and_drops_their_roles(gh_factory, pg, eph_roles):
    gh = make_eph_gh(gh_factory, pg, name="eph-sigterm")
    gh.start()
    c = pgwire.Conn(gh.host, gh.port)
    c.login("agent", gh.key, "app_eph")
    role = c.simple_query("select current_user")[0][0]
    assert gh.stop() == 0
    msg = c.read_message(timeout=5)
    assert msg.is_error and msg.sqlstate == "57P01", msg
    assert "shutting down" in msg.fields()["M"]
    c.close()
    assert role not in ephemeral_roles(pg)
    revoked = [r["payload"] for r in audit_records(gh, "credential.revoked")]
    assert any(r["role"] == role and "error" not in r for r in revoked), revoked
