"""gatehouse limits: idle timeout, maximum message size, client TLS required."""

from __future__ import annotations

import time

import psycopg
import pytest

import pgwire


def login(gh) -> pgwire.Conn:
    c = pgwire.Conn(gh.host, gh.port)
    c.login("it-limits", gh.key, "app")
    return c


def test_idle_timeout_closes_idle_session(gatehouse_strict):
    gh = gatehouse_strict
    with login(gh) as c:
        assert c.simple_query("select 1") == [["1"]]
        t0 = time.monotonic()
        err = c.read_error(8)  # an ErrorResponse (e.g. 57P05) before close is allowed
        elapsed = time.monotonic() - t0
        if err is not None:
            c.read_until_closed(5)
    assert 2 - 0.3 <= elapsed <= 2 + 3, f"idle session closed after {elapsed:.2f}s, timeout 2s"
    assert gh.alive()


def test_idle_timeout_spares_active_session(gatehouse_strict):
    with login(gatehouse_strict) as c:
        for i in range(8):  # 4 s of activity with 0.5 s gaps
            assert c.simple_query(f"select {i}") == [[str(i)]]
            time.sleep(0.5)
        # a long-running statement is not idleness either
        assert c.simple_query("select pg_sleep(2.5)", timeout=10) == [[""]]


def test_message_under_max_passes(gatehouse_strict):
    with login(gatehouse_strict) as c:
        text = "a" * (900 * 1024)
        assert c.simple_query(f"select length('{text}')") == [[str(len(text))]]


def test_message_over_max_is_refused(gatehouse_strict):
    gh = gatehouse_strict
    with login(gh) as c:
        text = "b" * (1536 * 1024)
        try:
            c.send(pgwire.query(f"select length('{text}')"))
        except (BrokenPipeError, ConnectionResetError):
            pass
        err = c.read_error(10)
        assert err is not None and err.sqlstate == "08P01", err and err.fields()
        c.read_until_closed(10)
    assert gh.alive()
    with login(gh) as c:
        assert c.simple_query("select 'next client fine'") == [["next client fine"]]


def test_client_tls_required(gatehouse_tls_required, certs):
    gh = gatehouse_tls_required
    base = f"host={gh.host} port={gh.port} dbname=app user=it-tls password={gh.key} connect_timeout=10"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(base + " sslmode=disable")
    with psycopg.connect(base + f" sslmode=verify-full sslrootcert={certs.ca_cert}") as c:
        assert c.info.pgconn.ssl_in_use
        assert c.execute("select 1").fetchone() == (1,)
    assert gh.alive()
