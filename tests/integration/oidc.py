"""OpenID Connect for the integration tests: a real OpenID provider (oidc-provider under node,
see oidc/provider.mjs), keys, token crafting for attack tests, and a fake issuer whose JWKS
endpoint serves whatever a test wants (garbage by default).

The provider (`OidcProvider`) issues client-credentials access tokens:

  issuer      http://127.0.0.1:<port>
  audience    "gatehouse" (AUDIENCE; resource indicator RESOURCE = "urn:gatehouse", the default)
              "other-service" for resource OTHER_RESOURCE = "urn:other-service"
  header      {"alg": "RS256" | "ES256", "typ": "at+jwt", "kid": <kid of the first key in the JWKS file>}
  claims      iss, aud (a string), sub (= client id), client_id, iat, exp, jti, scope (only when
              asked for), groups (list), realm_access.roles (list) -- see CLIENTS
  lifetime    token_ttl seconds (default 300); client "short-agent" gets short_ttl (default 2)

Everything here uses the standard library plus Debian's python3-cryptography.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

import harness

OIDC_DIR = Path(__file__).resolve().parent / "oidc"

AUDIENCE = "gatehouse"
RESOURCE = "urn:gatehouse"
OTHER_AUDIENCE = "other-service"
OTHER_RESOURCE = "urn:other-service"

GROUPS_CLAIM = "groups"                 # top-level list of group names
NESTED_ROLES_CLAIM = "realm_access.roles"  # nested list, for claim-path tests

# client id -> (secret, groups, realm_access.roles); mirrors CLIENT_CLAIMS in provider.mjs.
CLIENTS = {
    "agent": ("agent-secret", ["data-agents"], ["realm-agents"]),
    "other-agent": ("other-agent-secret", ["other"], ["realm-other"]),
    "short-agent": ("short-agent-secret", ["data-agents"], ["realm-agents"]),  # short_ttl tokens
}


class OidcError(RuntimeError):
    """A failed request to the provider; `status` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, status: int = 0, body: str = ""):
        super().__init__(message)
        self.status, self.body = status, body


# ---------------------------------------------------------------- base64url, JWK, JWKS files


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _uint(i: int, length: int | None = None) -> str:
    return b64url(i.to_bytes(length or max(1, (i.bit_length() + 7) // 8), "big"))


_EC_CURVES = {"secp256r1": ("P-256", "ES256", 32), "secp384r1": ("P-384", "ES384", 48),
              "secp521r1": ("P-521", "ES512", 66)}


def default_alg(key) -> str:
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RS256"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return _EC_CURVES[key.curve.name][1]
    if isinstance(key, (bytes, str)):
        return "HS256"
    raise TypeError(f"unsupported key {type(key).__name__}")


def public_jwk(key, kid: str, alg: str | None = None) -> dict:
    """The public JWK (kty, use, kid, alg, n/e or crv/x/y) of a private or public key."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers()
        jwk = {"kty": "RSA", "n": _uint(n.n), "e": _uint(n.e)}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        crv, _, size = _EC_CURVES[pub.curve.name]
        n = pub.public_numbers()
        jwk = {"kty": "EC", "crv": crv, "x": _uint(n.x, size), "y": _uint(n.y, size)}
    else:
        raise TypeError(f"unsupported key {type(key).__name__}")
    return {**jwk, "use": "sig", "kid": kid, "alg": alg or default_alg(pub)}


def private_jwk(key, kid: str, alg: str | None = None) -> dict:
    """The private JWK (public members plus d, and p/q/dp/dq/qi for RSA) of a private key."""
    jwk = public_jwk(key, kid, alg)
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        jwk.update(d=_uint(n.d), p=_uint(n.p), q=_uint(n.q), dp=_uint(n.dmp1), dq=_uint(n.dmq1),
                   qi=_uint(n.iqmp))
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        jwk["d"] = _uint(key.private_numbers().private_value, _EC_CURVES[key.curve.name][2])
    else:
        raise TypeError(f"not a private key: {type(key).__name__}")
    return jwk


def write_jwks(path: Path, keys: Iterable[tuple[Any, str]]) -> Path:
    """Writes a private JWKS file of (private key, kid) pairs. The provider signs with the
    first key and publishes all of them (e.g. [(new, "k2"), (old, "k1")] for a rotation overlap)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"keys": [private_jwk(k, kid) for k, kid in keys]}, indent=1) + "\n")
    path.chmod(0o600)
    return path


