"""JDBC (Debian's pgjdbc) through the target: prepared statements, batches, cursor fetch."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

HERE = Path(__file__).resolve().parent
JAVA_DIR = HERE / "java"
JDBC_JAR = Path("/usr/share/java/postgresql.jar")


@pytest.fixture(scope="module")
def classpath(tmp_path_factory) -> str:
    if not JDBC_JAR.exists() or not shutil.which("java"):
        pytest.skip("java or /usr/share/java/postgresql.jar missing (scripts/install-deps.sh)")
    src = JAVA_DIR / "JdbcSmoke.java"
    cls = JAVA_DIR / "JdbcSmoke.class"
    if cls.exists() and cls.stat().st_mtime >= src.stat().st_mtime:
        return f"{JDBC_JAR}:{JAVA_DIR}"
    # scripts/install-test-clients.sh normally compiles it; do it here when stale.
    out = tmp_path_factory.mktemp("jdbc-classes")
    subprocess.run(["javac", "-nowarn", "-cp", str(JDBC_JAR), "-d", str(out), str(src)], check=True, timeout=120)
    return f"{JDBC_JAR}:{out}"


@pytest.mark.parametrize("sslmode", ["disable", "verify-full"])
def test_jdbc_smoke(target, classpath, sslmode):
    p = target.params(sslmode)
    url = f"jdbc:postgresql://{p['host']}:{p['port']}/{p['dbname']}?sslmode={p['sslmode']}"
    if "sslrootcert" in p:
        url += f"&sslrootcert={quote(p['sslrootcert'])}"
    r = subprocess.run(["java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classpath, "JdbcSmoke", url,
                        p["user"], p["password"]], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "JDBC OK" in r.stdout, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
