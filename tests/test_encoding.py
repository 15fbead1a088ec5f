"""Decoding imported files: BOMs, UTF-16, cp1252, line ends, binary garbage."""

from __future__ import annotations

import codecs
import random

import pytest

from citelib.formats.encoding import decode, looks_binary

TEXT = "TY  - JOUR\nAU  - Müller, Jörg\nTI  - Ärzte – “quoted”\nER  - \n"


def test_plain_utf8() -> None:
    assert decode(TEXT.encode("utf-8")) == TEXT


def test_utf8_bom_is_dropped() -> None:
    decoded = decode(codecs.BOM_UTF8 + TEXT.encode("utf-8"))
    assert decoded == TEXT
    assert decoded.startswith("TY  - JOUR")


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_wide_encodings_with_bom(bom: bytes, codec: str) -> None:
    data = bom + TEXT.replace("\n", "\r\n").encode(codec)
    assert decode(data) == TEXT
    assert not looks_binary(data)


def test_cp1252_fallback() -> None:
    assert decode(b"AU  - M\xfcller, J\xf6rg") == "AU  - Müller, Jörg"
    # 0x93/0x94 are curly quotes and 0x96 an en dash in cp1252 (control codes in latin-1).
    assert decode(b"\x93quoted\x94 \x96 1999") == "“quoted” – 1999"


def test_bytes_cp1252_leaves_undefined_fall_back_to_latin1() -> None:
    assert decode(b"caf\xe9 \x81") == "café \x81"


def test_invalid_utf16_after_bom_does_not_raise() -> None:
    assert decode(codecs.BOM_UTF16_LE + b"A\x00\x00\xd8") == "A\ufffd"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\r", "a\nb\n"),
        (b"a\r\n\r\nb\rc\n", "a\n\nb\nc\n"),
        (b"\r\r\n", "\n\n"),
    ],
)
def test_line_ends_normalised(data: bytes, expected: str) -> None:
    assert decode(data) == expected


def test_empty() -> None:
    assert decode(b"") == ""
    assert not looks_binary(b"")


def test_random_bytes_look_binary() -> None:
    rng = random.Random(20240601)
    data = bytes(rng.randrange(256) for _ in range(4096))
    assert looks_binary(data)


def test_binary_formats_look_binary() -> None:
    assert looks_binary(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\x00>>")
    assert looks_binary(b"PK\x03\x04\x14\x00\x06\x00")
    assert looks_binary(bytes(range(1, 32)) * 20)


def test_text_does_not_look_binary() -> None:
    assert not looks_binary(TEXT.encode("utf-8"))
    assert not looks_binary(TEXT.encode("cp1252", errors="replace"))
    assert not looks_binary(b"@article{key,\n\ttitle = {A \x1b[1mbold\x1b[0m title},\n}\n")


def test_nul_late_in_a_large_file_is_still_binary() -> None:
    assert looks_binary(b"x" * 100_000 + b"\x00")