def public_jwks(keys: Iterable[tuple[Any, str]]) -> dict:
    """A public JWKS document ({"keys": [...]}) for (key, kid) pairs."""
    return {"keys": [public_jwk(k, kid) for k, kid in keys]}


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def new_ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_rsa_jwks(path: Path, kid: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """A new RSA key (RS256) written as a one-key private JWKS file; returns the private key."""
    key = new_rsa_key(bits)
    write_jwks(path, [(key, kid)])
    return key


def make_ec_jwks(path: Path, kid: str) -> ec.EllipticCurvePrivateKey:
    """A new EC P-256 key (ES256) written as a one-key private JWKS file; returns the private key."""
    key = new_ec_key()
    write_jwks(path, [(key, kid)])
    return key


def public_pem(key) -> bytes:
    """SubjectPublicKeyInfo PEM of a (private or public) key -- what an HS256 confusion attack uses."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


_public_pem = public_pem


# ---------------------------------------------------------------- JWS signing and decoding

_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def _json_b64(obj) -> str:
    if isinstance(obj, (bytes, bytearray)):
        return b64url(bytes(obj))
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def _sign(alg: str, key, data: bytes) -> bytes:
    fam, bits = alg[:2], alg[2:]
    if alg.lower() == "none":
        return b""
    if bits not in _HASHES:
        raise ValueError(f"unsupported alg {alg!r}")
    h = _HASHES[bits]()
    if fam == "HS":
        secret = key.encode() if isinstance(key, str) else bytes(key)
        return hmac.new(secret, data, getattr(hashlib, h.name)).digest()
    if fam == "RS":
        return key.sign(data, padding.PKCS1v15(), h)
    if fam == "PS":
        return key.sign(data, padding.PSS(padding.MGF1(h), h.digest_size), h)
    if fam == "ES":
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(h)))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise ValueError(f"unsupported alg {alg!r}")


def sign_jwt(header: dict, payload: dict | bytes, key) -> str:
    """A compact JWS. header["alg"] picks the algorithm (RS/PS/ES/HS 256/384/512 or "none");
    when absent it is filled in from the key (RS256 for RSA, ES256 for P-256, HS256 for bytes).
    `key` is a cryptography private key, or bytes/str for HS*. A bytes payload is used verbatim
    (for malformed-payload tests); a dict is serialised as compact JSON."""
    header = dict(header)
    header.setdefault("alg", default_alg(key))
    signing_input = f"{_json_b64(header)}.{_json_b64(payload)}".encode()
    return f"{signing_input.decode()}.{b64url(_sign(header['alg'], key, signing_input))}"


def make_token(payload: dict, key, kid: str | None = None, alg: str | None = None, typ: str = "JWT",
               **header_extra) -> str:
    """sign_jwt with the usual header {"alg", "typ", "kid"} (kid/typ omitted when None)."""
    header = {"alg": alg or default_alg(key)}
    if typ is not None:
        header["typ"] = typ
    if kid is not None:
        header["kid"] = kid
    header.update(header_extra)
    return sign_jwt(header, payload, key)


def hs256_with_public_key(payload: dict, public_pem: bytes | str | Any, kid: str | None = None) -> str:
    """The algorithm-confusion attack: an HS256 token whose HMAC secret is the issuer's PUBLIC
    key PEM (exactly the bytes given; pass a key object to use its SubjectPublicKeyInfo PEM)."""
    if not isinstance(public_pem, (bytes, str)):
        public_pem = _public_pem(public_pem)
    secret = public_pem.encode() if isinstance(public_pem, str) else public_pem
    return make_token(payload, secret, kid=kid, alg="HS256")


def alg_none(payload: dict, kid: str | None = None, alg: str = "none") -> str:
    """An unsigned token "<header>.<payload>." (alg "none"; pass alg="None"/"NONE" for variants)."""
    return make_token(payload, b"", kid=kid, alg=alg)


def decode_jwt(token: str) -> tuple[dict, dict]:
    """(header, payload) of a compact JWS, WITHOUT verifying anything."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(f"not a compact JWS ({len(parts)} parts)")
    return json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))


