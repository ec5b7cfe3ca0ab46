#!/usr/bin/env python3
"""Writes the seed corpus fuzz/jwks/corpus/ (deterministic). The first byte of a seed picks
the parser (see jwks_driver.h): 0 = JWKS, 1 = discovery document, 2 = URL. Seeds named
accept_* must be accepted, the others refused (tests/unit/identity/jwks_corpus_test.cpp).
The valid JWKS is the one of fuzz/jwt (its keys are real). Run: python3 fuzz/jwks/make_seeds.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUER = "https://idp.example.com/realms/agents"


def discovery(**over):
    doc = {
        "issuer": ISSUER,
        "authorization_endpoint": ISSUER + "/protocol/openid-connect/auth",
        "token_endpoint": ISSUER + "/protocol/openid-connect/token",
        "jwks_uri": ISSUER + "/protocol/openid-connect/certs",
        "response_types_supported": ["code", "id_token", "token id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
    }
    for k, v in over.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return b"\x01" + json.dumps(doc).encode()


def main():
    with open(os.path.join(HERE, "..", "jwt", "corpus", "jwks_ok"), "rb") as f:
        jwks_ok = f.read()
    seeds = {
        "accept_jwks": jwks_ok,
        "jwks_garbage": b"\x00<html>502 Bad Gateway</html>",
        "jwks_keys_not_array": b'\x00{"keys":{"kty":"EC"}}',
        "jwks_truncated": jwks_ok[: len(jwks_ok) // 2],
        "accept_discovery": discovery(),
        "accept_discovery_loopback_jwks": discovery(jwks_uri="http://127.0.0.1:8080/certs"),
        "discovery_wrong_issuer": discovery(issuer="https://evil.example.com/realms/agents"),
        "discovery_trailing_slash": discovery(issuer=ISSUER + "/"),
        "discovery_no_jwks_uri": discovery(jwks_uri=None),
        "discovery_ftp_jwks_uri": discovery(jwks_uri="ftp://idp.example.com/certs"),
        "discovery_userinfo_jwks_uri": discovery(jwks_uri="https://a:b@idp.example.com/certs"),
        "discovery_duplicate_issuer": b'\x01{"issuer":"%s","issuer":"x","jwks_uri":"https://x/"}'
        % ISSUER.encode(),
        "discovery_not_json": b"\x01<html>Sign in</html>",
        "accept_url_https": b"\x02https://idp.example.com:8443/realms/a/certs?x=1",
        "accept_url_ipv6": b"\x02http://[::1]:8080/jwks",
        "url_bad_port": b"\x02https://idp.example.com:99999/",
        "url_fragment": b"\x02https://idp.example.com/certs#k",
        "url_space": b"\x02https://idp.example.com/a b",
    }
    d = os.path.join(HERE, "corpus")
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
