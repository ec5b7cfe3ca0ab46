"""Guardrails on the wire: the agent-safe pack through gatehouse, with real clients. Blocked
statements get 42501 naming the rule and the session carries on; a message with a blocked
statement runs nothing; a refusal inside a transaction fails it on the server; SIGHUP reloads
the policy (a bad one is refused and the old one stays)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import psycopg
import pytest

import harness
import pgwire

pytestmark = pytest.mark.skipif(os.environ.get("GH_IT_DIRECT") == "1",
                                reason="gatehouse-only: guardrails")

ALL_TIME = ("--since", "2000-01-01", "--until", "2100-01-01")
GUARDRAILS = """
guardrails:
  include: [agent-safe]
"""


@pytest.fixture(scope="module")
def guarded(gh_factory):
    gh = gh_factory.make("guarded", start=False, extra_yaml=GUARDRAILS)
    gh.key = gh.create_key("it-guarded", groups="testers")
    gh.start()
    return gh


def connect(gh, **kw):
    return psycopg.connect(host=gh.host, port=gh.port, dbname="app_nossl", user="agent",
                           password=gh.key, sslmode="disable", connect_timeout=10, **kw)


def events_count(pg) -> int:
    return int(pg.psql_su("select count(*) from events", dbname="app").strip())


def test_blocked_statement_names_the_rule_and_the_session_carries_on(guarded):
    with connect(guarded, autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
            c.execute("DeLeTe /* sneaky */ FROM items")
        assert "guardrail" in str(exc.value), str(exc.value)
        assert c.execute("select count(*) from items").fetchone()[0] > 0
        # The extended protocol (a bound parameter) is judged the same way.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("update items set price = %s", (1,))
        assert c.execute("select %s::int", (7,)).fetchone()[0] == 7


def test_benign_statements_pass(guarded):
    with connect(guarded, autocommit=True) as c:
        assert c.execute("select id, label from items where id = %s limit 1", (3,)).fetchone()[0] == 3
        c.execute("begin")
        c.execute("update items set price = price where id = %s", (3,))
        c.execute("savepoint s1")
        c.execute("rollback to savepoint s1")
        c.execute("commit")


def test_a_message_with_a_blocked_statement_runs_nothing(guarded, pg):
    before = events_count(pg)
    with pgwire.Conn(guarded.host, guarded.port) as c:
        c.login("agent", guarded.key, "app_nossl")
        with pytest.raises(pgwire.ServerError) as exc:
            c.simple_query("insert into events(kind) values ('should-not-exist'); drop table items")
        assert exc.value.sqlstate == "42501"
        assert c.simple_query("select 1") == [["1"]]
    assert events_count(pg) == before


def test_refusal_inside_a_transaction_fails_it(guarded, pg):
    before = events_count(pg)
    with connect(guarded) as c:  # psycopg opens a transaction
        c.execute("insert into events(kind) values ('in-tx')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("truncate events")
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("select 1")
        c.rollback()
    with pgwire.Conn(guarded.host, guarded.port) as c:
        c.login("agent", guarded.key, "app_nossl")
        c.simple_query("begin")
        c.simple_query("insert into events(kind) values ('in-tx-2')")
        with pytest.raises(pgwire.ServerError) as exc:
            c.simple_query("delete from events")
        assert exc.value.sqlstate == "42501" and "guardrail" in exc.value.text
        # COMMIT of a failed transaction rolls back, as PostgreSQL does.
        assert c.simple_query("commit") == []
    assert events_count(pg) == before


def test_sql_level_prepare_and_execute(guarded):
    with connect(guarded, autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("prepare wipe as delete from items")
        c.execute("prepare one as select 1")
        assert c.execute("execute one").fetchone()[0] == 1


def test_asyncpg_gets_the_refusal_and_carries_on(guarded):
    import asyncpg

    async def run():
        conn = await asyncpg.connect(host=guarded.host, port=guarded.port, user="agent",
                                     password=guarded.key, database="app_nossl", ssl=False)
        try:
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                await conn.fetch("select * from pg_read_file('/etc/passwd')")
            assert await conn.fetchval("select $1::int + 1", 41) == 42
        finally:
            await conn.close()

    asyncio.run(run())


def test_decisions_are_recorded(guarded):
    with connect(guarded, autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("drop table items")
    p = guarded.cli("audit", "export", "--config", str(guarded.config), *ALL_TIME, "--format", "jsonl")
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    drops = [r["payload"] for r in recs if r["type"] == "statement" and r["payload"]["sql"] == "drop table items"]
    assert drops and drops[-1]["decision"] == "block" and drops[-1]["rules"], drops
    assert any(r["type"] == "policy.loaded" for r in recs)


def test_sighup_reloads_and_a_bad_policy_is_refused(gh_factory):
    gh = gh_factory.make("reload", start=False, extra_yaml="guardrails:\n  rules: []\n")
    gh.key = gh.create_key("it-reload", groups="testers")
    gh.start()
    with connect(gh, autocommit=True) as c:
        assert c.execute("select count(*) from items").fetchone()[0] > 0
    good = gh.config_text.replace(
        "guardrails:\n  rules: []\n",
        "guardrails:\n  rules:\n    - name: no-items\n      match: { relations_read: [items] }\n"
        "      action: block\n      message: items are off limits\n")
    assert good != gh.config_text
    gh.config.write_text(good)
    gh.proc.send_signal(signal.SIGHUP)
    harness.wait_for(lambda: "guardrails: 1 rules" in gh.log.read_text(), 10, "the reload")
    with connect(gh, autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
            c.execute("select count(*) from items")
        assert "no-items" in str(exc.value) and "items are off limits" in str(exc.value)
    gh.config.write_text(good.replace("action: block", "action: explode"))
    gh.proc.send_signal(signal.SIGHUP)
    harness.wait_for(lambda: "reload refused" in gh.log.read_text(), 10, "the refusal")
    assert f"{gh.config}:" in gh.log.read_text()  # file:line
    with connect(gh, autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("select count(*) from items")
    gh.stop()


def _explain(gh_binary, cfg, *args):
    return harness.run([str(gh_binary), "policy", "explain", "--config", str(cfg), *args],
                       check=False, timeout=30)


def test_policy_explain_cli(gh_binary, tmp_path):
    cfg = tmp_path / "g.yaml"
    cfg.write_text("connections:\n  - { name: a, user: u }\n"
                   "access:\n  - { connection: a, groups: [g] }\n"
                   "guardrails:\n  include: [agent-safe]\n")
    p = _explain(gh_binary, cfg, "--connection", "a", "--groups", "g", "--sql",
                 "WITH d AS (DELETE FROM t) SELECT 1")
    assert p.returncode == 1, p.stderr
    assert "decision: block (agent-safe/write-without-where)" in p.stdout, p.stdout
    assert "[cte] delete" in p.stdout
    p = _explain(gh_binary, cfg, "--connection", "a", "--groups", "g", "--sql",
                 "select id from t where id = 1")
    assert p.returncode == 0 and "decision: allow" in p.stdout, p.stdout
    p = _explain(gh_binary, cfg, "--connection", "a", "--groups", "g", "--json", "--sql", "drop table t")
    assert p.returncode == 1
    assert json.loads(p.stdout)["decision"]["action"] == "block", p.stdout
    p = _explain(gh_binary, cfg, "--connection", "nope", "--sql", "select 1")
    assert p.returncode == 2 and "nope" in p.stderr, (p.stdout, p.stderr)
    bad = tmp_path / "bad.yaml"
    bad.write_text("connections:\n  - { name: a, user: u }\n"
                   "guardrails:\n  rules:\n    - { name: x, match: { statement: [frobnicate] }, action: block }\n")
    p = harness.run([str(gh_binary), "check", "--config", str(bad)], check=False, timeout=30)
    assert p.returncode == 1 and f"{bad}:5:" in p.stderr, p.stderr


def test_unparseable_sql_is_refused_without_any_rules(gatehouse_alive, raw_login):
    """Fail closed: SQL gatehouse cannot parse is not run, even with no guardrails section.
    The SQLSTATE is the server's own for bad syntax, so drivers behave as before."""
    c = raw_login()
    with pytest.raises(pgwire.ServerError) as exc:
        c.simple_query("selec 1")
    assert exc.value.sqlstate == "42601", exc.value
    assert exc.value.text.startswith("gatehouse could not parse this statement, so it was not run: "
                                     "syntax error at or near \"selec\""), exc.value.text
    assert c.simple_query("select 1") == [["1"]]


