"""The auditor's CLI against a real recording: `audit verify`, `sessions list|show`, `audit
export` (jsonl, csv, ocsf), `evidence`, `audit keygen`, and the clear error every bad input
gets. One gatehouse instance runs a known workload (statements with parameters, an error, a
refused login); the tests read it back through the CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import psycopg
import pytest

import harness

pytestmark = pytest.mark.skipif(os.environ.get("GH_IT_DIRECT") == "1",
                                reason="gatehouse-only: audit CLI")

ALL_TIME = ("--since", "2000-01-01", "--until", "2100-01-01")
MARKER = "audit-cli-marker-7f3e"
PRINCIPAL = "it-auditor"
AUDIT_YAML = "audit: { checkpoint_interval: 200ms }"


class Recorded:
    """The instance, its workload's session id, and what the workload did."""

    def __init__(self, gh: harness.Gatehouse, session: str, statements: list[str]):
        self.gh = gh
        self.session = session
        self.statements = statements

    def cli(self, *args: str, check: bool = False, timeout: float = 60):
        return self.gh.cli(*args, check=check, timeout=timeout)

    @property
    def config(self) -> str:
        return str(self.gh.config)


def _conninfo(gh, password: str, app: str = "audit-cli-test") -> str:
    return (f"host={gh.host} port={gh.port} dbname=app_nossl user=auditee password={password} "
            f"sslmode=disable connect_timeout=10 application_name={app}")


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _wait_for_session_end(gh, session: str) -> dict:
    """The sessions index row once its end is recorded (the server writes it at teardown)."""
    def ended():
        p = gh.cli("sessions", "list", "--config", str(gh.config), "--json", check=False)
        for row in _jsonl(p.stdout) if p.returncode == 0 else []:
            if row["session"] == session and row["ended"]:
                return row
        return None
    return harness.wait_for(ended, 15, f"session {session} to end in the sessions index")


@pytest.fixture(scope="module")
def recorded(gh_factory) -> Recorded:
    gh = gh_factory.make("audit-cli", start=False, access_groups=("auditors",),
                         extra_yaml=AUDIT_YAML + "\nrecording: { result_rows: 2 }")
    gh.key = gh.create_key(PRINCIPAL, groups="auditors,readers")
    gh.start()

    statements = []
    with psycopg.connect(_conninfo(gh, gh.key), autocommit=True) as c:
        pid = c.execute("select pg_backend_pid()").fetchone()[0]
        statements.append("select pg_backend_pid()")
        # %t: parameters in text format, recorded as sent; %b: binary, recorded as \x hex.
        n = c.execute("select count(*) from items where id < %t", (10,)).fetchone()[0]
        assert n == 9
        statements.append("select count(*) from items where id < $1")
        c.execute("select id, label from items where label = %t or id = %t", (MARKER, 3)).fetchall()
        c.execute("select label from items where id = %b", (7,)).fetchall()
        statements.append("select id, label from items where label = $1 or id = $2")
        statements.append("select label from items where id = $1")
        with pytest.raises(psycopg.errors.DivisionByZero):
            c.execute("select 1/0")
        statements.append("select 1/0")
    del pid
    # A refused login: the audit log records it (auth.failure), never the secret.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_conninfo(gh, "ghk_" + "x" * 43, app="intruder")).close()

    # Which session was ours: the only one of this instance's principal.
    p = gh.cli("sessions", "list", "--config", str(gh.config), "--json", check=False)
    if p.returncode != 0:
        pytest.fail(f"sessions list failed:\n{p.stdout}\n{p.stderr}")
    rows = [r for r in _jsonl(p.stdout) if r["principal"] == PRINCIPAL]
    audit_dir = Path(gh.dir) / "var" / "audit"
    if not rows and not any(audit_dir.glob("stream-*/*.seg")):
        pytest.skip("gatehouse serve does not write audit records or index sessions yet")
    assert len(rows) == 1, f"expected one indexed session of {PRINCIPAL}, got {rows}"
    session = rows[0]["session"]
    _wait_for_session_end(gh, session)
    time.sleep(0.5)  # a checkpoint interval or two, so the store holds checkpoints too
    return Recorded(gh, session, statements)


# ---------------------------------------------------------------- audit verify


