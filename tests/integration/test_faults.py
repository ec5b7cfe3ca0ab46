"""Faults and hostile input: bad credentials, broken packets, dying peers, timeouts.

Tests that take `gatehouse*` fixtures run only through gatehouse; the others also
run against PostgreSQL directly (GH_IT_DIRECT=1), where their expectations are
relaxed only where the contract asks gatehouse to do better than a server does.
"""

from __future__ import annotations

import re
import struct
import threading
import time
import uuid

import psycopg
import pytest

import harness
import pgwire


def target_addr(target) -> tuple[str, int]:
    return target.host, target.port


def assert_serves(target) -> None:
    """A normal login and query still work."""
    with psycopg.connect(target.conninfo("disable")) as c:
        assert c.execute("select 'alive'").fetchone() == ("alive",)


def wait_pid_gone(pg, pid: int, timeout: float) -> None:
    harness.wait_for(lambda: pg.psql_su(f"select count(*) from pg_stat_activity where pid = {pid}").strip() == "0",
                     timeout, f"backend {pid} to go away", interval=0.1)


def active_pid(pg, marker: str, timeout: float = 10) -> int:
    def find():
        out = pg.psql_su("select pid from pg_stat_activity where state = 'active' and "
                         f"query like '%{marker}%' and pid <> pg_backend_pid()").strip()
        return int(out.splitlines()[0]) if out else None

    return harness.wait_for(find, timeout, f"a backend running {marker}", interval=0.05)


# ---------------------------------------------------------------- credentials


def test_wrong_key(target):
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(*target_addr(target)) as c:
        if target.is_gatehouse:
            c.login("it-wrong", "ghk_" + "0" * 40, "app")
        else:
            c.start_tls()
            c.login(target.user, "not-the-password", "app")
    assert exc.value.sqlstate == "28P01", exc.value


def test_wrong_key_shapes(gatehouse_alive):
    gh = gatehouse_alive
    for bad in ("", "x", gh.key[:-1], gh.key + "x", gh.key.upper(), "ghk_", "a" * 5000):
        with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
            c.login("it-wrong", bad, "app")
        assert exc.value.sqlstate == "28P01", (bad[:20], exc.value)


def test_wrong_key_via_libpq(target):
    params = target.params("disable")
    params["password"] = "wrong-" + params["password"]
    with pytest.raises(psycopg.OperationalError) as exc:
        psycopg.connect(**params)
    assert "password authentication failed" in str(exc.value) or "28P01" in str(exc.value)


def test_revoked_key(gatehouse_alive):
    gh = gatehouse_alive
    name = f"it-revoke-{uuid.uuid4().hex[:6]}"
    key = gh.create_key(name, groups="testers")
    with pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-revoked", key, "app")
        assert c.simple_query("select 1") == [["1"]]
    gh.cli("keys", "revoke", "--config", str(gh.config), name)
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-revoked", key, "app")
    assert exc.value.sqlstate == "28P01", exc.value


def test_expired_key(gatehouse_alive):
    gh = gatehouse_alive
    key = gh.create_key(f"it-expiring-{uuid.uuid4().hex[:6]}", groups="testers", expires="2s")
    time.sleep(2.5)
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-expired", key, "app")
    assert exc.value.sqlstate == "28P01", exc.value


def test_unknown_dbname(gatehouse_alive):
    gh = gatehouse_alive
    with pytest.raises(pgwire.ServerError) as exc, pgwire.Conn(gh.host, gh.port) as c:
        c.login("it-unknown", gh.key, "no_such_connection")
    err = exc.value
    assert err.sqlstate == "3D000", err
    count = len(gh.connections)
    assert re.search(rf"\b{count}\b", err.full_text), f"message should give the count {count}: {err.fields}"
    for name in [c.name for c in gh.connections]:
        assert not re.search(rf"\b{re.escape(name)}\b", err.full_text), f"error leaks connection name {name}: {err.fields}"


def test_password_exchange_before_any_backend_contact(gatehouse_alive, pg):
    """A client with a wrong key never causes a backend connection."""
    gh = gatehouse_alive
    before = pg.psql_su("select count(*) from pg_stat_activity where backend_type = 'client backend'").strip()
    for _ in range(5):
        with pytest.raises(pgwire.ServerError), pgwire.Conn(gh.host, gh.port) as c:
            c.login("it-wrong", "ghk_wrong", "app")
    after = pg.psql_su("select count(*) from pg_stat_activity where backend_type = 'client backend'").strip()
    assert int(after) <= int(before)