def verify_jwt(token: str, key) -> tuple[dict, dict]:
    """(header, payload) after checking the signature with a public/private key (RS/PS/ES) or
    an HMAC secret (HS); raises InvalidSignature. Claims (exp, aud, ...) are NOT checked."""
    header, payload = decode_jwt(token)
    h64, p64, s64 = token.split(".")
    data, sig, alg = f"{h64}.{p64}".encode(), b64url_decode(s64), header["alg"]
    fam, h = alg[:2], _HASHES[alg[2:]]()
    pub = key.public_key() if hasattr(key, "public_key") else key
    if fam == "HS":
        if not hmac.compare_digest(_sign(alg, key, data), sig):
            raise InvalidSignature("HMAC mismatch")
    elif fam == "RS":
        pub.verify(sig, data, padding.PKCS1v15(), h)
    elif fam == "PS":
        pub.verify(sig, data, padding.PSS(padding.MGF1(h), h.digest_size), h)
    elif fam == "ES":
        size = len(sig) // 2
        der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
        pub.verify(der, data, ec.ECDSA(h))
    else:
        raise InvalidSignature(f"alg {alg!r} is not verifiable")
    return header, payload


def claims(issuer: str | None, audience: str | list[str] | None = AUDIENCE,
           groups: Iterable[str] | None = ("data-agents",), *, exp_in: float | None = 300,
           nbf_in: float | None = None, iat_in: float | None = 0, sub: str | None = "agent",
           now: float | None = None, **extra) -> dict:
    """A token payload like the provider's. Times are relative to now (seconds; negative = past):
    exp_in=-60 is expired, nbf_in=60 is not yet valid. None leaves a claim out (issuer, audience,
    groups, exp, iat, sub). `extra` adds/overrides claims, e.g. realm_access={"roles": [...]}."""
    t = int(time.time() if now is None else now)
    p: dict[str, Any] = {}
    if issuer is not None:
        p["iss"] = issuer
    if sub is not None:
        p["sub"] = sub
        p["client_id"] = sub
    if audience is not None:
        p["aud"] = audience if isinstance(audience, str) else list(audience)
    if iat_in is not None:
        p["iat"] = int(t + iat_in)
    if nbf_in is not None:
        p["nbf"] = int(t + nbf_in)
    if exp_in is not None:
        p["exp"] = int(t + exp_in)
    if groups is not None:
        p[GROUPS_CLAIM] = list(groups)
    p["jti"] = uuid.uuid4().hex
    p.update(extra)
    return p


# ---------------------------------------------------------------- the real provider


@dataclass
class OidcKey:
    """A signing key: the private key object, its kid and the private JWKS file holding it."""

    key: Any
    kid: str
    path: Path

    @property
    def public_pem(self) -> bytes:
        return public_pem(self.key)


_READY_RE = re.compile(r"^ready (http://\S+)$", re.M)


