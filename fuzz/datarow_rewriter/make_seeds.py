#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_datarow_rewriter (fuzz/datarow_rewriter/corpus/).

Deterministic; written independently of the C++ code. Input layout (see target.cpp):
mode byte, plan column count, one byte per column, then a DataRow body or CopyData payload.
Run from anywhere: python3 fuzz/datarow_rewriter/make_seeds.py
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

PASS, MASK, DETECT = 0, 1, 2
REDACT, FIRST, LAST, HASH, NULL = 0, 1, 2, 3, 4
BINARY, TEXT_TYPE, KEEP4 = 0x20, 0x40, 0x80

DATAROW, COPY, CSV, HEADER, SEMI = 0, 1, 2, 4, 8


def col(action, style=REDACT, flags=TEXT_TYPE):
    return action | (style << 2) | flags


def row(values):
    b = struct.pack("!h", len(values))
    for v in values:
        if v is None:
            b += struct.pack("!i", -1)
        else:
            v = v.encode() if isinstance(v, str) else v
            b += struct.pack("!i", len(v)) + v
    return b


def seed(mode, cols, body):
    return bytes([mode, len(cols)] + cols) + body


def write(name, data):
    with open(os.path.join(CORPUS, name), "wb") as f:
        f.write(data)


CUSTOMER = ["81259", "Alice Example", "alice@example.com", "123-45-6789",
            "2024-02-29 12:34:56+00", "active"]
TWO_OF_SIX = [col(PASS), col(PASS), col(MASK, HASH), col(MASK, LAST, TEXT_TYPE | KEEP4),
              col(PASS), col(PASS)]


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    os.makedirs(CORPUS)
    # DataRows.
    write("row_no_plan", seed(DATAROW, [], row(CUSTOMER)))
    write("row_two_of_six", seed(DATAROW, TWO_OF_SIX, row(CUSTOMER)))
    write("row_nulls", seed(DATAROW, TWO_OF_SIX, row(CUSTOMER[:2] + [None, None] + CUSTOMER[4:])))
    write("row_empty_values", seed(DATAROW, [col(MASK), col(MASK, FIRST), col(MASK, HASH)],
                                   row(["", "", ""])))
    write("row_null_style", seed(DATAROW, [col(PASS), col(MASK, NULL)], row(["a", "secret"])))
    write("row_binary", seed(DATAROW, [col(MASK, LAST, BINARY), col(MASK, LAST, BINARY | TEXT_TYPE)],
                             row([struct.pack("!q", 123456789), "binary text"])))
    write("row_utf8", seed(DATAROW, [col(MASK, FIRST, TEXT_TYPE | KEEP4), col(MASK, LAST)],
                           row(["Zoë Müller", "東京都千代田区😀"])))
    write("row_invalid_utf8", seed(DATAROW, [col(MASK, LAST, TEXT_TYPE | KEEP4)],
                                   row([b"ab\xe6\x97\xc0\xaf\xed\xa0\x80\xff"])))
    write("row_detect_text", seed(DATAROW, [col(PASS), col(DETECT)],
                                  row(["1", "card 4111 1111 1111 1111 for alice@example.com"])))
    write("row_detect_secrets", seed(DATAROW, [col(DETECT, LAST, TEXT_TYPE | KEEP4), col(DETECT, HASH)],
                                     row(["ssn 123-45-6789, tel +1 212 555 0123, "
                                          "IBAN DE89 3704 0044 0532 0130 00",
                                          "key AKIAIOSFODNN7EXAMPLE jwt "
                                          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                                          "eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc"])))
    write("row_detect_pem", seed(DATAROW, [col(DETECT)],
                                 row(["-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34\n"
                                      "-----END RSA PRIVATE KEY-----"])))
    write("row_detect_lookalikes", seed(DATAROW, [col(DETECT)] * 4,
                                        row(["2024-02-29T23:59:59Z",
                                             "550e8400-e29b-41d4-a716-446655440000",
                                             "4111111111111112", "logo@2x.png"])))
    write("row_zero_columns", seed(DATAROW, [], row([])))
    write("row_many_columns", seed(DATAROW, [col(MASK)] * 15, row([str(i) for i in range(15)])))
    # Malformed DataRows.
    good = row(CUSTOMER)
    write("bad_truncated", seed(DATAROW, TWO_OF_SIX, good[:len(good) // 2]))
    write("bad_trailing", seed(DATAROW, TWO_OF_SIX, good + b"x"))
    write("bad_negative_count", seed(DATAROW, [], b"\xff\xfe"))
    write("bad_length_minus2", seed(DATAROW, [col(MASK)], struct.pack("!hi", 1, -2)))
    write("bad_length_huge", seed(DATAROW, [col(MASK)], struct.pack("!hi", 1, 0x7FFFFFFF) + b"x"))
    write("bad_count_mismatch", seed(DATAROW, [col(MASK)] * 2, row(["a", "b", "c"])))
    write("bad_empty", seed(DATAROW, [col(MASK)], b""))
    # COPY text.
    text_plan = [col(PASS), col(MASK), col(MASK, LAST, TEXT_TYPE | KEEP4)]
    write("copy_text", seed(COPY, text_plan, b"1\talice@example.com\t123-45-6789\n"))
    write("copy_text_rows", seed(COPY, text_plan, b"1\ta\tb\n2\tc\t\\N\n3\t\\N\t\\N\n"))
    write("copy_text_escapes", seed(COPY, [col(MASK, FIRST, TEXT_TYPE | KEEP4)],
                                    b"a\\tb\\\\c\\ndef\\101\\x42\\\n\n"))
    write("copy_text_detect", seed(COPY, [col(DETECT), col(PASS)],
                                   b"card 4111-1111-1111-1111\tx\nnothing\ty\n"))
    write("copy_text_semicolon", seed(COPY | SEMI, [col(MASK), col(PASS)], b"a\\;b;c\n"))
    write("copy_text_null_style", seed(COPY, [col(MASK, NULL)], b"secret\n"))
    write("copy_text_partial_row", seed(COPY, text_plan, b"1\tsecret"))
    write("copy_text_trailing_escape", seed(COPY, text_plan, b"1\tsecret\\"))
    # COPY CSV.
    csv_plan = [col(PASS), col(MASK, FIRST, TEXT_TYPE | KEEP4), col(PASS)]
    write("copy_csv", seed(COPY | CSV, csv_plan, b'1,alice,x\n2,"a,""b\nxyz",y\n3,,z\n4,"",w\n'))
    write("copy_csv_header", seed(COPY | CSV | HEADER, csv_plan, b"id,name,x\n1,alice,x\n"))
    write("copy_csv_semicolon", seed(COPY | CSV | SEMI, [col(MASK), col(MASK, HASH)],
                                     b'"a;b";"c""d"\n'))
    write("copy_csv_open_quote", seed(COPY | CSV, [col(MASK)], b'"open quote\n'))
    write("copy_csv_after_quote", seed(COPY | CSV, [col(MASK)], b'"ab"cd\n'))
    write("copy_csv_detect", seed(COPY | CSV, [col(DETECT, LAST, TEXT_TYPE | KEEP4)],
                                  b'"mail alice@example.com, ssn 123-45-6789"\n'))


if __name__ == "__main__":
    main()