def test_extended_protocol_is_judged_at_parse(guarded):
    """A blocked statement is refused at its Parse, like a syntax error, and the rest up to
    Sync is discarded; an allowed named statement runs many times on one decision."""
    with pgwire.Conn(guarded.host, guarded.port) as c:
        c.login("agent", guarded.key, "app_nossl")
        c.send(pgwire.parse("delete from items", name="wipe") + pgwire.bind(stmt="wipe") +
               pgwire.execute() + pgwire.sync())
        m = c.read_message()
        assert m.is_error and m.sqlstate == "42501" and "guardrail" in m.fields()["M"], m
        assert c.read_message().tag == b"Z"
        c.send(pgwire.parse("select count(*) from items where id < $1", name="few",
                            param_oids=(23,)) +
               pgwire.bind([b"4"], stmt="few") + pgwire.execute() +
               pgwire.bind([b"6"], stmt="few") + pgwire.execute() + pgwire.sync())
        rows = c.collect_until_ready()
        assert rows == [["3"], ["5"]], rows
        # The refused statement was never created on the server.
        with pytest.raises(pgwire.ServerError) as exc:
            c.simple_query("execute wipe")
        assert exc.value.sqlstate in ("42501", "26000"), exc.value


def test_jdbc_receives_refusals_and_carries_on(guarded, tmp_path):
    url = f"jdbc:postgresql://{guarded.host}:{guarded.port}/app_nossl?sslmode=disable"
    r = harness.run_jdbc("JdbcGuardrails", tmp_path, url, "agent", guarded.key)
    assert r.returncode == 0 and "JDBC GUARDRAILS OK" in r.stdout, f"{r.stdout}\n{r.stderr}"


