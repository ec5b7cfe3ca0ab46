"""psycopg2 through the target: queries, executemany, errors leave the session usable."""

from __future__ import annotations

import decimal

import psycopg2
import psycopg2.errorcodes
import psycopg2.extras
import pytest


@pytest.fixture
def conn(target):
    c = psycopg2.connect(**target.params("require"))
    try:
        yield c
    finally:
        c.close()


def test_queries(conn):
    with conn.cursor() as cur:
        cur.execute("select count(*) from customers")
        assert cur.fetchone() == (50,)
        cur.execute("select name, email from customers where id = %s", (7,))
        assert cur.fetchone() == ("Customer 7", "customer7@example.test")
        cur.execute("select id, price from items where id between %(lo)s and %(hi)s order by id",
                    {"lo": 10, "hi": 12})
        assert cur.fetchall() == [(10, decimal.Decimal("12.50")), (11, decimal.Decimal("13.75")),
                                  (12, decimal.Decimal("15.00"))]
        assert cur.description[0].name == "id"


def test_executemany_and_execute_values(conn):
    with conn.cursor() as cur:
        cur.execute("create temp table em (id int, t text)")
        cur.executemany("insert into em values (%s, %s)", [(i, f"row {i}") for i in range(500)])
        psycopg2.extras.execute_values(cur, "insert into em values %s", [(i, "bulk") for i in range(500, 3000)])
        psycopg2.extras.execute_batch(cur, "update em set t = %s where id = %s",
                                      [(f"upd {i}", i) for i in range(0, 100)], page_size=25)
        cur.execute("select count(*), count(*) filter (where t like 'upd %%') from em")
        assert cur.fetchone() == (3000, 100)
    conn.commit()


def test_errors_leave_session_usable(conn):
    with conn.cursor() as cur:
        with pytest.raises(psycopg2.errors.UndefinedTable):
            cur.execute("select * from no_such_table")
        assert conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INERROR
        with pytest.raises(psycopg2.errors.InFailedSqlTransaction):
            cur.execute("select 1")
        conn.rollback()
        cur.execute("select 1")
        assert cur.fetchone() == (1,)
    conn.rollback()

    conn.autocommit = True
    with conn.cursor() as cur:
        for sql, code in [("select 1/0", "22012"), ("selec 1", "42601"), ("select 'x'::int", "22P02"),
                          ("select * from customers where nope = 1", "42703")]:
            with pytest.raises(psycopg2.Error) as exc:
                cur.execute(sql)
            assert exc.value.pgcode == code
            assert exc.value.diag.sqlstate == code and exc.value.diag.message_primary
        cur.execute("select current_user")
        assert cur.fetchone()[0].startswith("gh_")


def test_named_cursor(conn):
    with conn.cursor(name="srv_cursor") as cur:
        cur.itersize = 500
        cur.execute("select id from items order by id")
        ids = [r[0] for r in cur]
    assert ids == list(range(1, 5001))
    conn.commit()


def test_transaction_rollback(conn):
    with conn.cursor() as cur:
        cur.execute("create temp table tr (a int) on commit preserve rows")
        conn.commit()
        cur.execute("insert into tr values (1)")
        conn.rollback()
        cur.execute("insert into tr values (2)")
        conn.commit()
        cur.execute("select array_agg(a) from tr")
        assert cur.fetchone() == ([2],)


def test_many_concurrent_sessions(target):
    """40 sessions at once, spread over gatehouse's io threads, each with its own backend."""
    import threading

    pids: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(40, timeout=30)

    def session(i: int) -> None:
        try:
            c = psycopg2.connect(**target.params("disable" if i % 2 else "require"))
            try:
                barrier.wait()  # all 40 are connected at the same time
                with c.cursor() as cur:
                    for j in range(20):
                        cur.execute("select %s::int + %s::int, pg_backend_pid()", (i, j))
                        total, pid = cur.fetchone()
                        assert total == i + j
                    pids.append(pid)
            finally:
                c.close()
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert len(pids) == 40 and len(set(pids)) == 40
