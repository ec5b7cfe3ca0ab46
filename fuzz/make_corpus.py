#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (fuzz/<name>/corpus/).

Deterministic; written independently of the C++ builders so the seeds are a second
opinion on the wire format. Run from anywhere: python3 fuzz/make_corpus.py
"""
import base64
import hashlib
import hmac
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def msg(t, body=b""):
    return t.encode() + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def i32(v):
    return struct.pack("!i", v)


def untyped(body):
    return struct.pack("!I", len(body) + 4) + body


def write(target, name, data):
    d = os.path.join(HERE, target, "corpus")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame_decoder():
    q = msg("Q", cstr("select 1"))
    write("frame_decoder", "client_simple_query", q + msg("X"))

    parse = msg("P", cstr("s1") + cstr("select $1::int, $2") + u16(2) + u32(23) + u32(25))
    bind = msg("B", cstr("p1") + cstr("s1") + u16(2) + u16(0) + u16(1) + u16(2) +
               i32(2) + b"42" + i32(-1) + u16(1) + u16(0))
    describe = msg("D", b"P" + cstr("p1"))
    execute = msg("E", cstr("p1") + u32(0))
    close = msg("C", b"S" + cstr("s1"))
    write("frame_decoder", "client_extended",
          parse + bind + describe + execute + close + msg("S"))

    def col(name, oid):
        return cstr(name) + u32(16384) + u16(1) + u32(oid) + u16(0xFFFF) + i32(-1) + u16(0)

    rowdesc = msg("T", u16(2) + col("id", 23) + col("email", 25))
    row1 = msg("D", u16(2) + i32(1) + b"1" + i32(17) + b"alice@example.com")
    row2 = msg("D", u16(2) + i32(1) + b"2" + i32(-1))
    write("frame_decoder", "server_result",
          rowdesc + row1 + row2 + msg("C", cstr("SELECT 2")) + msg("Z", b"I"))

    write("frame_decoder", "server_startup",
          msg("R", i32(0)) + msg("S", cstr("server_version") + cstr("15.4")) +
          msg("S", cstr("TimeZone") + cstr("UTC")) + msg("K", u32(4242) + u32(0xDEADBEEF)) +
          msg("Z", b"I"))

    err = msg("E", b"S" + cstr("ERROR") + b"V" + cstr("ERROR") + b"C" + cstr("42501") +
              b"M" + cstr("permission denied") + b"D" + cstr("rule no-drop") + b"\0")
    notice = msg("N", b"S" + cstr("NOTICE") + b"C" + cstr("00000") + b"M" + cstr("held") + b"\0")
    write("frame_decoder", "server_error_notice", err + notice)

    write("frame_decoder", "server_auth_sasl",
          msg("R", i32(10) + cstr("SCRAM-SHA-256") + b"\0") +
          msg("R", i32(11) + b"r=abcdef,s=c2FsdA==,i=4096") +
          msg("R", i32(12) + b"v=AAAA") + msg("R", i32(5) + b"\1\2\3\4"))

    write("frame_decoder", "copy_data", msg("d", b"1\talice\n") + msg("d", b"2\tbob\n") +
          msg("c"))
    write("frame_decoder", "bad_length", q + b"Q" + u32(3))
    write("frame_decoder", "truncated", q + q[:7])
    write("frame_decoder", "rowdesc_absurd_count", msg("T", u16(0xFFFF) + b"abc"))


def startup_packet():
    params = cstr("user") + cstr("alice") + cstr("database") + cstr("orders") + \
        cstr("application_name") + cstr("psql")
    startup = untyped(u32(196608) + params + b"\0")
    write("startup_packet", "startup_v3", startup)
    write("startup_packet", "ssl_then_startup", untyped(u32(80877103)) + startup)
    write("startup_packet", "gssenc", untyped(u32(80877104)))
    write("startup_packet", "cancel", untyped(u32(80877102) + u32(4242) + u32(0xDEADBEEF)))
    write("startup_packet", "protocol_v2", untyped(u32(0x00020000) + b"\0" * 8))
    write("startup_packet", "protocol_v3_2",
          untyped(u32(0x00030002) + cstr("user") + cstr("bob") + cstr("_pq_.x") + cstr("1") +
                  b"\0"))
    write("startup_packet", "unterminated", untyped(u32(196608) + cstr("user") + b"bob"))
    write("startup_packet", "truncated", startup[:20])


# Must match fuzz/scram_client/target.cpp.
PASSWORD = b"fuzz-password"
CLIENT_NONCE = "fuzzclientnonce0000000000"
SERVER_FIRST = "r=fuzzclientnonce0000000000serverpart,s=c2FsdHNhbHRzYWx0c2FsdA==,i=16"


def server_final(server_first):
    attrs = dict(a.split("=", 1) for a in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", PASSWORD, base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    auth = "n=,r=%s,%s,c=biws,r=%s" % (CLIENT_NONCE, server_first, attrs["r"])
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    sig = hmac.new(server_key, auth.encode(), "sha256").digest()
    return "v=" + base64.b64encode(sig).decode()


def scram_client():
    final = server_final(SERVER_FIRST)
    write("scram_client", "valid_exchange", (SERVER_FIRST + "\0" + final).encode())
    write("scram_client", "valid_final_only", final.encode())
    write("scram_client", "server_first_only", SERVER_FIRST.encode())
    write("scram_client", "server_error", (SERVER_FIRST + "\0e=invalid-proof").encode())
    write("scram_client", "wrong_signature",
          (SERVER_FIRST + "\0v=" + "A" * 43 + "=").encode())
    write("scram_client", "bad_nonce",
          b"r=someoneelse,s=c2FsdHNhbHRzYWx0c2FsdA==,i=16\0v=AAAA")
    write("scram_client", "extension",
          (SERVER_FIRST + ",x=ext\0" + final + ",x=ext").encode())


if __name__ == "__main__":
    frame_decoder()
    startup_packet()
    scram_client()
