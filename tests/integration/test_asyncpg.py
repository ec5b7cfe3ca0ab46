"""asyncpg through the target: prepared statements, executemany, COPY, many rows."""

from __future__ import annotations

import asyncio
import ssl

import asyncpg
import pytest


def run(coro, timeout: float = 60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def connect(target, tls: bool):
    p = target.params("prefer" if tls else "disable")
    ssl_arg: object = False
    if p["sslmode"] != "disable":
        ctx = ssl.create_default_context(cafile=str(target.ca_file))  # verify-full
        ssl_arg = ctx
    return await asyncpg.connect(host=p["host"], port=int(p["port"]), user=p["user"], password=p["password"],
                                 database=p["dbname"], ssl=ssl_arg, timeout=10)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_prepared_statements(target, tls):
    async def body():
        c = await connect(target, tls)
        try:
            stmt = await c.prepare("select id, name, email from customers where id = $1")
            for i in (1, 2, 3, 50):
                row = await stmt.fetchrow(i)
                assert row["name"] == f"Customer {i}"
            assert [a.name for a in stmt.get_attributes()] == ["id", "name", "email"]
            assert await c.fetchval("select $1::int + $2::int", 40, 2) == 42
            assert await c.fetchval("select $1::text[]", ["a", None, "c"]) == ["a", None, "c"]
            # the statement cache re-uses named server-side statements
            for _ in range(20):
                assert await c.fetchval("select count(*) from items where price > $1", 100) == 4920
        finally:
            await c.close()

    run(body())


def test_executemany_and_transaction(target):
    async def body():
        c = await connect(target, False)
        try:
            await c.execute("create temp table am (id int primary key, v text)")
            async with c.transaction():
                await c.executemany("insert into am values ($1, $2)", [(i, f"v{i}") for i in range(2000)])
            assert await c.fetchval("select count(*) from am") == 2000
            with pytest.raises(asyncpg.UniqueViolationError):
                async with c.transaction():
                    await c.executemany("insert into am values ($1, $2)", [(5000, "x"), (5000, "y")])
            assert await c.fetchval("select count(*) from am") == 2000
            with pytest.raises(asyncpg.DivisionByZeroError):
                await c.fetchval("select 1/$1::int", 0)
            assert await c.fetchval("select 'ok'") == "ok"
        finally:
            await c.close()

    run(body())


def test_copy_records_to_table(target):
    async def body():
        c = await connect(target, True)
        try:
            await c.execute("create temp table cr (id int, name text, score float8, tags text[])")
            records = [(i, f"name {i}", i / 4, ["a", str(i)]) for i in range(10000)]
            res = await c.copy_records_to_table("cr", records=records)
            assert res == "COPY 10000"
            row = await c.fetchrow("select count(*), sum(score), max(name) from cr")
            assert row[0] == 10000 and row[1] == sum(r[2] for r in records)
            out = []

            async def sink(chunk: bytes) -> None:
                out.append(chunk)

            await c.copy_from_query("select id, name from cr where id < 3 order by id", output=sink)
            assert b"".join(out) == b"0\tname 0\n1\tname 1\n2\tname 2\n"
        finally:
            await c.close()

    run(body())


def test_fetch_many_rows(target):
    async def body():
        c = await connect(target, False)
        try:
            rows = await c.fetch("select i, md5(i::text) as h from generate_series(1, 300000) i")
            assert len(rows) == 300000 and rows[-1]["i"] == 300000
            async with c.transaction():
                n = 0
                async for r in c.cursor("select i from generate_series(1, 50000) i", prefetch=1000):
                    n += 1
                assert n == 50000
        finally:
            await c.close()

    run(body())


def test_pool_concurrency(target):
    async def body():
        p = target.params("disable")
        pool = await asyncpg.create_pool(host=p["host"], port=int(p["port"]), user=p["user"],
                                         password=p["password"], database=p["dbname"],
                                         ssl=False if p["sslmode"] == "disable" else "require",
                                         min_size=4, max_size=8, timeout=10)
        try:
            async def one(i):
                async with pool.acquire() as c:
                    return await c.fetchval("select $1::int * 2 from pg_sleep(0.01)", i)

            got = await asyncio.gather(*(one(i) for i in range(200)))
            assert got == [i * 2 for i in range(200)]
        finally:
            await pool.close()

    run(body())
