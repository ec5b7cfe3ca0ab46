"""node-postgres (`pg` from npm, pinned by package-lock.json) through the target."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.mark.parametrize("ssl", ["disable", "verify-full"])
def test_node_pg_smoke(target, ssl):
    if not shutil.which("node"):
        pytest.skip("node missing (scripts/install-deps.sh)")
    if not (NODE_DIR / "node_modules" / "pg").is_dir():
        pytest.skip("node_modules missing: run scripts/install-test-clients.sh")
    mode = target.sslmode(ssl)
    env = target.env(mode)
    env.update(GH_NODE_SSL=mode, GH_NODE_CA=str(target.ca_file))
    r = subprocess.run(["node", "smoke.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "NODE OK" in r.stdout, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
