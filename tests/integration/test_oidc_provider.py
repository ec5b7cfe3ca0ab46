"""The OpenID test fixtures themselves (oidc.py, oidc/provider.mjs): no gatehouse involved."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from cryptography.exceptions import InvalidSignature

import oidc


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


def test_discovery_and_jwks(oidc_provider, oidc_key):
    d = oidc_provider.discovery()
    assert d["issuer"] == oidc_provider.issuer == f"http://127.0.0.1:{oidc_provider.port}"
    assert d["jwks_uri"] == oidc_provider.jwks_uri
    assert d["token_endpoint"] == oidc_provider.token_endpoint
    assert "client_credentials" in d["grant_types_supported"]
    keys = oidc_provider.jwks()["keys"]
    assert len(keys) == 1
    expected = oidc.public_jwk(oidc_key.key, oidc_key.kid)
    assert {k: keys[0][k] for k in ("kty", "kid", "alg", "n", "e")} == \
        {k: expected[k] for k in ("kty", "kid", "alg", "n", "e")}
    assert not {"d", "p", "q", "dp", "dq", "qi"} & keys[0].keys(), "private members published"


def test_token_claims(oidc_provider, oidc_key):
    before = int(time.time())
    resp = oidc_provider.token_response()
    assert resp["token_type"] == "Bearer" and resp["expires_in"] == 300
    header, p = oidc.verify_jwt(resp["access_token"], oidc_key.key)
    assert header == {"alg": "RS256", "typ": "at+jwt", "kid": oidc_key.kid}
    assert p["iss"] == oidc_provider.issuer
    assert p["aud"] == oidc.AUDIENCE == "gatehouse"
    assert p["sub"] == p["client_id"] == "agent"
    assert p[oidc.GROUPS_CLAIM] == ["data-agents"]
    assert p["realm_access"] == {"roles": ["realm-agents"]}
    assert before - 5 <= p["iat"] <= time.time() + 5
    assert p["exp"] - p["iat"] == 300
    assert "nbf" not in p and "scope" not in p
    assert oidc.verify_jwt(oidc_provider.token(scope="gatehouse"), oidc_key.key)[1]["scope"] == "gatehouse"


def test_other_client_other_audience_and_errors(oidc_provider, oidc_key):
    _, p = oidc.verify_jwt(oidc_provider.token("other-agent"), oidc_key.key)
    assert p["sub"] == "other-agent" and p["groups"] == ["other"] and p["realm_access"]["roles"] == ["realm-other"]
    assert p["aud"] == "gatehouse"
    _, p = oidc.decode_jwt(oidc_provider.token(resource=oidc.OTHER_RESOURCE))
    assert p["aud"] == oidc.OTHER_AUDIENCE
    # No resource parameter: the provider defaults to urn:gatehouse.
    assert oidc.decode_jwt(oidc_provider.token(resource=None))[1]["aud"] == oidc.AUDIENCE
    with pytest.raises(oidc.OidcError) as e:
        oidc_provider.token("agent", "wrong-secret")
    assert e.value.status == 401 and json.loads(e.value.body)["error"] == "invalid_client"
    with pytest.raises(oidc.OidcError) as e:
        oidc_provider.token(resource="urn:unknown")
    assert e.value.status == 400 and json.loads(e.value.body)["error"] == "invalid_target"


def test_short_lived_tokens(oidc_provider):
    resp = oidc_provider.token_response("short-agent")
    assert resp["expires_in"] == 2
    _, p = oidc.decode_jwt(resp["access_token"])
    assert p["exp"] - p["iat"] == 2 and p["groups"] == ["data-agents"]


def test_restart_rotates_key_on_same_issuer(oidc_factory):
    k1, k2 = oidc_factory.key("rot-1"), oidc_factory.key("rot-2")
    op = oidc_factory.start(k1, token_ttl=5)
    issuer = op.issuer
    h, p = oidc.verify_jwt(op.token(), k1.key)
    assert h["kid"] == "rot-1" and p["exp"] - p["iat"] == 5

    op.restart(k2)
    assert op.issuer == issuer and op.signing_key is k2 and op.starts == 2
    assert [k["kid"] for k in op.jwks()["keys"]] == ["rot-2"]
    token = op.token()
    assert oidc.decode_jwt(token)[0]["kid"] == "rot-2"
    oidc.verify_jwt(token, k2.key)
    with pytest.raises(InvalidSignature):
        oidc.verify_jwt(token, k1.key)
    assert oidc.decode_jwt(token)[1]["exp"] - oidc.decode_jwt(token)[1]["iat"] == 5  # settings kept

    # Overlap: both keys published, the first one signs.
    both = oidc.write_jwks(oidc_factory.root / "both.jwks.json", [(k1.key, k1.kid), (k2.key, k2.kid)])
    op.restart(both)
    assert [k["kid"] for k in op.jwks()["keys"]] == ["rot-1", "rot-2"]
    assert oidc.decode_jwt(op.token())[0]["kid"] == "rot-1"
    assert op.stop() == 0, "provider must exit 0 on SIGTERM"


def test_ec_provider(oidc_factory):
    key = oidc_factory.key("ec-1", kind="ec")
    op = oidc_factory.start(key)
    assert op.jwks()["keys"][0]["crv"] == "P-256"
    h, p = oidc.verify_jwt(op.token(), key.key)
    assert h["alg"] == "ES256" and h["kid"] == "ec-1" and p["aud"] == "gatehouse"


def test_crafted_tokens(oidc_key):
    rsa, ec_key = oidc_key.key, oidc.new_ec_key()
    c = oidc.claims("http://127.0.0.1:1", groups=["g1"], exp_in=-60, nbf_in=30, sub="s1",
                    realm_access={"roles": ["r"]})
    now = time.time()
    assert c["iss"] == "http://127.0.0.1:1" and c["aud"] == "gatehouse" and c["groups"] == ["g1"]
    assert c["exp"] < now < c["nbf"] and c["sub"] == c["client_id"] == "s1" and c["realm_access"]["roles"] == ["r"]
    bare = oidc.claims(None, audience=None, groups=None, exp_in=None, iat_in=None, sub=None)
    assert set(bare) == {"jti"}
    assert oidc.claims("i", audience=["a", "b"])["aud"] == ["a", "b"]

    for key, alg in ((rsa, "RS256"), (ec_key, "ES256"), (rsa, "PS256"), (rsa, "RS512")):
        t = oidc.sign_jwt({"alg": alg, "kid": "x"}, c, key)
        assert oidc.verify_jwt(t, key) == ({"alg": alg, "kid": "x"}, c)
    assert oidc.decode_jwt(oidc.make_token(c, ec_key, kid="e"))[0] == {"alg": "ES256", "typ": "JWT", "kid": "e"}
    assert len(oidc.sign_jwt({"alg": "ES256"}, c, ec_key).split(".")[2]) == 86  # raw r||s, 64 bytes

    pem = oidc.public_pem(rsa)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    t = oidc.hs256_with_public_key(c, pem, kid=oidc_key.kid)
    assert oidc.decode_jwt(t)[0] == {"alg": "HS256", "typ": "JWT", "kid": oidc_key.kid}
    oidc.verify_jwt(t, pem)
    assert oidc.hs256_with_public_key(c, rsa.public_key(), kid=oidc_key.kid) == t  # key object -> same PEM
    with pytest.raises(InvalidSignature):
        oidc.verify_jwt(t, pem.rstrip(b"\n"))  # the exact bytes matter
    t = oidc.alg_none(c)
    assert t.endswith(".") and oidc.decode_jwt(t) == ({"alg": "none", "typ": "JWT"}, c)
    assert oidc.decode_jwt(oidc.alg_none(c, alg="NONE"))[0]["alg"] == "NONE"
    raw = oidc.sign_jwt({"alg": "RS256"}, b"not json", rsa)
    assert oidc.b64url_decode(raw.split(".")[1]) == b"not json"


def test_garbage_jwks_server(garbage_jwks):
    status, _, body = _get(garbage_jwks.issuer + "/.well-known/openid-configuration")
    d = json.loads(body)
    assert status == 200 and d["issuer"] == garbage_jwks.issuer and d["jwks_uri"] == garbage_jwks.jwks_uri
    status, ctype, body = _get(garbage_jwks.jwks_uri)
    assert status == 200 and ctype == "application/json"
    with pytest.raises(ValueError):
        json.loads(body)
    garbage_jwks.jwks_body = json.dumps(oidc.public_jwks([(oidc.new_ec_key(), "e1")]))
    assert json.loads(_get(garbage_jwks.jwks_uri)[2])["keys"][0]["kid"] == "e1"
    assert garbage_jwks.hits == {"/.well-known/openid-configuration": 1, "/jwks": 2}