COST_RULES = """
guardrails:
  rules:
    - name: big-read
      match: { statement: select, executes: true, estimated_rows: "> 1000" }
      action: review
      message: "the planner expects a large result"
    - name: costly-write
      match: { statement: [update, delete], estimated_cost: "> 50" }
      action: block
      message: "this write would touch too much"
"""


@pytest.fixture(scope="module")
def costed(gh_factory):
    gh = gh_factory.make("costed", start=False, extra_yaml=COST_RULES)
    gh.key = gh.create_key("it-costed", groups="testers")
    gh.start()
    return gh


def test_cost_rules_explain_first_simple_protocol(costed):
    with pgwire.Conn(costed.host, costed.port) as c:
        c.login("agent", costed.key, "app_nossl")
        assert c.simple_query("select id from items where id < 10", timeout=10)[0] == ["1"]
        with pytest.raises(pgwire.ServerError) as exc:
            c.simple_query("select * from items", timeout=10)
        assert exc.value.sqlstate == "42501"
        assert "big-read" in exc.value.text and "planner estimate: rows=5000" in exc.value.text, exc.value.text
        # The session goes on, and the estimate's own rows never reached the client.
        assert c.simple_query("select count(*) from items where id = 3", timeout=10) == [["1"]]


def test_cost_rules_extended_protocol_with_bound_values(costed):
    with connect(costed, autocommit=True) as c:
        # The same statement, judged by the estimate for the values bound each time.
        assert c.execute("select id from items where id < %s", (10,)).fetchall()[0] == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
            c.execute("select id from items where id < %s", (4000,))
        assert "big-read" in str(exc.value) and "rows=" in str(exc.value)
        assert c.execute("select id from items where id < %s", (5,)).fetchall()[-1] == (4,)
        # Server-side prepared (named) statements, and binary parameters.
        for n in (3, 4, 5):
            assert c.execute("select label from items where id = %s", (n,), prepare=True,
                             binary=True).fetchone() == (f"item {n}",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("select id from items where id > %s", (2,), prepare=True, binary=True)
        # A write over the cost bound is blocked; a small one runs.
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as exc:
            c.execute("update items set price = price where id > %s", (0,))
        assert "costly-write" in str(exc.value)
        c.execute("update items set price = price where id = %s", (7,))
        assert c.execute("select 1").fetchone() == (1,)


def test_cost_rules_inside_transactions_and_on_failure(costed, pg):
    with connect(costed) as c:  # psycopg opens a transaction
        c.execute("insert into events(kind) values ('cost-tx')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("select * from items")
        # The refusal failed the transaction on the server too.
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("select id from items where id = 1")
        c.rollback()
        # EXPLAIN's own error is the statement's: here the table does not exist.
        with pytest.raises(psycopg.errors.UndefinedTable) as exc:
            c.execute("select * from no_such_table")
        assert "EXPLAIN failed" in str(exc.value)
        c.rollback()
        assert c.execute("select count(*) from items where id = 2").fetchone() == (1,)
    assert int(pg.psql_su("select count(*) from events where kind = 'cost-tx'",
                          dbname="app").strip()) == 0


def test_cost_estimates_are_recorded_and_point_lookups_explained_once(costed):
    with pgwire.Conn(costed.host, costed.port) as c:
        c.login("agent", costed.key, "app_nossl")
        for n in (11, 12, 13):
            assert c.simple_query(f"select label from items where id = {n}") == [[f"item {n}"]]
    p = costed.cli("audit", "export", "--config", str(costed.config), *ALL_TIME, "--format", "jsonl")
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    estimates = [r["payload"].get("estimate") for r in recs if r["type"] == "statement"
                 and r["payload"].get("sql", "").startswith("select label from items where id = 1")]
    assert len(estimates) == 3, estimates
    assert estimates[0].startswith("rows=1 cost=") and not estimates[0].endswith("(cached)")
    assert all(e.endswith("(cached)") for e in estimates[1:]), estimates
