"""Real components for the integration tests: a throwaway PostgreSQL 15, test
certificates, and gatehouse processes.

Everything lives under one temporary directory. Every wait is bounded. Child
servers get a parent-death signal so they die with the test run even if pytest
itself is killed.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("GH_IT_PG_BIN", "/usr/lib/postgresql/15/bin"))
REPO = Path(__file__).resolve().parents[2]

# Passwords of the backend users (they never reach a client through gatehouse).
PG_USERS = {
    "gh_scram": "scram-pw-3f9a",
    "gh_md5": "md5-pw-77c1",
    "gh_plain": "plain-pw-1b2e",
    "gh_nossl": "nossl-pw-90d4",
}

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int = signal.SIGTERM):
    def preexec() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        os.setpgrp()  # keep Ctrl-C in the terminal from reaching the servers directly

    return preexec


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def run(cmd: list[str], timeout: float = 60, check: bool = True, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def tail(path: Path, lines: int = 60, since: int = 0) -> str:
    """The last `lines` lines of a log, optionally only what was written after byte `since`."""
    try:
        with open(path, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# ---------------------------------------------------------------- certificates


@dataclass
class Certs:
    dir: Path
    ca_cert: Path  # the test CA: signs PostgreSQL's and gatehouse's server certs
    ca_key: Path
    pg_cert: Path
    pg_key: Path
    gh_cert: Path  # gatehouse's client-facing certificate
    gh_key: Path
    other_ca_cert: Path  # an unrelated CA, for verify-full failures


def make_certs(d: Path) -> Certs:
    d.mkdir(parents=True, exist_ok=True)

    def ossl(*args: str) -> None:
        run(["openssl", *args], timeout=60)

    def ca(name: str) -> tuple[Path, Path]:
        key, crt = d / f"{name}.key", d / f"{name}.crt"
        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
             "-subj", f"/CN=gatehouse {name}", "-keyout", str(key), "-out", str(crt),
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return crt, key

    def leaf(name: str, ca_crt: Path, ca_key: Path) -> tuple[Path, Path]:
        key, csr, crt, ext = d / f"{name}.key", d / f"{name}.csr", d / f"{name}.crt", d / f"{name}.ext"
        ext.write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
        ossl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", str(key), "-out", str(csr))
        ossl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", str(ext), "-out", str(crt))
        key.chmod(0o600)
        return crt, key

    ca_crt, ca_key = ca("ca")
    other_crt, _ = ca("other-ca")
    pg_crt, pg_key = leaf("pg-server", ca_crt, ca_key)
    gh_crt, gh_key = leaf("gatehouse-server", ca_crt, ca_key)
    return Certs(d, ca_crt, ca_key, pg_crt, pg_key, gh_crt, gh_key, other_crt)


# ---------------------------------------------------------------- PostgreSQL


def _pg_identity() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    pw = pwd.getpwnam(os.environ.get("GH_IT_PG_OS_USER", "postgres"))
    return pw.pw_uid, pw.pw_gid


def _chown_tree(path: Path, ident: tuple[int, int] | None) -> None:
    if ident is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, *ident)
        for f in files:
            os.chown(os.path.join(root, f), *ident)


HBA = """\
# gatehouse integration tests: TLS-only logins for the backend users, one plain.
local   all   postgres                     trust
hostssl all   gh_scram   127.0.0.1/32      scram-sha-256
hostssl all   gh_md5     127.0.0.1/32      md5
hostssl all   gh_plain   127.0.0.1/32      password
host    all   gh_nossl   127.0.0.1/32      scram-sha-256
# identity tests: a static role login, the ephemeral-role admin, and the ephemeral roles
# (members of it_readers)
host    all   it_analyst 127.0.0.1/32      scram-sha-256
host    all   it_admin   127.0.0.1/32      scram-sha-256
host    all   +it_readers 127.0.0.1/32     scram-sha-256
host    all   all        0.0.0.0/0         reject
host    all   all        ::/0              reject
local   all   all                          reject
"""


@dataclass
class PgCluster:
    dir: Path
    port: int
    certs: Certs | None
    extra_conf: str = ""
    hba: str = HBA
    superuser: str = "postgres"
    proc: subprocess.Popen | None = None

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def sock_dir(self) -> Path:
        return self.dir / "sock"

    @property
    def log(self) -> Path:
        return self.dir / "postgres.log"

    def _preexec(self, ident):
        die = _die_with_parent(signal.SIGINT)  # SIGINT = fast shutdown

        def preexec() -> None:
            if ident is not None:
                os.setgroups([])
                os.setgid(ident[1])
                os.setuid(ident[0])
            die()

        return preexec

    def init(self) -> None:
        ident = _pg_identity()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sock_dir.mkdir(exist_ok=True)
        pwfile = self.dir / "su.pw"
        pwfile.write_text("unused-superuser-password\n")
        _chown_tree(self.dir, ident)
        if ident is not None:
            os.chmod(self.dir, 0o755)
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        p = subprocess.run(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", self.superuser, "-E", "UTF8",
             "--no-instructions", "--auth-local=trust", "--auth-host=scram-sha-256",
             f"--pwfile={pwfile}", "--no-sync"],
            capture_output=True, text=True, timeout=120, env=env, preexec_fn=self._preexec(ident),
            cwd="/")
        if p.returncode != 0:
            raise RuntimeError(f"initdb failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        conf = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.sock_dir}'",
            "max_connections = 120",
            "shared_buffers = 64MB",
            "fsync = off",  # throwaway test data: durability does not matter here
            "synchronous_commit = off",
            "full_page_writes = off",
            "logging_collector = off",
            "log_line_prefix = '%m [%p] %u@%d '",
            "log_connections = on",
            "log_disconnections = on",
            "authentication_timeout = 5s",
        ]
        if self.certs:
            for src, name in ((self.certs.pg_cert, "server.crt"), (self.certs.pg_key, "server.key")):
                shutil.copy(src, self.data / name)
                (self.data / name).chmod(0o600)
                if ident is not None:
                    os.chown(self.data / name, *ident)
            conf += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n# --- gatehouse test harness\n" + "\n".join(conf) + "\n" + self.extra_conf + "\n")
        (self.data / "pg_hba.conf").write_text(self.hba)
        if ident is not None:
            os.chown(self.data / "pg_hba.conf", *ident)

    def start(self, timeout: float = 60) -> None:
        ident = _pg_identity()
        logf = open(self.log, "ab")
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        self.proc = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(self.data)],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env,
            preexec_fn=self._preexec(ident), cwd="/")
        logf.close()

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited {self.proc.returncode} during startup:\n{tail(self.log)}")
            r = subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", str(self.sock_dir), "-p",
                                str(self.port), "-U", self.superuser], timeout=10)
            return r.returncode == 0

        try:
            wait_for(ready, timeout, "PostgreSQL to accept connections", interval=0.1)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start in {timeout}s:\n{tail(self.log)}")

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # fast shutdown
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGQUIT)  # immediate shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    # -- superuser access over the unix socket
    def su_conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.sock_dir} port={self.port} user={self.superuser} dbname={dbname}"

    def su_connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(self.su_conninfo(dbname), autocommit=True, connect_timeout=10)

    def psql_su(self, sql: str, dbname: str = "postgres", timeout: float = 60) -> str:
        p = run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-At", "-d", self.su_conninfo(dbname), "-c", sql],
                timeout=timeout)
        return p.stdout


def setup_app_database(pg: PgCluster, rows_items: int = 5000) -> None:
    """Roles, database `app` and sample data shared by all tests."""
    with pg.su_connect() as c:
        c.execute("CREATE ROLE gh_rw NOLOGIN")
        for user, pw in PG_USERS.items():
            if user == "gh_md5":
                c.execute("SET password_encryption = 'md5'")
            c.execute(f"CREATE ROLE {user} LOGIN PASSWORD '{pw}' IN ROLE gh_rw")
            c.execute("RESET password_encryption")
        c.execute("CREATE DATABASE app OWNER gh_rw")
    with pg.su_connect("app") as c:
        c.execute("ALTER SCHEMA public OWNER TO gh_rw")
        c.execute("SET ROLE gh_rw")
        c.execute(textwrap.dedent("""
            CREATE TABLE customers (
              id serial PRIMARY KEY,
              name text NOT NULL,
              email text NOT NULL,
              ssn text,
              card_number text,
              created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
            );
            INSERT INTO customers (name, email, ssn, card_number)
            SELECT 'Customer ' || i, 'customer' || i || '@example.test',
                   lpad((900000000 + i)::text, 9, '0'),
                   '4000 0000 0000 ' || lpad(i::text, 4, '0')
            FROM generate_series(1, 50) AS i;
            CREATE TABLE items (
              id int PRIMARY KEY,
              label text NOT NULL,
              price numeric(10,2) NOT NULL,
              tags text[],
              payload bytea
            );
            CREATE TABLE events (
              id bigserial PRIMARY KEY,
              kind text NOT NULL,
              at timestamptz NOT NULL DEFAULT now(),
              detail jsonb
            );
            CREATE VIEW big_customers AS SELECT id, name FROM customers WHERE id > 25;
        """))
        c.execute(
            "INSERT INTO items SELECT i, 'item ' || i, (i * 1.25)::numeric(10,2), "
            "ARRAY['t' || mod(i, 7), 'x'], decode(md5(i::text), 'hex') "
            "FROM generate_series(1, %s) AS i", (rows_items,))
        c.execute("RESET ROLE")
        c.execute("ANALYZE")


def start_with_admin(gh, port: int) -> None:
    """Starts a gatehouse whose config has `admin: { listen: 127.0.0.1:<port> }` and waits for
    the admin API; sets gh.admin_url."""
    line = "admin API listening on 127.0.0.1:%d" % port
    before = gh.log.read_text().count(line) if gh.log.exists() else 0
    gh.start()
    gh.admin_url = f"http://127.0.0.1:{port}"
    gh.admin_port = port
    wait_for(lambda: gh.log.read_text().count(line) > before, 10, "the admin API to listen")


def run_jdbc(program: str, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Compiles tests/integration/java/<program>.java against Debian's pgjdbc and runs it."""
    jar = Path("/usr/share/java/postgresql.jar")
    src = Path(__file__).resolve().parent / "java" / f"{program}.java"
    assert jar.exists() and shutil.which("javac"), "JDBC needs scripts/install-deps.sh"
    subprocess.run(["javac", "-nowarn", "-cp", str(jar), "-d", str(workdir), str(src)],
                   check=True, timeout=120)
    return subprocess.run(["java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                           f"{jar}:{workdir}", program, *args],
                          capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- gatehouse


def gatehouse_bin() -> Path | None:
    env = os.environ.get("GATEHOUSE_BIN")
    p = Path(env) if env else REPO / "build" / "gatehouse"
    return p if p.is_file() and os.access(p, os.X_OK) else None


@dataclass
class GhConnection:
    name: str
    user: str
    database: str = "app"
    host: str = "127.0.0.1"
    port: int = 0
    tls_mode: str = "disable"
    ca_file: Path | None = None
    password_env: str | None = None
    password_file: Path | None = None


def render_config(*, listen_port: int, data_dir: Path, connections: list[GhConnection],
                  tls_cert: Path | None = None, tls_key: Path | None = None, tls_require: bool = False,
                  startup_timeout: str = "10s", idle_timeout: str = "0", max_message_size: str = "64MB",
                  workers: int = 2, log_level: str = "info", extra_yaml: str = "",
                  access_groups: tuple[str, ...] = ("testers",)) -> str:
    """A gatehouse config. Unless `extra_yaml` has its own `access:` section, every
    connection gets one access rule for `access_groups` (keys made by create_key are in
    "testers")."""
    lines = [
        "# written by tests/integration/harness.py",
        f"listen: 127.0.0.1:{listen_port}",
        f"workers: {workers}",
        f"data_dir: {data_dir}",
        f"log_level: {log_level}",
    ]
    if tls_cert:
        lines.append(f"tls: {{ cert_file: {tls_cert}, key_file: {tls_key}, require: {str(tls_require).lower()} }}")
    lines.append(f"limits: {{ startup_timeout: {startup_timeout}, idle_timeout: {idle_timeout}, "
                 f"max_message_size: {max_message_size} }}")
    lines.append("connections:")
    for c in connections:
        lines += [
            f"  - name: {c.name}",
            f"    host: {c.host}",
            f"    port: {c.port}",
            f"    database: {c.database}",
            f"    user: {c.user}",
        ]
        if c.password_env:
            lines.append(f"    password_env: {c.password_env}")
        if c.password_file:
            lines.append(f"    password_file: {c.password_file}")
        tls = f"mode: {c.tls_mode}"
        if c.ca_file:
            tls += f", ca_file: {c.ca_file}"
        lines.append(f"    tls: {{ {tls} }}")
    if "\naccess:" not in "\n" + extra_yaml and access_groups:
        lines.append("access:")
        for c in connections:
            lines.append(f"  - {{ connection: {c.name}, groups: [{', '.join(access_groups)}] }}")
    if extra_yaml:
        lines.append(extra_yaml.rstrip("\n"))
    return "\n".join(lines) + "\n"


LISTENING_RE = re.compile(r"listening on (\S+):(\d+)")


@dataclass
class Gatehouse:
    binary: Path
    dir: Path
    config_text: str
    env: dict[str, str] = field(default_factory=dict)
    connections: list[GhConnection] = field(default_factory=list)
    key: str = ""  # an API key created for the tests
    proc: subprocess.Popen | None = None
    host: str = "127.0.0.1"
    port: int = 0

    @property
    def config(self) -> Path:
        return self.dir / "gatehouse.yaml"

    @property
    def log(self) -> Path:
        return self.dir / "gatehouse.log"

    def write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self.config_text)

    def cli(self, *args: str, timeout: float = 30, check: bool = True) -> subprocess.CompletedProcess:
        return run([str(self.binary), *args], timeout=timeout, check=check, env={**os.environ, **self.env})

    def create_key(self, name: str, groups: str = "testers", expires: str | None = None) -> str:
        args = ["keys", "create", "--config", str(self.config), "--name", name, "--groups", groups]
        if expires:
            args += ["--expires", expires]
        p = self.cli(*args)
        lines = [l.strip() for l in p.stdout.splitlines() if l.strip()]
        if len(lines) != 1:
            raise RuntimeError(f"`keys create` must print exactly the key on one line, got:\n{p.stdout!r}\n"
                               f"stderr:\n{p.stderr}")
        return lines[0]

    def start(self, timeout: float = 20) -> None:
        start_offset = self.log.stat().st_size if self.log.exists() else 0
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "serve", "--config", str(self.config)],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env={**os.environ, **self.env},
            preexec_fn=_die_with_parent(signal.SIGKILL), cwd=str(self.dir))
        logf.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"gatehouse exited {self.proc.returncode} during startup. Its output:\n"
                                   f"{tail(self.log, 200)}\n--- config:\n{self.config_text}")
            with open(self.log, "rb") as f:
                f.seek(start_offset)
                return LISTENING_RE.search(f.read().decode(errors="replace"))

        try:
            m = wait_for(ready, timeout, "gatehouse to print 'listening on HOST:PORT'")
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"gatehouse did not print 'listening on' within {timeout}s. Its output:\n"
                               f"{tail(self.log, 200)}")
        self.host, self.port = m.group(1).strip("[]"), int(m.group(2))
        if self.host in ("0.0.0.0", "localhost", ""):
            self.host = "127.0.0.1"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


