"""The audit trail loses nothing: a kill -9 of gatehouse under load leaves a log that
verifies and that holds every statement a client got a result for; and when records
cannot be written, statements are refused with 58030 and nothing runs unrecorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

import harness

pytestmark = pytest.mark.skipif(os.environ.get("GH_IT_DIRECT") == "1",
                                reason="gatehouse-only: audit trail")


def _export(gh, since: str = "2000-01-01T00:00:00Z", until: str = "2100-01-01T00:00:00Z") -> list[dict]:
    p = gh.cli("audit", "export", "--config", str(gh.config), "--since", since, "--until", until,
               "--format", "jsonl", timeout=120)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def _payload(rec: dict) -> dict:
    p = rec.get("payload", rec)
    return json.loads(p) if isinstance(p, str) else p


def _statement_texts(records: list[dict]) -> str:
    """Every statement's SQL and bound parameters, as one searchable text."""
    out = []
    for r in records:
        if r.get("type") == "statement":
            p = _payload(r)
            out.append(p.get("sql", "") + " " + json.dumps(p.get("params", [])))
    return "\n".join(out)


def _conninfo(gh, dbname: str = "app_nossl") -> str:
    return (f"host={gh.host} port={gh.port} dbname={dbname} user=audit-test "
            f"password={gh.key} sslmode=disable connect_timeout=10")


@pytest.fixture
def gh_audit(gh_factory, pg_su):
    def make(name: str, extra: str, workers: int = 2):
        gh = gh_factory.make(name, start=False, workers=workers, extra_yaml=extra)
        gh.key = gh.create_key(f"it-{name}", groups="testers")
        gh.start()
        return gh
    pg_su.execute("create table if not exists audit_probe(id text primary key)")
    pg_su.execute("grant all on audit_probe to public")
    return make


def _worker(gh, prefix: str, done: list[str], stop: threading.Event, errors: list[str]):
    """Runs unique statements; `done` gets the id of each one whose result arrived."""
    n = 0
    try:
        with psycopg.connect(_conninfo(gh), autocommit=True) as c:
            while not stop.is_set():
                n += 1
                ident = f"{prefix}-{n}"
                try:
                    if n % 2:
                        c.execute("insert into audit_probe(id) values (%s)", (ident,))
                    else:
                        c.execute(f"select '{ident}' as probe").fetchone()
                except psycopg.OperationalError:
                    return  # gatehouse went away mid-statement: no result, no claim
                done.append(ident)
    except psycopg.OperationalError:
        return
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))


