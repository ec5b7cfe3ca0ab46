"""psycopg 3 through the target: binary results, pipeline mode, COPY, cancel, verify-full TLS."""

from __future__ import annotations

import datetime
import decimal
import threading
import time
import uuid

import psycopg
import pytest
from psycopg import errors


@pytest.fixture
def conn(target):
    with psycopg.connect(target.conninfo("prefer")) as c:
        yield c


def test_text_and_binary_results(conn):
    text_rows = conn.execute("select id, label, price, tags, payload from items where id <= 100 order by id").fetchall()
    with conn.cursor(binary=True) as cur:
        cur.execute("select id, label, price, tags, payload from items where id <= 100 order by id")
        bin_rows = cur.fetchall()
        assert cur.pgresult.fformat(0) == 1  # really binary on the wire
    assert bin_rows == text_rows
    assert text_rows[0] == (1, "item 1", decimal.Decimal("1.25"), ["t1", "x"], bytes.fromhex(
        __import__("hashlib").md5(b"1").hexdigest()))


def test_binary_parameters_and_types(conn):
    with conn.cursor(binary=True) as cur:
        cur.execute("select %b::int8, %b::text, %b::timestamptz, %b::float8, %b::bytea, %b::uuid, %b::jsonb",
                    (2**40, "héllo ✓", datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.timezone.utc),
                     1.5, b"\x00\x01\xff", uuid.UUID(int=7), psycopg.types.json.Jsonb({"k": [1, 2]})))
        row = cur.fetchone()
    assert row[0] == 2**40 and row[1] == "héllo ✓" and row[3] == 1.5 and row[4] == b"\x00\x01\xff"
    assert row[2] == datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.timezone.utc)
    assert row[5] == uuid.UUID(int=7) and row[6] == {"k": [1, 2]}


def test_prepared_statements(conn):
    for i in range(10):  # psycopg prepares server-side after 5 executions
        row = conn.execute("select name from customers where id = %s", (i + 1,), prepare=(i >= 2)).fetchone()
        assert row == (f"Customer {i + 1}",)


def test_pipeline_mode(conn):
    conn.execute("create temp table p (id int primary key, v text)")
    with conn.pipeline() as p:
        cur1 = conn.execute("insert into p values (1, 'a'), (2, 'b') returning id")
        cur2 = conn.cursor()
        cur2.executemany("insert into p values (%s, %s)", [(i, f"v{i}") for i in range(3, 103)])
        cur3 = conn.execute("select count(*) from p")
        cur4 = conn.execute("select v from p where id = %s", (50,))
        p.sync()
        assert [r[0] for r in cur1.fetchall()] == [1, 2]
        assert cur3.fetchone() == (102,)
        assert cur4.fetchone() == ("v50",)


def test_pipeline_error_recovers(conn):
    with pytest.raises(errors.UniqueViolation):
        with conn.pipeline():
            conn.execute("create temp table pe (id int primary key)")
            conn.execute("insert into pe values (1)")
            conn.execute("insert into pe values (1)")
            conn.execute("select 1")
    conn.rollback()
    assert conn.execute("select 42").fetchone() == (42,)


def test_copy_out_and_in(conn):
    with conn.cursor() as cur:
        rows = []
        with cur.copy("copy (select id, label, price from items order by id) to stdout") as copy:
            for row in copy.rows():
                rows.append(row)
        assert len(rows) == 5000 and rows[0] == ("1", "item 1", "1.25")

        cur.execute("create temp table ci (id int, label text, price numeric)")
        with cur.copy("copy ci from stdin") as copy:
            for r in rows:
                copy.write_row(r)
        cur.execute("select count(*), sum(price) from ci")
        assert cur.fetchone() == (5000, decimal.Decimal("15628125.00"))

        with cur.copy("copy ci (id, label, price) from stdin (format binary)") as copy:
            copy.set_types(["int4", "text", "numeric"])
            for i in range(1000):
                copy.write_row((100000 + i, f"bin {i}", decimal.Decimal("0.01")))
        cur.execute("select count(*) from ci where label like 'bin %'")
        assert cur.fetchone() == (1000,)


def test_copy_in_error_keeps_connection(conn):
    conn.execute("create temp table ce (id int)")
    conn.commit()
    with pytest.raises(errors.InvalidTextRepresentation):
        with conn.cursor().copy("copy ce from stdin") as copy:
            copy.write("1\nnope\n")
    conn.rollback()
    assert conn.execute("select count(*) from ce").fetchone() == (0,)


def test_large_values_round_trip(conn):
    big = "x" * (3 * 1024 * 1024)
    assert conn.execute("select length(%s::text)", (big,)).fetchone() == (len(big),)
    assert conn.execute("select repeat('y', 2000000)").fetchone()[0] == "y" * 2_000_000


def test_many_rows(conn):
    with conn.cursor() as cur:
        cur.execute("select i, md5(i::text) from generate_series(1, 200000) i")
        n = sum(1 for _ in cur)
    assert n == 200000


def test_cancel(conn, pg):
    marker = f"psycopg_cancel_{uuid.uuid4().hex[:8]}"
    sent: list[float] = []

    def cancel_when_running():
        # cancel once the statement is really running on the server (bounded wait)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if pg.psql_su("select count(*) from pg_stat_activity where state = 'active' and "
                          f"query like '%{marker}%' and pid <> pg_backend_pid()").strip() != "0":
                break
            time.sleep(0.05)
        time.sleep(0.2)
        sent.append(time.monotonic())
        conn.cancel()

    t = threading.Thread(target=cancel_when_running, daemon=True)
    t.start()
    with pytest.raises(errors.QueryCanceled) as exc:
        conn.execute(f"select pg_sleep(30) /* {marker} */")
    t.join(5)
    assert sent and time.monotonic() - sent[0] < 2.0
    assert exc.value.sqlstate == "57014"
    conn.rollback()
    assert conn.execute("select 'alive'").fetchone() == ("alive",)


def test_notices_and_notify(conn, target):
    notices, notifies = [], []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary))
    conn.add_notify_handler(lambda n: notifies.append((n.channel, n.payload)))
    conn.autocommit = True
    conn.execute("do $$ begin raise notice 'hello from plpgsql'; end $$")
    assert notices == ["hello from plpgsql"]
    conn.execute("listen it_chan")
    with psycopg.connect(target.conninfo("prefer"), autocommit=True) as other:
        other.execute("notify it_chan, 'payload-1'")
    deadline = time.monotonic() + 5
    while not notifies and time.monotonic() < deadline:
        conn.execute("select 1")  # async notifications arrive with the next response
        time.sleep(0.05)
    assert notifies == [("it_chan", "payload-1")]


def test_parameter_status(conn):
    conn.autocommit = True
    conn.execute("set timezone = 'Asia/Tokyo'")
    assert conn.info.parameter_status("TimeZone") == "Asia/Tokyo"
    assert conn.info.parameter_status("server_version").startswith("15")


def test_verify_full_tls(target):
    with psycopg.connect(target.conninfo("verify-full")) as c:
        assert c.info.pgconn.ssl_in_use
        assert c.execute("select 'verified'").fetchone() == ("verified",)


def test_verify_full_rejects_wrong_ca(target, certs):
    with pytest.raises(psycopg.OperationalError) as exc:
        psycopg.connect(target.conninfo("verify-full", sslrootcert=certs.other_ca_cert))
    assert "certificate verify failed" in str(exc.value)
