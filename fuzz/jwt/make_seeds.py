#!/usr/bin/env python3
"""Writes fuzz/jwt/fuzz_jwks.h and the seed corpus fuzz/jwt/corpus/ (deterministic but for
the ECDSA and PSS signatures, which are randomized).

The keys are test-only: an Ed25519 key and a P-256 key from fixed secrets, and an RSA key
kept below. The first byte of a seed picks the target's mode: 0 = JWKS document,
1 = compact token, 2 = "<header JSON>\n<claims JSON>" signed by the target with the
Ed25519 key. Seeds named ok_* must verify (tests/unit/identity/fuzz_corpus_test.cpp).
Needs python3-cryptography. Run: python3 fuzz/jwt/make_seeds.py
"""
import base64
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))
ED_SEED = hashlib.sha256(b"gatehouse jwt fuzz ed25519").digest()
EC_SECRET = int.from_bytes(hashlib.sha256(b"gatehouse jwt fuzz p256").digest(), "big")
RSA_PEM = b"""-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDZXfPhG63EOB1J
IWboCPPkpkHB5KmjyGnurnO96w6og1JsrUPKf3S5RR3o/udc5igYE8+35RWaP3zD
UdxhH2gLlR26wHU5cU8voDD8WI8wMCz6IgS4Qua9u84XJz+2VXMuWxdnIXRch+kL
ocX4FPv0Gym7Gi06i5mU7Lwjbt3SjEozDA5tVmZPzJuw2jy3j9xkWGr2S6kVZDvu
EKUEOoVBMfeUFSSKboCm95SRNaMQ66F1gZAjZ//oM+/sVE33yX3Zu4VY2seoGyD7
GT/x8cdSTYUfnWoWOZoH64qF6lS91Zgpwe2CquHUSD/dwJlGlA4AuEq4WitTMpcB
hFbf9JNhAgMBAAECggEABORaYTrNM5JzkUeRyvTW9V1LCKe3wYEuENJnCzNjjZtt
WFdixFIk8L2rcB4a26fCklPRe9Zpa4K/MR+nZbMDitLbho4/N9CIUKkf/8aSoWoM
0cErKUZN2Qpld4wD9nDwTM79b7jMZz/io4cBFJBiARhNPVdir3PAcajizUAuY0cc
9bHr8l8pqeoXGfua1bCVqBgPAGtn57NnCB9Zd9H/jxYG9ARVi4W75x7Ij+ndmWBf
u/36kw8teZ2slKcU3gVeqIFjonpca2Thw3gxJb3Ild9mHADCdmg6O4+oQRJssxft
Gdp3qyHc8vTjGeeeUAoqlXKFEHfcv1wLh1cGtcHleQKBgQD4+z6HedhZ4mdbTKSK
3bRQLxSE3DepLKGSqjTOynu+SPENmfCEZ38UqsLyKcEKA8EKBsBDQZqMFbwa+fKk
9pslWHKV+a0vxvJJzflcq/P1+L8dmy9lPy4HmwnjRPvVxOr4MMc4jcr4BTmwCeBq
UUyB4hJn5+48sfrqPjk9MmF3KQKBgQDffpC4CmQdwYIlr5+uHJQANGr8HLZMVM8A
cqXOdUEyDwaytCdvaVi+sS+xOzsWiixm5rsC85evWNxG5JHHA3CLOM5up1EEpx11
jOzeWHsWwXHE9meWq4yBhI5RE0vtep6VoDuUdgXNITPwv661dRlFYxRUI6L+fnuY
EiHzHoZZeQKBgAZsnSlruGxhTh9p89jtbYigHlxrPjhsQWMCZ0hqqxS21xltvmn8
Lag/27XZ4/Q5MpLqp61UlQNGUEs15c/h2RD2nkZGYfSYoonK+cMtYKcZGv1NksR/
A9YIZxHpJsJWSWXMBGfuKK2LnPhw2MyFen7jcWwi7N++C+ZdYqa0lRU5AoGANW5Y
wucZEFQW/VODZWjHqVTezu8+Vflgk8bVBQrbT1BwVYDkfKo+4TgTItf6RGU8QE2h
IA+EkBM6dmhmwaF84ovuLl4p7GbXkCbk6jNVGhedT21pTogsyzoZnCB04o2SJEtu
cwvUTzpE5KWu6wrXw9LwJT1v1k/+1FhhbXI6xGECgYEAsiaKjFJP+0kyVJeQ2KMF
VMsOB8qQ0iX+xLc/rArDnv4MZuf2vHNEbdgjGrfMf8ICk7FWjpjkBA5JxP0PJamW
pZRAJJD8HoSN7VG1zmxPrtxsoM7JAKvMGYoR3Ii7Cd14qn1rka78EXCBX9bt3jt2
GGcW0IZuyq0s+YHhO4mT2eA=
-----END PRIVATE KEY-----
"""
ISSUER = "https://idp.fuzz.example"
AUDIENCE = "gatehouse"
EXP = 4102444800  # 2100-01-01; the target's clock is fixed at 1800000000


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return n.to_bytes(size, "big")