def _http_json(url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 10) -> dict:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read().decode(errors="replace")
            status = r.status
    except urllib.error.HTTPError as e:
        body = e.read().decode(errors="replace")
        raise OidcError(f"{url}: HTTP {e.code}: {body}", e.code, body) from None
    except OSError as e:
        raise OidcError(f"{url}: {e}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise OidcError(f"{url}: HTTP {status}, not JSON: {body[:200]!r}", status, body) from None


@dataclass
class OidcProvider:
    """oidc/provider.mjs as a child process. Logs (its stdout and stderr) go to dir/provider.log.
    `signing_key` is the OidcKey it signs with, when it was started from one (not from a path)."""

    dir: Path
    port: int = 0
    jwks_path: Path | None = None
    signing_key: OidcKey | None = None
    token_ttl: int = 300
    short_ttl: int = 2
    alg: str | None = None
    proc: subprocess.Popen | None = None
    issuer: str = ""
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.dir / "provider.log"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self, port: int | None = None, jwks_path: OidcKey | Path | None = None, token_ttl: int | None = None,
              short_ttl: int | None = None, alg: str | None = None, timeout: float = 20) -> "OidcProvider":
        """Starts the provider (port 0: a free one, kept for later restarts). jwks_path: a private
        JWKS file, or an OidcKey (then also remembered as signing_key)."""
        if self.alive():
            raise RuntimeError("OIDC provider already running")
        if port is not None:
            self.port = port
        if isinstance(jwks_path, OidcKey):
            self.signing_key, self.jwks_path = jwks_path, jwks_path.path
        elif jwks_path is not None:
            self.signing_key, self.jwks_path = None, Path(jwks_path)
        if token_ttl is not None:
            self.token_ttl = token_ttl
        if short_ttl is not None:
            self.short_ttl = short_ttl
        if alg is not None:
            self.alg = alg
        if self.jwks_path is None:
            raise ValueError("jwks_path is required")
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node not found: run scripts/install-deps.sh")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(f"{OIDC_DIR}/node_modules missing: run scripts/install-test-clients.sh")
        self.dir.mkdir(parents=True, exist_ok=True)
        cmd = [node, str(OIDC_DIR / "provider.mjs"), "--port", str(self.port), "--jwks", str(self.jwks_path),
               "--ttl", str(self.token_ttl), "--short-ttl", str(self.short_ttl)]
        if self.alg:
            cmd += ["--alg", self.alg]
        with open(self.log, "ab") as logf:
            logf.write(f"===== start {' '.join(cmd[1:])}\n".encode())
            logf.flush()
            offset = logf.tell()
            self.proc = subprocess.Popen(cmd, cwd=OIDC_DIR, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                         preexec_fn=harness._die_with_parent(signal.SIGKILL))
        self.starts += 1

        def ready():
            with open(self.log, "rb") as f:
                f.seek(offset)
                m = _READY_RE.search(f.read().decode(errors="replace"))
            if m:
                return m
            if self.proc.poll() is not None:
                raise RuntimeError(f"OIDC provider exited {self.proc.returncode} during startup:\n"
                                   f"{harness.tail(self.log, 40, offset)}")
            return None

        try:
            m = harness.wait_for(ready, timeout, "the OIDC provider to print 'ready'")
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"OIDC provider not ready within {timeout}s:\n{harness.tail(self.log, 40, offset)}")
        self.issuer = m.group(1)
        self.port = int(self.issuer.rsplit(":", 1)[1])
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10) -> int | None:
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

    def restart(self, jwks_path: OidcKey | Path | None = None, **changes) -> "OidcProvider":
        """Stops and starts again on the SAME port (same issuer), e.g. with a rotated key (an
        OidcKey or a JWKS file; None keeps the current one). `changes`: token_ttl, short_ttl, alg."""
        self.stop()
        return self.start(port=self.port, jwks_path=jwks_path, **changes)

    def __enter__(self) -> "OidcProvider":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def discovery(self) -> dict:
        return _http_json(self.discovery_url)

    def jwks(self) -> dict:
        return _http_json(self.jwks_uri)

    def token_response(self, client: str = "agent", secret: str | None = None, resource: str | None = RESOURCE,
                       scope: str | None = None) -> dict:
        """The JSON answer of a client-credentials request (secret defaults to CLIENTS[client])."""
        if secret is None:
            secret = CLIENTS[client][0] if client in CLIENTS else ""
        form = {"grant_type": "client_credentials"}
        if resource is not None:
            form["resource"] = resource
        if scope is not None:
            form["scope"] = scope
        basic = base64.b64encode(
            f"{urllib.parse.quote(client, safe='')}:{urllib.parse.quote(secret, safe='')}".encode()).decode()
        try:
            return _http_json(self.token_endpoint, urllib.parse.urlencode(form).encode(),
                              {"Authorization": f"Basic {basic}",
                               "Content-Type": "application/x-www-form-urlencoded"})
        except OidcError as e:
            raise OidcError(f"{e}\n--- provider log:\n{harness.tail(self.log, 20)}", e.status, e.body) from None

    def token(self, client: str = "agent", secret: str | None = None, resource: str | None = RESOURCE,
              scope: str | None = None) -> str:
        """A fresh access token (JWT) by a real client-credentials request."""
        return self.token_response(client, secret, resource, scope)["access_token"]


# ---------------------------------------------------------------- a fake issuer with a bad JWKS