def test_verify_passes_with_a_summary(recorded):
    p = recorded.cli("audit", "verify", "--config", recorded.config)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "audit log intact" in out
    for label in ("streams", "segments", "records", "time span", "checkpoints"):
        assert re.search(rf"^\s+{label}\s+\S", out, re.M), f"no {label} in:\n{out}"
    records = int(re.search(r"records\s+(\d+)", out).group(1))
    assert records >= 10
    # --since accepts RFC 3339, a date and a relative duration.
    for since in ("2000-01-01T00:00:00Z", "2000-01-01", "24h", "7d"):
        q = recorded.cli("audit", "verify", "--config", recorded.config, "--since", since)
        assert q.returncode == 0, f"--since {since}: {q.stdout}{q.stderr}"


def _copy_instance(recorded: Recorded, dest: Path) -> Path:
    """A copy of the instance's data dir and a config pointing at it, for tampering."""
    src = Path(recorded.gh.dir) / "var"
    shutil.copytree(src, dest / "var")
    cfg = dest / "gatehouse.yaml"
    text = recorded.gh.config_text.replace(f"data_dir: {src}", f"data_dir: {dest / 'var'}")
    assert str(src) not in text
    cfg.write_text(text)
    return cfg


def test_verify_names_stream_segment_and_record_of_a_flipped_byte(recorded, tmp_path):
    cfg = _copy_instance(recorded, tmp_path)
    hit = None
    for seg in sorted((tmp_path / "var" / "audit").glob("stream-*/*.seg")):
        data = bytearray(seg.read_bytes())
        i = data.find(MARKER.encode())
        if i >= 0:
            data[i] ^= 0x01
            seg.write_bytes(bytes(data))
            hit = seg
            break
    assert hit is not None, "the marker parameter is not in any segment file"
    p = recorded.cli("audit", "verify", "--config", str(cfg))
    assert p.returncode != 0
    err = p.stderr
    stream = hit.parent.name.split("-", 1)[1]
    assert "FAILED" in err
    assert f"stream {stream}, segment {hit.name}, record seq " in err, err


def test_verify_uses_the_store_checkpoints_to_catch_a_cut_tail(recorded, tmp_path):
    """Records removed from the end of a stream leave a valid-looking log behind; the signed
    checkpoints the state store keeps name records that are no longer there."""
    cfg = _copy_instance(recorded, tmp_path)
    cut = None
    for seg in sorted((tmp_path / "var" / "audit").glob("stream-*/*.seg")):
        data = bytearray(seg.read_bytes())
        i = data.find(MARKER.encode())
        if i >= 0:
            start = data.rfind(b'{"session"', 0, i) - 25  # the record header precedes its payload
            data[start:] = bytes(len(data) - start)  # as if never written: zero fill
            seg.write_bytes(bytes(data))
            cut = seg
            break
    assert cut is not None
    p = recorded.cli("audit", "verify", "--config", str(cfg))
    assert p.returncode != 0, p.stdout
    stream = cut.parent.name.split("-", 1)[1]
    assert f"stream {stream}, segment {cut.name}" in p.stderr, p.stderr
    assert "the store has a checkpoint" in p.stderr, p.stderr


# ---------------------------------------------------------------- sessions list / show


def test_sessions_list_filters(recorded):
    cfg = recorded.config
    p = recorded.cli("sessions", "list", "--config", cfg)
    assert p.returncode == 0, p.stderr
    assert recorded.session in p.stdout
    header = p.stdout.splitlines()[0].split()
    assert header[:3] == ["SESSION", "STARTED", "DURATION"]
    assert re.search(r"^\d+ sessions?", p.stdout.splitlines()[-1])

    row = next(r for r in _jsonl(recorded.cli("sessions", "list", "--config", cfg, "--json").stdout)
               if r["session"] == recorded.session)
    assert row["principal"] == PRINCIPAL and row["principal_kind"] == "api_key"
    assert row["groups"] == "auditors,readers"
    assert row["connection"] == "app_nossl"
    assert row["application_name"] == "audit-cli-test"
    assert row["statements"] == len(recorded.statements)
    assert row["ended"] and row["end_reason"]

    def ids(*args):
        q = recorded.cli("sessions", "list", "--config", cfg, "--json", *args)
        assert q.returncode == 0, q.stderr
        return [r["session"] for r in _jsonl(q.stdout)]

    assert recorded.session in ids("--principal", PRINCIPAL)
    assert recorded.session in ids("--connection", "app_nossl", "--since", "1h")
    assert ids("--principal", "nobody") == []
    assert ids("--connection", "app_md5") == []
    assert ids("--until", "2001-01-01") == []
    q = recorded.cli("sessions", "list", "--config", cfg, "--principal", "nobody")
    assert q.returncode == 0 and "no sessions match" in q.stdout