def test_kill9_under_load_loses_no_completed_statement(gh_audit, pg, tmp_path):
    gh = gh_audit("crash", "audit: { durability: balanced, segment_size: 256KB, checkpoint_interval: 200ms }")
    # Background load: pgbench through gatehouse alongside the probe clients.
    pgb = subprocess.Popen(
        ["pgbench", "-n", "-S", "-M", "prepared", "-c", "4", "-j", "2", "-T", "30",
         f"host={gh.host} port={gh.port} dbname=app_nossl user=bench password={gh.key} sslmode=disable"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if shutil.which("pgbench") else None
    subprocess.run(["true"])
    stop = threading.Event()
    done: list[list[str]] = [[] for _ in range(4)]
    errors: list[str] = []
    threads = [threading.Thread(target=_worker, args=(gh, f"w{i}", done[i], stop, errors)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    gh.proc.send_signal(signal.SIGKILL)
    gh.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(30)
    if pgb is not None:
        pgb.kill()
        pgb.wait(10)
    assert not errors, errors
    completed = [i for d in done for i in d]
    assert len(completed) > 100, f"only {len(completed)} statements completed before the kill"

    gh.start()  # restart: recovers the streams
    v = gh.cli("audit", "verify", "--config", str(gh.config), check=False, timeout=120)
    assert v.returncode == 0, f"verify failed after kill -9:\n{v.stdout}\n{v.stderr}"

    recorded = _statement_texts(_export(gh))
    missing = [i for i in completed if f"'{i}'" not in recorded and f'"{i}"' not in recorded]
    print(f"\ncrash test: {len(completed)} completed statements checked, {len(missing)} missing "
          f"from the audit log")
    assert missing == [], f"{len(missing)} completed statements are not in the audit log: {missing[:10]}"


def _fill(path: Path) -> Path:
    """Fills the filesystem holding `path` and returns the filler file."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    chunk = b"\0" * 65536
    try:
        while True:
            try:
                os.write(fd, chunk)
            except OSError:
                if len(chunk) == 1:
                    break
                chunk = chunk[: len(chunk) // 2]
    finally:
        os.close(fd)
    return filler


def test_audit_unwritable_refuses_statements_and_recovers(gh_audit, pg, pg_su, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the audit directory")
    mnt = tmp_path / "auditfs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {r.stderr.decode().strip()}")
    try:
        gh = gh_audit("full", f"audit: {{ dir: {mnt}/audit, segment_size: 64KB }}", workers=1)
        with psycopg.connect(_conninfo(gh), autocommit=True) as c:
            c.execute("select 1")
            filler = _fill(mnt)
            refused = None
            ran = []
            for n in range(20000):
                ident = f"full-{n}"
                try:
                    c.execute("insert into audit_probe(id) values (%s)", (ident,))
                    ran.append(ident)
                except psycopg.Error as e:
                    refused = (ident, e)
                    break
            assert refused is not None, "statements kept running with the audit filesystem full"
            ident, err = refused
            assert err.sqlstate == "58030", f"{err.sqlstate}: {err}"
            assert "audit" in str(err)
            # Nothing was forwarded unrecorded: the refused insert did not run.
            assert pg_su.execute("select count(*) from audit_probe where id = %s", (ident,)).fetchone()[0] == 0
            # Still refused while full, and the session stays open.
            with pytest.raises(psycopg.Error) as again:
                c.execute("select 1")
            assert again.value.sqlstate == "58030"
            # Space returns: service resumes by itself, in the same session.
            filler.unlink()
            deadline = time.monotonic() + 15
            while True:
                try:
                    assert c.execute("select 42").fetchone()[0] == 42
                    break
                except psycopg.Error as e:
                    assert e.sqlstate == "58030"
                    if time.monotonic() > deadline:
                        raise AssertionError("service did not resume within 15 s after space returned")
                    time.sleep(0.3)
        log = gh.log.read_text(errors="replace")
        assert "audit" in log and ("No space" in log or "space" in log), harness.tail(gh.log, 30)
        gh.stop()
        v = gh.cli("audit", "verify", "--config", str(gh.config), check=False, timeout=120)
        assert v.returncode == 0, f"verify failed after the disk-full episode:\n{v.stdout}\n{v.stderr}"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_strict_durability_relays_pipelines_and_records(gh_audit):
    """Strict mode: statements wait for their records to be on disk, then run normally,
    including pipelined ones and concurrent sessions (group commit)."""
    gh = gh_audit("strictmode", "audit: { durability: strict }")
    errors: list[str] = []

    def client(i: int):
        try:
            with psycopg.connect(_conninfo(gh), autocommit=True) as c:
                for n in range(50):
                    assert c.execute("select %s::text", (f"strict-{i}-{n}",)).fetchone()[0] == f"strict-{i}-{n}"
                with c.pipeline():
                    curs = [c.execute("select %s::int", (k,)) for k in range(5)]
                assert [cur.fetchone()[0] for cur in curs] == list(range(5))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    recorded = _statement_texts(_export(gh))
    for i in range(4):
        assert f'"strict-{i}-49"' in recorded
    v = gh.cli("audit", "verify", "--config", str(gh.config), check=False, timeout=120)
    assert v.returncode == 0, v.stdout + v.stderr
