"""Backend side: every auth method and TLS mode gatehouse uses towards PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

import harness
import pgwire
from conftest import DIRECT

# gatehouse connection -> (backend user, backend link uses TLS)
BACKENDS = {
    "app": ("gh_scram", True),          # SCRAM-SHA-256 over TLS (mode require)
    "app_md5": ("gh_md5", True),        # MD5 over TLS, password from password_file
    "app_plain": ("gh_plain", True),    # cleartext password over TLS
    "app_nossl": ("gh_nossl", False),   # SCRAM without TLS (mode disable)
    "app_verify": ("gh_scram", True),   # SCRAM over TLS, verify-full against the test CA
}

WHO = "select current_user, coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false)"


@pytest.mark.parametrize("connection", list(BACKENDS))
def test_backend_login(request, pg, connection):
    user, tls = BACKENDS[connection]
    if DIRECT:
        conninfo = (f"host=127.0.0.1 port={pg.port} dbname=app user={user} password={harness.PG_USERS[user]} "
                    f"sslmode={'require' if tls else 'disable'} connect_timeout=10")
    else:
        gh = request.getfixturevalue("gatehouse")
        conninfo = (f"host={gh.host} port={gh.port} dbname={connection} user=it-backend password={gh.key} "
                    "sslmode=disable connect_timeout=10")
    with psycopg.connect(conninfo) as c:
        assert c.execute(WHO).fetchone() == (user, tls)
        assert c.execute("select count(*) from customers").fetchone() == (50,)


def test_postgres_refuses_plaintext_for_tls_users(pg):
    """Harness sanity: the hostssl lines make TLS mandatory for the TLS users."""
    for user in ("gh_scram", "gh_md5", "gh_plain"):
        with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn("127.0.0.1", pg.port) as c:
            c.login(user, harness.PG_USERS[user], "app")
        assert exc.value.sqlstate == "28000", exc.value


def test_backend_verify_full_wrong_ca(gatehouse_alive):
    gh = gatehouse_alive
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-backend", gh.key, "app_badca")
    err = exc.value
    assert err.sqlstate.startswith("08"), err
    # The client must learn that the backend's certificate was refused, not just "unreachable".
    assert any(w in err.full_text.lower() for w in ("certificate", "verif", "tls", "ssl")), err.fields


def test_backend_unreachable(gatehouse_alive):
    gh = gatehouse_alive
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-backend", gh.key, "dead")
    assert exc.value.sqlstate == "08001", exc.value
    assert exc.value.fields.get("S") in ("FATAL", "ERROR")


def test_startup_parameters_filtered(gatehouse_alive):
    gh = gatehouse_alive
    with pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-params", gh.key, "app", {
            "application_name": "it-app",
            "options": "-c search_path=pg_catalog -c statement_timeout=1",
            "role": "gh_md5",
            "session_authorization": "postgres",
        })
        rows = c.simple_query("select current_user, session_user, current_setting('application_name'), "
                              "current_setting('search_path'), current_setting('statement_timeout')")
        assert rows == [["gh_scram", "gh_scram", "it-app", '"$user", public', "0"]]