class GarbageJwksServer:
    """A tiny HTTP server on 127.0.0.1 acting as issuer http://127.0.0.1:<port>: its discovery
    document is valid and points jwks_uri at /jwks, which answers `jwks_body` (garbage, not
    JSON, by default) with `jwks_status` and `content_type` after `delay` seconds. All four may
    be changed while it runs (e.g. jwks_body = json.dumps(public_jwks(...)) to serve a real
    JWKS). `hits` counts requests per path."""

    DEFAULT_BODY = b"<html><body>502 this is not a JWKS {{{</body></html>\x00\xff"

    def __init__(self, jwks_body: bytes | str = DEFAULT_BODY, jwks_status: int = 200,
                 content_type: str = "application/json", delay: float = 0.0):
        self.jwks_body, self.jwks_status, self.content_type, self.delay = jwks_body, jwks_status, content_type, delay
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                path = self.path.split("?", 1)[0]
                with outer._lock:
                    outer.hits[path] = outer.hits.get(path, 0) + 1
                if path == "/.well-known/openid-configuration":
                    body, status, ctype = json.dumps(outer.discovery()).encode(), 200, "application/json"
                elif path == "/jwks":
                    if outer.delay:
                        time.sleep(outer.delay)
                    body = outer.jwks_body.encode() if isinstance(outer.jwks_body, str) else outer.jwks_body
                    status, ctype = outer.jwks_status, outer.content_type
                else:
                    body, status, ctype = b'{"error":"not_found"}', 404, "application/json"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (e.g. its timeout during `delay`)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks"

    def discovery(self) -> dict:
        return {"issuer": self.issuer, "jwks_uri": self.jwks_uri, "token_endpoint": f"{self.issuer}/token",
                "id_token_signing_alg_values_supported": ["RS256", "ES256"]}

    def start(self) -> "GarbageJwksServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="garbage-jwks",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "GarbageJwksServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------- pytest fixtures
# conftest.py imports these (they resolve `it_root` from it, so GH_IT_KEEP=1 keeps the logs).


@dataclass
class OidcProviderFactory:
    """Makes providers (and keys) under `root`; stops every provider it started at close()."""

    root: Path
    made: list[OidcProvider] = field(default_factory=list)
    count: int = 0

    def key(self, kid: str, kind: str = "rsa") -> OidcKey:
        """A new key in its own JWKS file (kind "rsa" -> RS256, "ec" -> ES256)."""
        self.count += 1
        path = self.root / f"keys-{self.count}-{kid}.jwks.json"
        key = make_rsa_jwks(path, kid) if kind == "rsa" else make_ec_jwks(path, kid)
        return OidcKey(key, kid, path)

    def start(self, key: OidcKey | Path, port: int = 0, token_ttl: int = 300, short_ttl: int = 2,
              name: str = "op") -> OidcProvider:
        self.count += 1
        p = OidcProvider(self.root / f"{name}-{self.count}")
        self.made.append(p)
        return p.start(port, key, token_ttl=token_ttl, short_ttl=short_ttl)

    def close(self) -> None:
        for p in self.made:
            p.stop()


@pytest.fixture(scope="session")
def oidc_factory_session(it_root):
    f = OidcProviderFactory(it_root / "oidc")
    yield f
    f.close()


@pytest.fixture(scope="session")
def oidc_key(oidc_factory_session) -> OidcKey:
    """The session provider's RSA signing key (kid "it-rsa-1")."""
    return oidc_factory_session.key("it-rsa-1")


@pytest.fixture(scope="session")
def oidc_provider(oidc_factory_session, oidc_key) -> OidcProvider:
    """One provider for the whole run (RS256, kid "it-rsa-1", 300 s tokens, short-agent 2 s).
    Do not restart it with another key: use oidc_factory for rotation tests."""
    p = oidc_factory_session.start(oidc_key, name="session")
    return p


@pytest.fixture
def oidc_factory(it_root, request):
    """Function-scoped: providers started with it are stopped when the test ends."""
    f = OidcProviderFactory(it_root / "oidc" / re.sub(r"[^\w.-]+", "_", request.node.name)[:60])
    yield f
    f.close()


@pytest.fixture
def garbage_jwks():
    """A started GarbageJwksServer, stopped after the test."""
    with GarbageJwksServer() as s:
        yield s
