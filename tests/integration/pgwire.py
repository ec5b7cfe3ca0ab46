"""Raw PostgreSQL v3 wire-protocol helpers for protocol-level fault tests.

Builds frontend messages with struct and reads backend messages from a socket,
so tests can send exactly the bytes a broken or hostile client would. The
client understands cleartext, MD5 and SCRAM-SHA-256 authentication and can
negotiate TLS, so the same helpers work against PostgreSQL itself and against
gatehouse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import select
import socket
import ssl
import struct
import time
from dataclasses import dataclass

PROTOCOL_V3 = 196608  # 3 << 16
PROTOCOL_V2 = 131072  # 2 << 16
SSL_REQUEST_CODE = 80877103
CANCEL_REQUEST_CODE = 80877102
GSSENC_REQUEST_CODE = 80877104


# ---------------------------------------------------------------- message builders


def cstr(s: str | bytes) -> bytes:
    if isinstance(s, str):
        s = s.encode()
    return s + b"\x00"


def startup_message(params: dict[str, str], version: int = PROTOCOL_V3) -> bytes:
    body = struct.pack("!i", version)
    for k, v in params.items():
        body += cstr(k) + cstr(v)
    body += b"\x00"
    return struct.pack("!i", len(body) + 4) + body


def v2_startup_packet(user: str, database: str) -> bytes:
    """A protocol 2.0 StartupPacket: fixed 296-byte layout (length, version, fields)."""
    def fixed(s: str, n: int) -> bytes:
        b = s.encode()[:n]
        return b + b"\x00" * (n - len(b))

    body = struct.pack("!i", PROTOCOL_V2)
    body += fixed(database, 64) + fixed(user, 32) + fixed("", 64) + fixed("", 64) + fixed("", 64)
    return struct.pack("!i", len(body) + 4) + body


def ssl_request() -> bytes:
    return struct.pack("!ii", 8, SSL_REQUEST_CODE)


def gssenc_request() -> bytes:
    return struct.pack("!ii", 8, GSSENC_REQUEST_CODE)


def cancel_request(pid: int, secret: int) -> bytes:
    return struct.pack("!iiii", 16, CANCEL_REQUEST_CODE, pid, secret)


def message(tag: bytes, body: bytes = b"") -> bytes:
    return tag + struct.pack("!i", len(body) + 4) + body


def password_message(password: str | bytes) -> bytes:
    return message(b"p", cstr(password))


def query(sql: str) -> bytes:
    return message(b"Q", cstr(sql))


def terminate() -> bytes:
    return message(b"X")


def parse(sql: str, name: str = "", param_oids: tuple[int, ...] = ()) -> bytes:
    body = cstr(name) + cstr(sql) + struct.pack("!h", len(param_oids))
    body += b"".join(struct.pack("!i", o) for o in param_oids)
    return message(b"P", body)


def bind(params: list[bytes | None] = (), portal: str = "", stmt: str = "") -> bytes:
    body = cstr(portal) + cstr(stmt) + struct.pack("!h", 0) + struct.pack("!h", len(params))
    for p in params:
        body += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    body += struct.pack("!h", 0)
    return message(b"B", body)


def execute(portal: str = "", max_rows: int = 0) -> bytes:
    return message(b"E", cstr(portal) + struct.pack("!i", max_rows))


def sync() -> bytes:
    return message(b"S")


# ---------------------------------------------------------------- backend messages


@dataclass
class Message:
    tag: bytes
    body: bytes

    @property
    def is_error(self) -> bool:
        return self.tag == b"E"

    def fields(self) -> dict[str, str]:
        """Fields of an ErrorResponse / NoticeResponse keyed by their one-letter code."""
        out: dict[str, str] = {}
        for part in self.body.split(b"\x00"):
            if part:
                out[chr(part[0])] = part[1:].decode("utf-8", "replace")
        return out

    @property
    def sqlstate(self) -> str | None:
        return self.fields().get("C") if self.tag in (b"E", b"N") else None


class Closed(Exception):
    """The peer closed the connection."""


@dataclass
class ServerError(Exception):
    fields: dict[str, str]

    @property
    def sqlstate(self) -> str:
        return self.fields.get("C", "")

    @property
    def text(self) -> str:
        return self.fields.get("M", "")

    @property
    def full_text(self) -> str:
        """Message, detail and hint together."""
        return " ".join(self.fields.get(k, "") for k in "MDH")

    def __str__(self) -> str:
        return f"{self.fields.get('S', 'ERROR')} {self.sqlstate}: {self.text}"


class Conn:
    """A socket speaking the frontend side of the protocol, byte by byte if needed."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.sock: socket.socket | ssl.SSLSocket = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.backend_key: tuple[int, int] | None = None
        self.parameters: dict[str, str] = {}

    # -- plumbing
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for the server")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError) as e:
            raise Closed(str(e)) from e
        except socket.timeout as e:
            raise TimeoutError("timed out waiting for the server") from e
        if not chunk:
            raise Closed("connection closed by peer")
        self.buf += chunk

    def read_exact(self, n: int, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.buf) < n:
            self._fill(deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_message(self, timeout: float | None = None) -> Message:
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.buf) < 5:
            self._fill(deadline)
        tag = self.buf[:1]
        (length,) = struct.unpack("!i", self.buf[1:5])
        if length < 4 or length > (1 << 30):
            raise ValueError(f"bad backend message length {length} for tag {tag!r}")
        while len(self.buf) < 1 + length:
            self._fill(deadline)
        body = self.buf[5 : 1 + length]
        self.buf = self.buf[1 + length :]
        return Message(tag, body)

    def read_until_closed(self, timeout: float) -> bytes:
        """Reads everything until the peer closes; raises TimeoutError if it does not."""
        deadline = time.monotonic() + timeout
        data, self.buf = self.buf, b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"connection still open after {timeout}s; got {data[:200]!r}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
                return data
            except socket.timeout:
                continue
            if not chunk:
                return data
            data += chunk

    def is_closed(self, wait: float = 0.0) -> bool:
        """True if the peer has closed (EOF or reset) within `wait` seconds."""
        r, _, _ = select.select([self.sock], [], [], wait)
        if not r:
            return False
        try:
            self.sock.settimeout(0.5)
            chunk = self.sock.recv(65536, socket.MSG_PEEK)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True
        except socket.timeout:
            return False
        return chunk == b""

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "Conn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- TLS
    def start_tls(self, cafile: str | None = None, server_hostname: str = "127.0.0.1") -> None:
        self.send(ssl_request())
        answer = self.read_exact(1)
        if answer != b"S":
            raise ServerError({"C": "", "M": f"server refused TLS: {answer!r}"})
        ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)

    # -- login
    def login(self, user: str, password: str, database: str, extra: dict[str, str] | None = None) -> None:
        """Startup + authentication until ReadyForQuery. Raises ServerError on ErrorResponse."""
        params = {"user": user, "database": database, "client_encoding": "UTF8"}
        params.update(extra or {})
        self.send(startup_message(params))
        scram: _Scram | None = None
        while True:
            m = self.read_message()
            if m.tag == b"E":
                raise ServerError(m.fields())
            if m.tag == b"R":
                (code,) = struct.unpack("!i", m.body[:4])
                if code == 0:
                    continue
                if code == 3:
                    self.send(password_message(password))
                elif code == 5:
                    salt = m.body[4:8]
                    inner = hashlib.md5(password.encode() + user.encode()).hexdigest()
                    outer = hashlib.md5(inner.encode() + salt).hexdigest()
                    self.send(password_message("md5" + outer))
                elif code == 10:
                    mechs = [x.decode() for x in m.body[4:].split(b"\x00") if x]
                    if "SCRAM-SHA-256" not in mechs:
                        raise RuntimeError(f"no supported SASL mechanism in {mechs}")
                    scram = _Scram(password)
                    first = scram.client_first().encode()
                    body = cstr("SCRAM-SHA-256") + struct.pack("!i", len(first)) + first
                    self.send(message(b"p", body))
                elif code == 11:
                    assert scram is not None
                    self.send(message(b"p", scram.client_final(m.body[4:].decode()).encode()))
                elif code == 12:
                    assert scram is not None
                    scram.verify_server(m.body[4:].decode())
                else:
                    raise RuntimeError(f"unsupported authentication request {code}")
            elif m.tag == b"K":
                self.backend_key = struct.unpack("!ii", m.body[:8])
            elif m.tag == b"S":
                k, v, _ = m.body.split(b"\x00", 2)
                self.parameters[k.decode()] = v.decode()
            elif m.tag == b"Z":
                return
            elif m.tag == b"N":
                continue
            else:
                raise RuntimeError(f"unexpected message during login: {m.tag!r}")

    # -- simple query
    def simple_query(self, sql: str, timeout: float | None = None) -> list[list[str | None]]:
        """Runs one simple query, returns data rows as text; raises ServerError."""
        self.send(query(sql))
        return self.collect_until_ready(timeout)

    def collect_until_ready(self, timeout: float | None = None) -> list[list[str | None]]:
        rows: list[list[str | None]] = []
        error: ServerError | None = None
        while True:
            m = self.read_message(timeout)
            if m.tag == b"D":
                rows.append(_decode_row(m.body))
            elif m.tag == b"E":
                error = ServerError(m.fields())
            elif m.tag == b"Z":
                if error:
                    raise error
                return rows

    def read_error(self, timeout: float | None = None) -> Message | None:
        """Reads messages until an ErrorResponse (returned) or the peer closes (None)."""
        try:
            while True:
                m = self.read_message(timeout)
                if m.tag == b"E":
                    return m
        except Closed:
            return None


