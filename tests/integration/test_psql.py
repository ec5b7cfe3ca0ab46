"""psql through the target: queries, \\copy both ways, meta-commands, cancel."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid

import harness


def psql(target, *args: str, sslmode: str = "disable", timeout: float = 60, stdin: str | None = None,
         check: bool = True) -> subprocess.CompletedProcess:
    cmd = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=target.env(sslmode), input=stdin)
    if check:
        assert p.returncode == 0, f"psql failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
    return p


def wait_for_query(pg, marker: str, timeout: float = 10.0) -> int:
    """Waits until a statement containing `marker` is active on the server; returns its pid."""
    def active():
        out = pg.psql_su("select pid from pg_stat_activity where state = 'active' and query like "
                         f"'%{marker}%' and pid <> pg_backend_pid()", dbname="app").strip()
        return int(out.splitlines()[0]) if out else None

    return harness.wait_for(active, timeout, f"query {marker} to be active", interval=0.05)


def test_queries(target):
    p = psql(target, "-At", "-c", "select count(*) from customers", "-c", "select 'a' || 'b', 1 + 1")
    assert p.stdout.split() == ["50", "ab|2"]


def test_multi_statement_and_error(target):
    p = psql(target, "-At", "-c", "select 1; select 2", check=True)
    assert p.stdout.split() == ["2"] or p.stdout.split() == ["1", "2"]
    p = psql(target, "-At", "-c", "select 1/0", check=False)
    assert p.returncode != 0
    assert "22012" in p.stderr and "division by zero" in p.stderr


def test_script_over_stdin_keeps_session(target):
    script = (
        "create temp table t (a int);\n"
        "insert into t select generate_series(1, 1000);\n"
        "begin;\n"
        "delete from t where a > 10;\n"
        "rollback;\n"
        "select count(*), sum(a) from t;\n"
        "set application_name = 'psql-it';\n"
        "show application_name;\n"
    )
    p = psql(target, "-At", "-q", stdin=script)
    assert p.stdout.split() == ["1000|500500", "psql-it"]


def test_copy_out_matches_direct(target, pg, tmp_path):
    through, direct = tmp_path / "through.csv", tmp_path / "direct.csv"
    q = "(select * from items order by id)"
    psql(target, "-c", f"\\copy {q} to '{through}' with (format csv, header)")
    harness.run(["psql", "-X", "-d", pg.su_conninfo("app"), "-c",
                 f"\\copy {q} to '{direct}' with (format csv, header)"])
    assert through.stat().st_size > 100_000
    assert through.read_bytes() == direct.read_bytes()


def test_copy_in_then_compare(target, pg, tmp_path):
    table = f"copy_in_{uuid.uuid4().hex[:8]}"
    src = tmp_path / "in.csv"
    with open(src, "w") as f:
        for i in range(1, 20001):
            f.write(f'{i},"name {i}, with comma",{i * 0.5:g},"{{x,{i % 3}}}"\n')
    psql(target, "-c", f"create table {table} (id int primary key, name text, v float8, tags text[])")
    try:
        psql(target, "-c", f"\\copy {table} from '{src}' with (format csv)")
        out = tmp_path / "out.csv"
        harness.run(["psql", "-X", "-d", pg.su_conninfo("app"), "-c",
                     f"\\copy (select * from {table} order by id) to '{out}' with (format csv)"])
        assert out.read_text() == src.read_text()
    finally:
        psql(target, "-c", f"drop table if exists {table}")


def test_copy_in_error_keeps_session(target, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("1,ok\nnot-a-number,bad\n")
    script = (
        "create temp table c (id int, t text);\n"
        f"\\copy c from '{src}' with (format csv)\n"
        "select 'still here', count(*) from c;\n"
    )
    p = psql(target, "-At", "-v", "ON_ERROR_STOP=0", stdin=script, check=False)
    assert "22P02" in p.stderr  # invalid input syntax for type integer
    assert "still here|0" in p.stdout


def test_describe_meta_commands(target):
    p = psql(target, "-c", "\\d customers")
    for col in ("id", "name", "email", "ssn", "card_number", "created_at", "customers_pkey"):
        assert col in p.stdout, p.stdout
    p = psql(target, "-c", "\\dt")
    for t in ("customers", "items", "events"):
        assert t in p.stdout, p.stdout
    p = psql(target, "-c", "\\dv")
    assert "big_customers" in p.stdout
    p = psql(target, "-c", "\\d+ items")
    assert "payload" in p.stdout and "bytea" in p.stdout


def test_cancel_with_sigint(target, pg):
    marker = f"cancel_{uuid.uuid4().hex[:8]}"
    cmd = ["psql", "-X", "-v", "VERBOSITY=verbose", "-c", f"select pg_sleep(30) /* {marker} */"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=target.env("disable"))
    try:
        wait_for_query(pg, marker)
        time.sleep(0.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert elapsed < 2.0, f"cancel took {elapsed:.2f}s"
    assert "57014" in err and "canceling statement due to user request" in err, err
    # the backend is idle again, not still sleeping
    assert pg.psql_su(f"select count(*) from pg_stat_activity where state = 'active' and query like "
                      f"'%{marker}%' and pid <> pg_backend_pid()", dbname="app").strip() == "0"


def test_tls_verify_full(target):
    p = psql(target, "-At", "-c", "select 'tls ok'", sslmode="verify-full")
    assert p.stdout.strip() == "tls ok"