# ---------------------------------------------------------------- broken startup


def test_protocol_v2_refused(target):
    with pgwire.Conn(*target_addr(target)) as c:
        c.send(pgwire.v2_startup_packet("it-v2", "app"))
        data = c.read_until_closed(10)
    assert data == b"" or data[:1] == b"E", data[:100]
    if data:
        assert b"protocol" in data.lower() or b"0A000" in data or b"08P01" in data
    assert_serves(target)


GARBAGE = {
    "too_short_length": struct.pack("!i", 4),
    "negative_length": struct.pack("!i", -1) + b"\x00" * 16,
    "oversized_length": struct.pack("!i", 0x7FFFFFFF) + b"\x00" * 1024,
    "over_10kb_startup": struct.pack("!ii", 20000, pgwire.PROTOCOL_V3) + b"a\x00" * 9996,
    "http_request": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "tls_client_hello_without_sslrequest": bytes.fromhex("160301020001") + b"\x00" * 512,
    "unknown_protocol_code": struct.pack("!ii", 8, 0x12345678),
    "v3_unterminated_params": struct.pack("!ii", 16, pgwire.PROTOCOL_V3) + b"user\x00abc",
    "v3_no_user": pgwire.startup_message({"database": "app"}),
    "random_bytes": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_first_packet(target, name):
    with pgwire.Conn(*target_addr(target)) as c:
        try:
            c.send(GARBAGE[name])
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = c.read_until_closed(10)
    assert data == b"" or data[:1] in (b"E", b"N"), data[:100]
    assert_serves(target)


def test_double_ssl_request_and_gssenc(target):
    with pgwire.Conn(*target_addr(target)) as c:
        if target.is_gatehouse:  # PostgreSQL built with GSSAPI may answer 'G'
            c.send(pgwire.gssenc_request())
            assert c.read_exact(1) == b"N"
        c.start_tls(cafile=str(target.ca_file))
        # a second SSLRequest inside TLS is a protocol violation
        c.send(pgwire.ssl_request())
        data = c.read_until_closed(10)
    assert data == b"" or data[:1] == b"E"
    assert_serves(target)


# ---------------------------------------------------------------- broken messages after login

MALFORMED = {
    "length_below_4": (b"Q" + struct.pack("!i", 2), True),
    "length_negative": (b"Q" + struct.pack("!i", -5), True),
    "length_over_max": (b"Q" + struct.pack("!i", 0x7FFFFFF0) + b"select 1", True),
    "unknown_type": (pgwire.message(b"\xff", b"junk"), False),
    "query_without_terminator": (pgwire.message(b"Q", b"select 1"), False),
    "bind_for_missing_statement": (pgwire.bind([b"1"], stmt="nope") + pgwire.sync(), False),
}


def test_fast_path_function_call_is_refused(gatehouse_alive, raw_login):
    """FunctionCall runs a function by OID with no SQL to judge or record: refused, 42501,
    and the session carries on."""
    c = raw_login()
    lo_creat_oid = 957  # lo_creat(integer)
    c.send(pgwire.message(b"F", struct.pack("!IHHHi", lo_creat_oid, 1, 1, 1, 4) +
                          struct.pack("!i", 0) + struct.pack("!H", 1)))
    m = c.read_message()
    assert m.is_error and m.sqlstate == "42501", m
    assert "fast-path function call" in m.fields()["M"]
    assert c.read_message().tag == b"Z"
    assert c.simple_query("select 1") == [["1"]]


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_message_after_login(target, raw_login, name):
    payload, framing_error = MALFORMED[name]
    c = raw_login()
    c.send(payload)
    if name == "bind_for_missing_statement":
        rows_or_err = c.read_error(10)
        assert rows_or_err is not None and rows_or_err.sqlstate == "26000"
        c.collect_until_ready()
        c.send(pgwire.query("select 'session ok'"))
        assert c.collect_until_ready() == [["session ok"]]
        return
    err = c.read_error(10)
    if target.is_gatehouse and framing_error:
        # PostgreSQL itself only logs framing errors; gatehouse must say why it closes.
        assert err is not None, "expected ErrorResponse 08P01 before close"
    if err is not None:
        assert err.sqlstate == "08P01", err.fields()
    if framing_error or err is None:
        c.read_until_closed(10)
    else:
        # A well-framed but invalid message may be answered like a server does (ERROR, then
        # ReadyForQuery) or with FATAL and close.
        try:
            c.collect_until_ready(10)
            assert c.simple_query("select 'usable'") == [["usable"]]
        except pgwire.Closed:
            pass
    assert_serves(target)


def test_truncated_message_then_close(target, raw_login):
    c = raw_login()
    c.send(b"Q" + struct.pack("!i", 100) + b"select")  # promises 96 bytes, sends 6
    c.close()
    assert_serves(target)


# ---------------------------------------------------------------- dying peers


def test_backend_dies_mid_query(target, pg):
    marker = f"victim_{uuid.uuid4().hex[:8]}"
    errors: list[BaseException] = []

    def victim():
        try:
            with psycopg.connect(target.conninfo("disable")) as c:
                c.execute(f"select pg_sleep(30) /* {marker} */")
        except BaseException as e:  # noqa: BLE001 - recorded for the assertion
            errors.append(e)

    t = threading.Thread(target=victim, daemon=True)
    t0 = time.monotonic()
    t.start()
    pid = active_pid(pg, marker)
    assert pg.psql_su(f"select pg_terminate_backend({pid})").strip() == "t"
    t.join(10)
    assert not t.is_alive(), "client still waiting after its backend was terminated"
    assert time.monotonic() - t0 < 15
    assert errors and isinstance(errors[0], psycopg.Error), errors
    assert_serves(target)


def test_client_disconnects_mid_query(target, raw_login, pg):
    marker = f"orphan_{uuid.uuid4().hex[:8]}"
    c = raw_login()
    if not target.is_gatehouse:
        # PostgreSQL alone only notices a vanished client when asked to check.
        c.simple_query("set client_connection_check_interval = '200ms'")
    c.send(pgwire.query(f"select pg_sleep(30) /* {marker} */"))
    pid = active_pid(pg, marker)
    c.close()
    wait_pid_gone(pg, pid, 5)


def test_cancel_request_with_own_key(target, raw_login, pg):
    c = raw_login()
    assert c.backend_key is not None
    marker = f"cancel_me_{uuid.uuid4().hex[:8]}"
    c.send(pgwire.query(f"select pg_sleep(30) /* {marker} */"))
    active_pid(pg, marker)
    t0 = time.monotonic()
    with pgwire.Conn(*target_addr(target)) as k:
        k.send(pgwire.cancel_request(*c.backend_key))
        k.read_until_closed(5)
    err = c.read_error(5)
    assert err is not None and err.sqlstate == "57014", err and err.fields()
    assert time.monotonic() - t0 < 2
    c.collect_until_ready()
    assert c.simple_query("select 'after cancel'") == [["after cancel"]]


def test_cancel_request_with_bogus_key(target, raw_login):
    c = raw_login()
    c.send(pgwire.query("select pg_sleep(1.5)"))
    with pgwire.Conn(*target_addr(target)) as k:
        pid, secret = c.backend_key
        k.send(pgwire.cancel_request(pid, secret ^ 0x5A5A5A5A))
        k.read_until_closed(5)
    assert c.collect_until_ready(10) == [[""]]  # the query was not cancelled
    assert_serves(target)


def test_backend_key_is_gatehouse_own(gatehouse_alive, raw_login):
    c = raw_login()
    real_pid = int(c.simple_query("select pg_backend_pid()")[0][0])
    assert c.backend_key is not None and c.backend_key[0] != real_pid


# ---------------------------------------------------------------- timeouts


def test_startup_timeout(target, request):
    if target.is_gatehouse:
        gh = request.getfixturevalue("gatehouse_strict")
        addr, limit = (gh.host, gh.port), 1.0
    else:
        addr, limit = target_addr(target), 5.0  # PostgreSQL's authentication_timeout in the harness
    for first_bytes in (b"", struct.pack("!i", 50)):  # silent, and a partial startup packet
        with pgwire.Conn(*addr) as c:
            t0 = time.monotonic()
            c.send(first_bytes)
            c.read_until_closed(limit + 5)
            elapsed = time.monotonic() - t0
        assert limit - 0.3 <= elapsed <= limit + 3, f"closed after {elapsed:.2f}s, limit {limit}s"
