"""Decoding imported files: BOMs, UTF-16, cp1252, line ends, binary garbage."""

from __future__ import annotations

import codecs
import random
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citelib.formats.encoding import decode, iter_lines, looks_binary, sniff_file

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


# ---------------------------------------------------------------------------------------------
# Streaming big files line by line (sniff_file + iter_lines), as read_file does for RIS,
# EndNote tagged and MEDLINE.

_LINE_ENDS = re.compile(r"\r\n|\r|\n")


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "xy", "€", " "]), max_size=60),
    st.sampled_from(["utf-8", "cp1252"]),
    st.integers(1, 9),
)
def test_iter_lines_splits_like_the_whole_text(parts: list[str], codec: str, block: int) -> None:
    text = "".join(parts)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.ris"
        path.write_bytes(text.encode(codec))
        # Blocks of a few bytes cut CRLF pairs and UTF-8 sequences in two.
        assert list(iter_lines(path, codec, 0, block)) == _LINE_ENDS.split(text)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (TEXT.encode("utf-8"), ("utf-8", 0, False)),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), ("utf-8", 3, False)),
        (TEXT.encode("cp1252"), ("cp1252", 0, False)),
        (b"caf\xe9 \x81", ("latin-1", 0, False)),  # 0x81 is not in cp1252
        (codecs.BOM_UTF8 + b"caf\xe9", ("utf-8-replace", 3, False)),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), ("utf-16-le", 2, False)),
        (b"\x00\x01\x02binary", ("", 0, True)),
    ],
)
def test_sniff_file(tmp_path: Path, data: bytes, found: tuple[str, int, bool]) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    assert sniff_file(path) == found


def test_sniff_file_finds_late_nul_and_late_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"TY  - JOUR\n" * 300_000 + b"\x00")
    assert sniff_file(path)[2] is True
    path.write_bytes(b"TY  - JOUR\n" * 300_000 + "é".encode("cp1252"))
    assert sniff_file(path)[0] == "cp1252"
    codec, skip, _ = sniff_file(path)
    assert list(iter_lines(path, codec, skip))[-1] == "é"