# ---------------------------------------------------------------- what the clients talk to


@dataclass
class Target:
    """Where the client tests connect: gatehouse, or PostgreSQL directly (GH_IT_DIRECT=1)."""

    kind: str  # "gatehouse" | "direct"
    host: str
    port: int
    dbname: str
    user: str
    password: str
    ca_file: Path
    plain_ok: bool  # can a client connect without TLS?

    @property
    def is_gatehouse(self) -> bool:
        return self.kind == "gatehouse"

    def sslmode(self, wanted: str) -> str:
        """The sslmode a test asked for, upgraded to `require` where TLS is mandatory."""
        if not self.plain_ok and wanted in ("disable", "allow", "prefer"):
            return "require"
        return wanted

    def params(self, sslmode: str = "prefer", **overrides) -> dict[str, str]:
        p = {"host": self.host, "port": str(self.port), "dbname": self.dbname, "user": self.user,
             "password": self.password, "sslmode": self.sslmode(sslmode), "connect_timeout": "10"}
        if p["sslmode"] in ("verify-ca", "verify-full"):
            p["sslrootcert"] = str(self.ca_file)
        p.update({k: str(v) for k, v in overrides.items()})
        return p

    def conninfo(self, sslmode: str = "prefer", **overrides) -> str:
        def q(v: str) -> str:
            return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"

        return " ".join(f"{k}={q(v)}" for k, v in self.params(sslmode, **overrides).items())

    def env(self, sslmode: str = "prefer") -> dict[str, str]:
        """libpq environment (PGHOST, ...) for command-line clients."""
        p = self.params(sslmode)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(PGHOST=p["host"], PGPORT=p["port"], PGDATABASE=p["dbname"], PGUSER=p["user"],
                   PGPASSWORD=p["password"], PGSSLMODE=p["sslmode"], PGCONNECT_TIMEOUT="10")
        if "sslrootcert" in p:
            env["PGSSLROOTCERT"] = p["sslrootcert"]
        return env
