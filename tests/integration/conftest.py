"""Fixtures for gatehouse integration tests: a real PostgreSQL 15, test
certificates, gatehouse instances and the connection target of the client tests.

Environment:
  GATEHOUSE_BIN     path to the gatehouse binary (default: <repo>/build/gatehouse)
  GH_IT_DIRECT=1    point the client tests at PostgreSQL itself (harness development);
                    gatehouse-only tests are skipped
  GH_IT_KEEP=1      keep the temporary directory (logs, configs) after the run
  GH_IT_TEST_TIMEOUT  seconds one test may take before the run is aborted (default 240)
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import sys
import threading
import tempfile
from pathlib import Path

import pytest

import harness
import pgwire
from harness import GhConnection, Gatehouse, PgCluster, Target

DIRECT = os.environ.get("GH_IT_DIRECT") == "1"
TEST_TIMEOUT = float(os.environ.get("GH_IT_TEST_TIMEOUT", "240"))

# Every server started by the fixtures, for failure reports and cleanup.
_instances: list[Gatehouse] = []
_clusters: list[PgCluster] = []
_roots: list[Path] = []


# ---------------------------------------------------------------- run-level plumbing


def _abort_hung_test(item) -> None:
    """Runs on a timer thread: report where the test hangs, stop the servers, end the run."""
    capman = item.config.pluginmanager.getplugin("capturemanager")
    try:
        capman.suspend_global_capture(in_=True)  # so the report reaches the real stderr
    except Exception:  # noqa: BLE001 - best effort, we are aborting anyway
        pass
    sys.stderr.write(f"\n!!! {item.nodeid} did not finish within {TEST_TIMEOUT:.0f}s "
                     "(GH_IT_TEST_TIMEOUT); aborting the run. Thread stacks:\n")
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    for gh in _instances:
        sys.stderr.write(f"--- gatehouse {gh.dir.name} log tail:\n{harness.tail(gh.log, 30)}\n")
        if gh.proc is not None and gh.proc.poll() is None:
            gh.proc.kill()
    for cluster in _clusters:
        if cluster.proc is not None and cluster.proc.poll() is None:
            cluster.proc.send_signal(signal.SIGQUIT)  # immediate shutdown
    if _roots:
        sys.stderr.write(f"--- test files kept in {_roots[0]}\n")
    sys.stderr.flush()
    os._exit(3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # A hung client must not hang the suite. Child servers also die with us through their
    # parent-death signal, should the run be killed from outside.
    timer = threading.Timer(TEST_TIMEOUT, _abort_hung_test, args=(item,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        offsets = getattr(item, "_gh_log_offsets", {})
        for gh in _instances:
            since = offsets.get(id(gh), 0)
            if harness.log_size(gh.log) <= since:
                continue  # this instance logged nothing during the test
            state = "running" if gh.alive() else f"exited {gh.proc.returncode if gh.proc else '-'}"
            report.sections.append((f"gatehouse {gh.dir.name} ({state}) log during the test",
                                    harness.tail(gh.log, 60, since)))


def pytest_report_header(config):
    b = harness.gatehouse_bin()
    if DIRECT:
        return "gatehouse integration: GH_IT_DIRECT=1, client tests run against PostgreSQL directly"
    return f"gatehouse integration: binary {b if b else 'NOT FOUND (gatehouse tests will be skipped)'}"


# ---------------------------------------------------------------- shared infrastructure


@pytest.fixture(scope="session")
def it_root():
    root = Path(tempfile.mkdtemp(prefix="ghit-"))
    root.chmod(0o755)  # the unprivileged PostgreSQL user must reach its data dir
    _roots.append(root)
    yield root
    if os.environ.get("GH_IT_KEEP") == "1":
        print(f"\nintegration test files kept in {root}", file=sys.stderr)
    else:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def certs(it_root):
    return harness.make_certs(it_root / "certs")


@pytest.fixture(scope="session")
def pg(it_root, certs):
    cluster = PgCluster(dir=it_root / "pg", port=harness.free_port(), certs=certs)
    cluster.init()
    _clusters.append(cluster)
    cluster.start()
    try:
        harness.setup_app_database(cluster)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_su(pg):
    """A superuser connection to `app` (unix socket, autocommit)."""
    with pg.su_connect("app") as c:
        yield c


@pytest.fixture(scope="session")
def gh_binary():
    if DIRECT:
        pytest.skip("gatehouse-only test (GH_IT_DIRECT=1 runs the clients against PostgreSQL)")
    b = harness.gatehouse_bin()
    if b is None:
        pytest.skip(f"gatehouse binary not found (GATEHOUSE_BIN={os.environ.get('GATEHOUSE_BIN', '<unset>')}); "
                    "build it with `make build`")
    return b


def _backend_env() -> dict[str, str]:
    return {
        "GH_IT_PW_SCRAM": harness.PG_USERS["gh_scram"],
        "GH_IT_PW_PLAIN": harness.PG_USERS["gh_plain"],
        "GH_IT_PW_NOSSL": harness.PG_USERS["gh_nossl"],
    }


def main_connections(pg: PgCluster, certs, secrets_dir: Path, dead_port: int) -> list[GhConnection]:
    secrets_dir.mkdir(parents=True, exist_ok=True)
    md5_pw = secrets_dir / "gh_md5.password"
    md5_pw.write_text(harness.PG_USERS["gh_md5"] + "\n")
    md5_pw.chmod(0o600)
    return [
        GhConnection("app", "gh_scram", port=pg.port, tls_mode="require", password_env="GH_IT_PW_SCRAM"),
        GhConnection("app_md5", "gh_md5", port=pg.port, tls_mode="require", password_file=md5_pw),
        GhConnection("app_plain", "gh_plain", port=pg.port, tls_mode="require", password_env="GH_IT_PW_PLAIN"),
        GhConnection("app_nossl", "gh_nossl", port=pg.port, tls_mode="disable", password_env="GH_IT_PW_NOSSL"),
        GhConnection("app_verify", "gh_scram", port=pg.port, tls_mode="verify-full", ca_file=certs.ca_cert,
                     password_env="GH_IT_PW_SCRAM"),
        GhConnection("app_badca", "gh_scram", port=pg.port, tls_mode="verify-full",
                     ca_file=certs.other_ca_cert, password_env="GH_IT_PW_SCRAM"),
        GhConnection("dead", "gh_nossl", port=dead_port, tls_mode="disable", password_env="GH_IT_PW_NOSSL"),
    ]


class GatehouseFactory:
    """Starts gatehouse instances with their own config and data dir; stops them all at the end."""

    def __init__(self, binary: Path, root: Path, pg: PgCluster, certs):
        self.binary, self.root, self.pg, self.certs = binary, root, pg, certs
        self.count = 0

    def make(self, name: str, connections: list[GhConnection] | None = None, start: bool = True,
             **config_overrides) -> Gatehouse:
        self.count += 1
        d = self.root / f"gh-{self.count}-{name}"
        if connections is None:
            connections = main_connections(self.pg, self.certs, d / "secrets", harness.free_port())
        cfg = dict(listen_port=harness.free_port(), data_dir=d / "var", connections=connections,
                   tls_cert=self.certs.gh_cert, tls_key=self.certs.gh_key)
        cfg.update(config_overrides)
        gh = Gatehouse(binary=self.binary, dir=d, config_text=harness.render_config(**cfg), env=_backend_env(),
                       connections=connections)
        gh.write_config()
        _instances.append(gh)
        if start:
            gh.start()
        return gh

    def stop_all(self) -> None:
        for gh in _instances:
            gh.stop()


@pytest.fixture(scope="session")
def gh_factory(gh_binary, it_root, pg, certs):
    f = GatehouseFactory(gh_binary, it_root, pg, certs)
    try:
        yield f
    finally:
        f.stop_all()


@pytest.fixture(scope="session")
def gatehouse(gh_factory):
    """The main gatehouse instance: every backend auth/TLS variant, client TLS offered."""
    gh = gh_factory.make("main", start=False, startup_timeout="10s")
    gh.key = gh.create_key("it-main", groups="testers,readers")
    gh.start()
    return gh


@pytest.fixture(scope="session")
def gatehouse_strict(gh_factory):
    """A second instance with tight limits: 1 s startup, 2 s idle, 1 MB messages, one connection."""
    conns = main_connections(gh_factory.pg, gh_factory.certs, gh_factory.root / "strict-secrets", 1)[:1]
    gh = gh_factory.make("strict", connections=conns, start=False, startup_timeout="1s", idle_timeout="2s",
                         max_message_size="1MB")
    gh.key = gh.create_key("it-strict", groups="testers")
    gh.start()
    return gh


@pytest.fixture(scope="session")
def gatehouse_tls_required(gh_factory):
    """An instance whose clients must use TLS."""
    conns = main_connections(gh_factory.pg, gh_factory.certs, gh_factory.root / "tlsreq-secrets", 1)[:1]
    gh = gh_factory.make("tlsreq", connections=conns, start=False, tls_require=True)
    gh.key = gh.create_key("it-tlsreq", groups="testers")
    gh.start()
    return gh


@pytest.fixture
def gatehouse_alive(gatehouse):
    """The main instance (asserted alive after every test by _gatehouse_watch)."""
    return gatehouse


@pytest.fixture(autouse=True)
def _gatehouse_watch(request):
    """Fails the test during which a gatehouse instance died, then restarts that instance so
    one crash does not turn every later test into 'connection refused'."""
    alive_before = [gh for gh in _instances if gh.alive()]
    request.node._gh_log_offsets = {id(gh): harness.log_size(gh.log) for gh in _instances}
    yield
    died = [gh for gh in alive_before if not gh.alive()]
    for gh in died:
        code = gh.proc.returncode
        report = f"gatehouse {gh.dir.name} died (exit {code}) during this test:\n{harness.tail(gh.log, 80)}"
        with open(gh.log, "a") as f:
            f.write(f"\n===== harness: restarting after exit {code} =====\n")
        gh.start()
        pytest.fail(report, pytrace=False)


@pytest.fixture(scope="session")
def target(request, pg, certs) -> Target:
    if DIRECT:
        return Target("direct", "127.0.0.1", pg.port, "app", "gh_scram", harness.PG_USERS["gh_scram"],
                      certs.ca_cert, plain_ok=False)
    gh = request.getfixturevalue("gatehouse")
    return Target("gatehouse", gh.host, gh.port, "app", "it-tester", gh.key, certs.ca_cert, plain_ok=True)


@pytest.fixture
def raw_login(request, pg):
    """Returns connect() -> a logged-in pgwire.Conn (plain TCP) to the target."""
    opened: list[pgwire.Conn] = []

    def connect(timeout: float = 10.0, **extra) -> pgwire.Conn:
        if DIRECT:
            c = pgwire.Conn("127.0.0.1", pg.port, timeout)
            opened.append(c)
            c.login("gh_nossl", harness.PG_USERS["gh_nossl"], "app", extra)
        else:
            gh = request.getfixturevalue("gatehouse")
            c = pgwire.Conn(gh.host, gh.port, timeout)
            opened.append(c)
            c.login("it-raw", gh.key, "app", extra)
        return c

    yield connect
    for c in opened:
        c.close()


# ---------------------------------------------------------------- OpenID provider (oidc.py)
# oidc_provider (session: RS256, kid "it-rsa-1"), oidc_key (its OidcKey), oidc_factory
# (per test: more providers/keys, e.g. for key rotation), garbage_jwks (issuer with a bad JWKS).
from oidc import garbage_jwks, oidc_factory, oidc_factory_session, oidc_key, oidc_provider  # noqa: E402,F401