ed = ed25519.Ed25519PrivateKey.from_private_bytes(ED_SEED)
p256 = ec.derive_private_key(EC_SECRET % (2**255), ec.SECP256R1())
rsa_key = serialization.load_pem_private_key(RSA_PEM, None)

ed_raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
p256_nums = p256.public_key().public_numbers()
rsa_nums = rsa_key.public_key().public_numbers()
JWKS = {"keys": [
    {"kty": "OKP", "crv": "Ed25519", "x": b64(ed_raw), "kid": "ed", "alg": "EdDSA", "use": "sig"},
    {"kty": "EC", "crv": "P-256", "x": b64(uint(p256_nums.x, 32)), "y": b64(uint(p256_nums.y, 32)),
     "kid": "p256", "use": "sig"},
    {"kty": "RSA", "n": b64(uint(rsa_nums.n)), "e": b64(uint(rsa_nums.e)), "kid": "rsa"},
    {"kty": "oct", "k": b64(b"not a verification key"), "kid": "hmac"},
]}
JWKS_TEXT = json.dumps(JWKS, separators=(",", ":"))


def sign(alg, data):
    if alg == "EdDSA":
        return ed.sign(data)
    if alg == "ES256":
        r, s = decode_dss_signature(p256.sign(data, ec.ECDSA(hashes.SHA256())))
        return uint(r, 32) + uint(s, 32)
    if alg == "RS256":
        return rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "PS256":
        return rsa_key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    if alg == "HS256":
        return hmac.new(rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            data, hashlib.sha256).digest()
    return b""


def token(alg, kid, claims, header_extra=None):
    header = {"alg": alg, "typ": "JWT", "kid": kid, **(header_extra or {})}
    data = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())).encode()
    return data + b"." + b64(sign(alg, data)).encode()


def claims(**kw):
    c = {"iss": ISSUER, "aud": AUDIENCE, "exp": EXP, "iat": 1700000000, "sub": "agent-1",
         "azp": "fuzz-bot", "realm_access": {"roles": ["data-agents", "ops"]}}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def write_header():
    text = JWKS_TEXT.replace("\\", "\\\\").replace('"', '\\"')
    with open(os.path.join(HERE, "fuzz_jwks.h"), "w") as f:
        f.write("#pragma once\n\n// Generated by fuzz/jwt/make_seeds.py: test-only keys, never "
                "used outside fuzzing and tests.\n\n")
        f.write("namespace gh::identity::fuzz {\n\n")
        f.write('inline constexpr char kIssuer[] = "%s";\n' % ISSUER)
        f.write('inline constexpr char kAudience[] = "%s";\n' % AUDIENCE)
        f.write("inline constexpr long long kNow = 1800000000;\n")
        f.write("// Private Ed25519 seed: the target signs mode-2 inputs with it.\n")
        seed = [", ".join(str(b) for b in ED_SEED[i:i + 16]) for i in (0, 16)]
        f.write("inline constexpr unsigned char kEd25519Seed[32] = {\n    %s,\n    %s};\n" %
                tuple(seed))
        chunks = []
        while text:
            cut = 90
            while text[:cut].endswith("\\"):  # never split an escape
                cut -= 1
            chunks.append(text[:cut])
            text = text[cut:]
        f.write("inline constexpr char kJwks[] =\n%s;\n\n" %
                "\n".join('    "%s"' % c for c in chunks))
        f.write("}  // namespace gh::identity::fuzz\n")


def main():
    write_header()
    corpus = os.path.join(HERE, "corpus")
    os.makedirs(corpus, exist_ok=True)
    seeds = {
        "jwks_ok": b"\x00" + JWKS_TEXT.encode(),
        "jwks_garbage": b"\x00<html>502 Bad Gateway</html>",
        "jwks_bad_ec": b"\x00" + json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA",
                                                       "y": "AA"}]}).encode(),
        "ok_token_eddsa": b"\x01" + token("EdDSA", "ed", claims()),
        "ok_token_es256": b"\x01" + token("ES256", "p256", claims(aud=["x", AUDIENCE])),
        "ok_token_rs256": b"\x01" + token("RS256", "rsa", claims(groups="solo")),
        "ok_token_ps256": b"\x01" + token("PS256", "rsa", claims()),
        "token_alg_none": b"\x01" + token("none", "ed", claims()),
        "token_hs256_confusion": b"\x01" + token("HS256", "rsa", claims()),
        "token_expired": b"\x01" + token("EdDSA", "ed", claims(exp=1700000000)),
        "token_wrong_aud": b"\x01" + token("EdDSA", "ed", claims(aud="other")),
        "token_unknown_kid": b"\x01" + token("EdDSA", "nope", claims()),
        "token_padded": b"\x01" + token("EdDSA", "ed", claims()) + b"==",
        "ok_signed_claims": b"\x02" + json.dumps({"alg": "EdDSA", "kid": "ed"}).encode() + b"\n" +
                            json.dumps(claims(nbf=1700000000.5)).encode(),
        "signed_claims_bad_groups": b"\x02" + b'{"alg":"EdDSA","kid":"ed"}\n' +
                                    json.dumps(claims(realm_access={"roles": [1]})).encode(),
    }
    for name, data in seeds.items():
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
