"""Bytes of an imported file -> text, whatever the tool that wrote it chose.

Reference files arrive as UTF-8 with or without a BOM, UTF-16 from Windows tools, or cp1252 from
old EndNote and Reference Manager exports. Every reader gets `str` with `\\n` line ends.
"""

from __future__ import annotations

import codecs
from typing import Final

# UTF-32 LE's BOM starts with UTF-16 LE's, so it is tried first.
_BOMS: Final[tuple[tuple[bytes, str], ...]] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_BOMS: Final = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
# C0 controls and DEL, without tab, LF, VT, FF, CR and ESC (seen in some terminal-made files).
_CONTROL: Final = bytes([*range(0x01, 0x09), 0x0E, 0x0F, *range(0x10, 0x1B), *range(0x1C, 0x20)])
_CONTROL_DEL: Final = _CONTROL + b"\x7f"
_SAMPLE: Final = 8192


def decode(data: bytes) -> str:
    """Decode with the BOM's encoding, else UTF-8, else cp1252, else latin-1. Never raises."""
    text = _decode(data)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _decode(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                if codec.startswith("utf-32"):
                    continue  # a UTF-16 LE file whose first character is U+0000
                return body.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return data.decode("latin-1")


def looks_binary(data: bytes) -> bool:
    """True for data no reference file holds: NUL bytes (unless UTF-16/32) or mostly controls."""
    if not data or data.startswith(_WIDE_BOMS):
        return False
    if b"\x00" in data:
        return True
    sample = data[:_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_DEL))
    return controls * 10 > len(sample) * 3
