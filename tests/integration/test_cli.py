"""gatehouse CLI: `check` and `keys create|list|revoke`."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

import harness


def gh_cli(binary, *args, timeout=30, env=None):
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


# A valid config; BAD edits apply to it once {port} is filled in.
GOOD = """\
listen: 127.0.0.1:{port}
workers: 1
data_dir: ./var
log_level: info
limits: { startup_timeout: 10s, idle_timeout: 0, max_message_size: 64MB }
connections:
  - name: analytics
    host: 127.0.0.1
    port: 5432
    database: analytics
    user: gatehouse_app
    password_env: GH_IT_CHECK_PW
    tls: { mode: disable }
"""

# (name, text replacement applied to GOOD, the 1-based line that must be reported)
BAD = [
    ("bad_tls_mode", ("tls: { mode: disable }", "tls: { mode: sometimes }"), 13),
    ("bad_port", ("port: 5432", "port: not-a-port"), 9),
    ("bad_duration", ("startup_timeout: 10s", "startup_timeout: 10 parsecs"), 5),
    ("bad_listen", ("listen: 127.0.0.1:", "listen: 127.0.0.1:99999 #"), 1),
    ("verify_full_without_ca", ("tls: { mode: disable }", "tls: { mode: verify-full }"), 13),
    ("duplicate_connection", ("    tls: { mode: disable }\n",
                              "    tls: { mode: disable }\n  - name: analytics\n    host: 127.0.0.1\n"
                              "    user: x\n    password_env: GH_IT_CHECK_PW\n"), 14),
    ("bad_yaml", ("workers: 1", "workers: [1"), None),  # the parser decides which line
    ("bad_masking_style", ("    tls: { mode: disable }\n",
                           "    tls: { mode: disable }\nmasking:\n"
                           "  - { name: pii, columns: [customers.ssn], style: blur }\n"), 15),
    ("unknown_detector", ("    tls: { mode: disable }\n",
                          "    tls: { mode: disable }\nmasking:\n  - name: pii\n"
                          "    detect: [credit_card, dna]\n    style: redact\n"), 16),
]


def test_check_accepts_valid_config(gh_binary, tmp_path):
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(GOOD.replace("{port}", str(harness.free_port())))
    p = gh_cli(gh_binary, "check", "--config", str(cfg), env={"GH_IT_CHECK_PW": "x"})
    assert p.returncode == 0, p.stdout + p.stderr


def test_check_accepts_main_test_config(gatehouse):
    p = gatehouse.cli("check", "--config", str(gatehouse.config), check=False)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("name,edit,line", BAD, ids=[b[0] for b in BAD])
def test_check_reports_file_and_line(gh_binary, tmp_path, name, edit, line):
    cfg = tmp_path / f"{name}.yaml"
    good = GOOD.replace("{port}", str(harness.free_port()))
    text = good.replace(edit[0], edit[1])
    assert text != good
    cfg.write_text(text)
    p = gh_cli(gh_binary, "check", "--config", str(cfg), env={"GH_IT_CHECK_PW": "x"})
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    line_re = str(line) if line else r"\d+"
    assert re.search(rf"{re.escape(str(cfg))}:{line_re}: \S", out), f"expected '{cfg}:{line}: problem' in:\n{out}"


def test_masking_rules_are_checked(gh_binary, tmp_path):
    cfg = tmp_path / "masking.yaml"
    cfg.write_text(GOOD.replace("{port}", str(harness.free_port())) +
                   "masking:\n  - { name: pii, columns: [customers.ssn], style: partial(last=4) }\n")
    p = gh_cli(gh_binary, "check", "--config", str(cfg), env={"GH_IT_CHECK_PW": "x"})
    assert p.returncode == 0 and "1 masking rules" in p.stdout, p.stdout + p.stderr
    assert "masking" not in p.stderr, p.stderr


def test_check_accepts_example_config(gh_binary):
    example = harness.REPO / "examples" / "gatehouse.yaml"
    p = gh_cli(gh_binary, "check", "--config", str(example), env={"ANALYTICS_PG_PASSWORD": "x"})
    assert p.returncode == 0, p.stdout + p.stderr


def test_check_missing_file(gh_binary, tmp_path):
    p = gh_cli(gh_binary, "check", "--config", str(tmp_path / "nope.yaml"))
    assert p.returncode != 0
    assert "nope.yaml" in p.stdout + p.stderr


def test_keys_create_list_revoke(gh_binary, tmp_path):
    cfg = tmp_path / "keys.yaml"
    cfg.write_text(GOOD.replace("{port}", str(harness.free_port())))
    p = gh_cli(gh_binary, "keys", "create", "--config", str(cfg), "--name", "ci-bot", "--groups", "a,b",
               "--expires", "30d")
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("ghk_") and len(lines[0]) >= 24, p.stdout
    key = lines[0]
    assert key not in p.stderr
    p2 = gh_cli(gh_binary, "keys", "create", "--config", str(cfg), "--name", "other", "--groups", "a")
    assert p2.returncode == 0 and p2.stdout.strip() != key

    lst = gh_cli(gh_binary, "keys", "list", "--config", str(cfg))
    assert lst.returncode == 0, lst.stderr
    assert "ci-bot" in lst.stdout and "other" in lst.stdout
    assert key not in lst.stdout and key[4:] not in lst.stdout, "keys list must not print key secrets"
    assert (tmp_path / "var").is_dir(), "data_dir is relative to the config file"

    dup = gh_cli(gh_binary, "keys", "create", "--config", str(cfg), "--name", "ci-bot", "--groups", "a")
    assert dup.returncode != 0, "a second key with the same name must be refused"

    rv = gh_cli(gh_binary, "keys", "revoke", "--config", str(cfg), "ci-bot")
    assert rv.returncode == 0, rv.stderr
    rv2 = gh_cli(gh_binary, "keys", "revoke", "--config", str(cfg), "no-such-key")
    assert rv2.returncode != 0

    # the database stores hashes only
    for f in (tmp_path / "var").rglob("*"):
        if f.is_file():
            assert key.encode() not in f.read_bytes(), f"{f} contains the key in clear"