def _decode_row(body: bytes) -> list[str | None]:
    (n,) = struct.unpack("!h", body[:2])
    pos, out = 2, []
    for _ in range(n):
        (ln,) = struct.unpack("!i", body[pos : pos + 4])
        pos += 4
        if ln < 0:
            out.append(None)
        else:
            out.append(body[pos : pos + ln].decode())
            pos += ln
    return out


class _Scram:
    """Client side of SCRAM-SHA-256 (RFC 5802/7677), no channel binding."""

    def __init__(self, password: str):
        self.password = password.encode()
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"
        self.auth_message = b""
        self.salted = b""

    def client_first(self) -> str:
        return "n,," + self.first_bare

    def client_final(self, server_first: str) -> str:
        attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
        if not attrs["r"].startswith(self.nonce):
            raise RuntimeError("SCRAM server nonce mismatch")
        salt = base64.b64decode(attrs["s"])
        iterations = int(attrs["i"])
        self.salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, iterations)
        client_key = hmac.new(self.salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        self.auth_message = f"{self.first_bare},{server_first},{without_proof}".encode()
        signature = hmac.new(stored_key, self.auth_message, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        return f"{without_proof},p={base64.b64encode(proof).decode()}"

    def verify_server(self, server_final: str) -> None:
        attrs = dict(kv.split("=", 1) for kv in server_final.split(","))
        server_key = hmac.new(self.salted, b"Server Key", hashlib.sha256).digest()
        expected = hmac.new(server_key, self.auth_message, hashlib.sha256).digest()
        if base64.b64decode(attrs.get("v", "")) != expected:
            raise RuntimeError("SCRAM server signature mismatch")


def _main(argv: list[str]) -> int:
    """`pgwire.py HOST PORT DBNAME USER` (password from $PGPASSWORD): try a login and print
    the server's answer with its SQLSTATE, which psql does not show for login errors."""
    if len(argv) != 4:
        print("usage: pgwire.py HOST PORT DBNAME USER   (password in $PGPASSWORD)")
        return 2
    host, port, dbname, user = argv[0], int(argv[1]), argv[2], argv[3]
    try:
        with Conn(host, port) as c:
            c.login(user, os.environ.get("PGPASSWORD", ""), dbname)
    except ServerError as e:
        print(f"ErrorResponse: severity={e.fields.get('S', '?')} SQLSTATE={e.sqlstate} message={e.text!r}"
              + (f" detail={e.fields['D']!r}" if "D" in e.fields else ""))
        return 1
    print("login ok")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