def test_sessions_show_replays_statements_with_params_decisions_and_results(recorded):
    p = recorded.cli("sessions", "show", "--config", recorded.config, recorded.session)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert f"session      {recorded.session}" in out
    assert PRINCIPAL in out and "auditors,readers" in out
    events = [l.split()[2] for l in out.splitlines() if re.match(r"^\s+[+-]\d+\.\d{3}s\s", l)]
    assert events[0] == "session.start" and events[-1] == "session.end", events
    assert events.count("statement") == len(recorded.statements)
    assert events.count("result") == len(recorded.statements)
    for sql in recorded.statements:
        assert sql in out, f"{sql!r} missing from the replay:\n{out}"
    assert "$1 = '10'" in out
    assert f"$1 = '{MARKER}'" in out and "$2 = '3'" in out
    assert "$1 = '\\x0007'" in out  # a binary int2, as hex
    assert out.count(" allow (") == len(recorded.statements)
    assert "1 row" in out and "SELECT 1" in out
    assert "error 22012: division by zero" in out
    # Columns and (recording.result_rows: 2) the first rows as the client received them.
    assert "columns: pg_backend_pid (oid 23)" in out
    assert re.search(r"row: \d+$", out, re.M)

    j = recorded.cli("sessions", "show", "--config", recorded.config, "--json", recorded.session)
    assert j.returncode == 0, j.stderr
    recs = _jsonl(j.stdout)
    assert recs[0]["type"] == "session.start" and recs[-1]["type"] == "session.end"
    assert all(r["payload"]["session"] == recorded.session for r in recs)
    stmts = [r["payload"] for r in recs if r["type"] == "statement"]
    assert [s["n"] for s in stmts] == list(range(1, len(stmts) + 1))
    assert any(s.get("params") == [MARKER, "3"] for s in stmts), stmts
    assert all(s["decision"] == "allow" for s in stmts)


# ---------------------------------------------------------------- audit export


def _export(recorded: Recorded, fmt: str, *extra: str) -> str:
    p = recorded.cli("audit", "export", "--config", recorded.config, *ALL_TIME, "--format", fmt, *extra)
    assert p.returncode == 0, p.stderr
    assert re.search(r"exported \d+ records", p.stderr), p.stderr
    return p.stdout


def test_export_all_formats_parse_and_agree(recorded):
    records = _jsonl(_export(recorded, "jsonl"))
    rows = list(csv.DictReader(io.StringIO(_export(recorded, "csv"))))
    events = _jsonl(_export(recorded, "ocsf"))
    assert len(records) == len(rows) == len(events) > 0
    # The same records in the same order.
    assert [r["type"] for r in records] == [r["type"] for r in rows]
    assert [f"{r['stream']}:{r['seq']}" for r in records] == [e["metadata"]["uid"] for e in events]
    for r in records:
        assert set(r) >= {"time", "time_ns", "stream", "segment", "seq", "type", "payload"}
        assert r["type"] not in ("checkpoint", "segment.close")  # chain mechanics only with --all

    ours = [r for r in records if r["payload"].get("session") == recorded.session]
    types = [r["type"] for r in ours]
    assert types[0] == "session.start" and types[-1] == "session.end"
    assert types.count("statement") == types.count("result") == len(recorded.statements)
    assert any(r["type"] == "auth.failure" and r["payload"].get("user") == "auditee" for r in records)
    assert not any("x" * 43 in json.dumps(r) for r in records), "a presented secret reached the log"

    # CSV: statement rows name the principal, the SQL and the parameters.
    stmt_rows = [r for r in rows if r["type"] == "statement" and r["session"] == recorded.session]
    assert all(r["principal"] == PRINCIPAL and r["connection"] == "app_nossl" and r["user"] == "auditee"
               for r in stmt_rows)
    assert any(json.loads(r["params"] or "[]") == [MARKER, "3"] for r in stmt_rows)
    err_rows = [r for r in rows if r["type"] == "result" and r["sqlstate"] == "22012"]
    assert len(err_rows) == 1 and err_rows[0]["status"] == "error"
    for r in rows:
        json.loads(r["payload"])

    # OCSF: the classes, and who did what from where.
    by_class = {}
    for e in events:
        by_class.setdefault(e["class_uid"], []).append(e)
        assert e["type_uid"] == e["class_uid"] * 100 + e["activity_id"]
        assert e["metadata"]["version"] and e["metadata"]["product"]["name"] == "gatehouse"
        assert isinstance(e["time"], int)
    logons = [e for e in by_class[3002] if e["metadata"].get("correlation_uid") == recorded.session]
    assert [e["activity_id"] for e in logons] == [1, 2]  # Logon, Logoff
    assert logons[0]["user"]["name"] == PRINCIPAL
    assert logons[0]["src_endpoint"]["ip"] == "127.0.0.1"
    failed = [e for e in by_class[3002] if e["status_id"] == 2]
    assert failed and failed[0]["user"]["name"] == "auditee"
    queries = [e for e in by_class[6005] if e["metadata"].get("correlation_uid") == recorded.session]
    assert len(queries) == 2 * len(recorded.statements)
    assert all(e["actor"]["user"]["name"] == PRINCIPAL for e in queries)
    assert all(e["database"]["name"] == "app_nossl" for e in queries)
    assert {e["activity_name"] for e in queries} == {"Query"}
    assert any(e["query_info"].get("query_string") == "select 1/0" and e["status_id"] == 2
               and e.get("status_code") == "22012" for e in queries)
    # Administration: the key created for the test (admin stream) and the config load.
    assert any(r["type"] == "key.created" and r["payload"]["name"] == PRINCIPAL for r in records)
    admin = {(e["activity_name"], e["api"]["operation"]) for e in by_class.get(6003, [])}
    assert {("Create", "key.created"), ("Update", "config.loaded")} <= admin, admin


