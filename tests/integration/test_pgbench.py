"""pgbench through the target in the simple, extended and prepared protocols."""

from __future__ import annotations

import re
import subprocess

import pytest

import harness

DURATION = "3"


@pytest.fixture(scope="module")
def pgbench_data(pg):
    # Initialised directly against PostgreSQL; only the runs go through the target.
    harness.run(["pgbench", "-i", "-s", "1", "-q", "-d", pg.su_conninfo("app")], timeout=120)
    pg.psql_su("grant all on pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history to gh_rw",
               dbname="app")


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_pgbench_tpcb(target, pgbench_data, mode):
    r = subprocess.run(["pgbench", "-n", "-M", mode, "-c", "4", "-j", "2", "-T", DURATION],
                       env=target.env("disable"), capture_output=True, text=True, timeout=90)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    processed = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", out)
    assert processed > 0, out
    assert failed is None or int(failed.group(1)) == 0, out


def test_pgbench_select_only_prepared_tls(target, pgbench_data):
    r = subprocess.run(["pgbench", "-n", "-S", "-M", "prepared", "-c", "4", "-j", "2", "-t", "500"],
                       env=target.env("require"), capture_output=True, text=True, timeout=90)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "number of transactions actually processed: 2000/2000" in out, out