def test_export_one_session_to_a_file(recorded, tmp_path):
    out = tmp_path / "one.jsonl"
    p = recorded.cli("audit", "export", "--config", recorded.config, *ALL_TIME, "--format", "jsonl",
                     "--session", recorded.session, "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    recs = _jsonl(out.read_text())
    assert recs and all(r["payload"]["session"] == recorded.session for r in recs)
    assert len(recs) == 2 + 2 * len(recorded.statements)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with_chain = _jsonl(_export(recorded, "jsonl", "--all"))
    assert any(r["type"] == "checkpoint" for r in with_chain)


# ---------------------------------------------------------------- evidence


def test_evidence_bundle(recorded, tmp_path):
    out = tmp_path / "bundle"
    p = recorded.cli("evidence", "--config", recorded.config, *ALL_TIME, "--out", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    names = {f["name"] for f in manifest["files"]}
    assert names == {"access_log.csv", "sessions.jsonl", "approvals.jsonl", "config.yaml",
                     "verify_report.txt"}
    assert sorted(os.listdir(out)) == sorted(names | {"manifest.json"})
    for f in manifest["files"]:
        data = (out / f["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["name"]
        assert len(data) == f["bytes"]
    assert manifest["gatehouse_version"]
    assert manifest["generated_at"].endswith("Z")
    assert manifest["period"]["since"].startswith("2000-01-01T00:00:00")
    assert manifest["verify"]["ok"] is True
    assert (out / "config.yaml").read_bytes() == Path(recorded.config).read_bytes()
    assert manifest["config"]["sha256"] == hashlib.sha256(Path(recorded.config).read_bytes()).hexdigest()
    assert (out / "approvals.jsonl").read_bytes() == b""
    assert "approval" in next(f for f in manifest["files"] if f["name"] == "approvals.jsonl")["description"]
    assert "audit log intact" in (out / "verify_report.txt").read_text()

    trail = _jsonl((out / "sessions.jsonl").read_text())
    assert len(trail) == manifest["counts"]["records"]
    assert sum(r["type"] == "statement" for r in trail) == manifest["counts"]["statements"]

    access = list(csv.DictReader(io.StringIO((out / "access_log.csv").read_text())))
    ours = [a for a in access if a["session"] == recorded.session]
    assert [a["event"] for a in ours] == ["session.start", "session.end"]
    assert ours[0]["principal"] == PRINCIPAL and ours[0]["connection"] == "app_nossl"
    assert ours[0]["client_ip"] == "127.0.0.1" and ours[0]["outcome"] == "connected"
    assert ours[1]["statements"] == str(len(recorded.statements))
    refused = [a for a in access if a["event"] == "auth.failure"]
    assert refused and refused[0]["outcome"] == "refused" and refused[0]["user"] == "auditee"
    assert [a["time"] for a in access] == sorted(a["time"] for a in access)

    again = recorded.cli("evidence", "--config", recorded.config, *ALL_TIME, "--out", str(out))
    assert again.returncode == 1 and "is not empty" in again.stderr


# ---------------------------------------------------------------- keygen and bad inputs


def _config_with(recorded: Recorded, tmp_path: Path, audit_fields: str) -> str:
    """The instance's config with more `audit:` settings, written into `tmp_path`."""
    text = recorded.gh.config_text
    assert AUDIT_YAML in text
    cfg = tmp_path / "other.yaml"
    cfg.write_text(text.replace(AUDIT_YAML, AUDIT_YAML[:-2] + ", " + audit_fields + " }"))
    return str(cfg)


def test_keygen_refuses_to_overwrite_unless_forced(recorded, tmp_path):
    key = tmp_path / "keys" / "audit.key"
    cfg = _config_with(recorded, tmp_path, f"signing_key: {key}")
    p = recorded.cli("audit", "keygen", "--config", cfg)
    assert p.returncode == 0, p.stderr
    assert key.exists() and Path(str(key) + ".pub").exists()
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert re.search(r"public key SHA-256: [0-9a-f]{64}", p.stdout)
    first = key.read_bytes()

    again = recorded.cli("audit", "keygen", "--config", cfg)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert key.read_bytes() == first

    forced = recorded.cli("audit", "keygen", "--config", cfg, "--force")
    assert forced.returncode == 0, forced.stderr
    assert key.read_bytes() != first
    kept = list(key.parent.glob("audit.key.replaced-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == first


@pytest.mark.parametrize("args, code, message", [
    (("sessions", "show", "{cfg}", "0000000000000000"), 1, "no session '0000000000000000'"),
    (("audit", "export", "{cfg}", "--session", "nope", *ALL_TIME, "--format", "csv"), 1, "no session 'nope'"),
    (("audit", "export", "{cfg}", "--since", "yesterday", "--until", "now", "--format", "csv"), 2,
     "'yesterday' is not a time"),
    (("audit", "export", "{cfg}", "--since", "2026-13-01", "--until", "now", "--format", "csv"), 2,
     "'2026-13-01' is not a time"),
    (("audit", "export", "{cfg}", "--since", "2026-11-23T10:00:00", "--until", "now", "--format", "csv"), 2,
     "has no time zone: add Z for UTC"),
    (("audit", "export", "{cfg}", "--until", "now", "--format", "csv"), 2, "--since T is required"),
    (("audit", "export", "{cfg}", *ALL_TIME, "--format", "xml"), 2, "--format must be jsonl, csv or ocsf"),
    (("audit", "export", "{cfg}", "--since", "now", "--until", "1h", "--format", "csv"), 2, "is not after"),
    (("audit", "verify", "{cfg}", "--since", "soon"), 2, "'soon' is not a time"),
    (("sessions", "list", "{cfg}", "--limit", "many"), 2, "--limit expects a number"),
    (("evidence", "{cfg}", *ALL_TIME), 2, "--out DIR is required"),
    (("audit", "frobnicate", "{cfg}"), 2, "unknown subcommand 'frobnicate'"),
])
def test_bad_input_gets_a_clear_error(recorded, args, code, message):
    argv = [a if a != "{cfg}" else "--config" for a in args]
    argv.insert(argv.index("--config") + 1, recorded.config)
    p = recorded.cli(*argv)
    assert p.returncode == code, f"{argv}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert message in p.stderr, p.stderr


def test_missing_key_and_unreadable_audit_dir(recorded, tmp_path):
    no_key = _config_with(recorded, tmp_path, f"signing_key: {tmp_path / 'none.key'}")
    p = recorded.cli("audit", "verify", "--config", no_key)
    assert p.returncode == 1 and "no public key at" in p.stderr, p.stderr

    (tmp_path / "sub").mkdir()
    missing = _config_with(recorded, tmp_path / "sub", f"dir: {tmp_path / 'no-audit'}")
    for argv in (("audit", "export", "--config", missing, *ALL_TIME, "--format", "jsonl"),
                 ("audit", "verify", "--config", missing),
                 ("evidence", "--config", missing, *ALL_TIME, "--out", str(tmp_path / "b"))):
        p = recorded.cli(*argv)
        assert p.returncode == 1, argv
        assert f"the audit directory {tmp_path / 'no-audit'} does not exist" in p.stderr, p.stderr
        assert p.stdout == "" or argv[0] == "audit" and argv[1] == "verify"

    if os.geteuid() == 0:
        return  # root reads anything: the permission case cannot be shown
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    try:
        cfg = _config_with(recorded, tmp_path / "sub", f"dir: {locked}")
        p = recorded.cli("audit", "export", "--config", cfg, *ALL_TIME, "--format", "jsonl")
        assert p.returncode == 1 and "cannot read the audit directory" in p.stderr
    finally:
        locked.chmod(0o700)


def test_missing_config_is_a_clear_error(recorded, tmp_path):
    p = recorded.cli("sessions", "list", "--config", str(tmp_path / "nope.yaml"))
    assert p.returncode == 1 and "nope.yaml" in p.stderr
