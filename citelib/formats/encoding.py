"""Bytes of an imported file -> text, whatever the tool that wrote it chose.

Reference files arrive as UTF-8 with or without a BOM, UTF-16 from Windows tools, or cp1252 from
old EndNote and Reference Manager exports. Every reader gets `str` with `\\n` line ends.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Final, cast

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


# ---------------------------------------------------------------------------------------------
# Streaming: a big line-based file (RIS, EndNote tagged, MEDLINE) is read in blocks, so neither
# its bytes nor its whole text are ever in memory next to the items made from it. A 190 MB RIS
# file is 380 MB as one `str` (one character outside Latin-1 makes every character two bytes),
# and its list of lines another 400 MB.

_BLOCK: Final = 1 << 20


def split_lines(text: str) -> list[str]:
    """The lines of a text, without their line ends (CRLF, CR or LF), as iter_lines gives a
    file's: what every line-based reader's `read(text)` hands to its `read_lines`."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _bom(head: bytes) -> tuple[str, int] | None:
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    return None


def sniff_file(path: Path) -> tuple[str, int, bool]:
    """(codec, BOM length, looks binary) of a file, reading it once in blocks.

    The codec is the one `decode` would choose: the BOM's, else UTF-8 if the whole file is
    valid UTF-8, else cp1252, else latin-1. Reading in blocks keeps memory flat.
    """
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE)
        if looks_binary(head):
            return "", 0, True
        found = _bom(head)
        if found is not None and not found[0].startswith("utf-8"):
            return found[0], found[1], False  # wide encodings: `read_text_file` decodes whole
        skip = found[1] if found else 0
        utf8 = codecs.getincrementaldecoder("utf-8")()
        cp1252 = codecs.getincrementaldecoder("cp1252")()
        valid_utf8 = valid_cp1252 = True
        block = head[skip:]
        while block:
            if b"\x00" in block:
                return "", 0, True
            if valid_utf8:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    valid_utf8 = False
            if not valid_utf8 and valid_cp1252:
                try:
                    cp1252.decode(block)
                except UnicodeDecodeError:
                    valid_cp1252 = False
            block = fh.read(_BLOCK)
        if valid_utf8:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                valid_utf8 = False
        if valid_utf8:
            return "utf-8", skip, False
        if found is not None:  # a UTF-8 BOM on a file that is not UTF-8: decode with replacement
            return "utf-8-replace", skip, False
        # cp1252 must be checked from the start: redo the pass when UTF-8 failed late.
        return ("cp1252" if _cp1252_valid(path) else "latin-1"), 0, False


def _cp1252_valid(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("cp1252")()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return False
    return True


# How far a file has been read, (bytes read, file size), for whoever reads it (an import's
# progress bar). Set per thread by `read_progress`; a callback may raise to stop the read.
ReadProgress = Callable[[int, int], None]
_READ_PROGRESS: ContextVar[ReadProgress | None] = ContextVar("read_progress", default=None)


@contextmanager
def read_progress(callback: ReadProgress | None) -> Iterator[None]:
    """Report the position of every file read in this thread (by block) to `callback`."""
    token = _READ_PROGRESS.set(callback)
    try:
        yield
    finally:
        _READ_PROGRESS.reset(token)


class _Watched:
    """A binary file that reports its position after each read, for parsers that read the file
    themselves. lxml goes on reading after an exception in `read`, so one raised by the report
    (a cancel) ends the file there instead and is raised again once the parser has stopped."""

    def __init__(self, fh: BinaryIO, report: ReadProgress) -> None:
        self._fh = fh
        self._report = report
        self._size = os.fstat(fh.fileno()).st_size
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        if self.error is not None:
            return b""
        data = self._fh.read(size)
        try:
            self._report(self._fh.tell(), self._size)
        except BaseException as e:
            self.error = e
            return b""
        return data


@contextmanager
def watched(fh: BinaryIO) -> Iterator[BinaryIO]:
    """`fh`, reporting its progress when this thread's reads are watched (`read_progress`);
    the parsers given it only ever call `read`. What the report raised is raised at the end."""
    report = _READ_PROGRESS.get()
    if report is None:
        yield fh
        return
    stream = _Watched(fh, report)
    yield cast(BinaryIO, stream)
    if stream.error is not None:
        raise stream.error


def iter_lines(path: Path, codec: str, skip: int, block_size: int = _BLOCK) -> Iterator[str]:
    """The lines of a file (without their line ends: CRLF, CR or LF), decoded block by block.

    The blocks' lists of lines are chained in C, so a line costs no Python generator step."""
    return chain.from_iterable(_line_blocks(path, codec, skip, block_size))


def _line_blocks(path: Path, codec: str, skip: int, block_size: int) -> Iterator[list[str]]:
    errors = "strict"
    if codec == "utf-8-replace":
        codec, errors = "utf-8", "replace"
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    report = _READ_PROGRESS.get()
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        fh.seek(skip)
        rest = ""
        while True:
            block = fh.read(block_size)
            if report is not None:
                report(fh.tell(), size)
            final = not block
            text = rest + decoder.decode(block, final=final)
            if final:
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                yield text.split("\n")
                return
            # Keep the last, maybe unfinished line for the next block, and a CR at the very end
            # too: it may be the first half of a CRLF.
            hold = ""
            if text.endswith("\r"):
                text, hold = text[:-1], "\r"
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            cut = text.rfind("\n")
            if cut < 0:
                rest = text + hold
                continue
            lines = text[:cut].split("\n")
            rest = text[cut + 1 :] + hold
            yield lines


class EncodedText:
    """A read-only binary stream of `text` encoded as UTF-8, a block at a time: an XML parser
    reads it like a file without a second, encoded copy of a 300 MB text in memory."""

    def __init__(self, text: str, block_size: int = _BLOCK // 4) -> None:
        self._text = text
        self._pos = 0
        self._block = block_size
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            rest = self._pending + self._text[self._pos :].encode("utf-8", "replace")
            self._pos, self._pending = len(self._text), b""
            return rest
        while len(self._pending) < size and self._pos < len(self._text):
            end = self._pos + self._block
            self._pending += self._text[self._pos : end].encode("utf-8", "replace")
            self._pos = end
        out, self._pending = self._pending[:size], self._pending[size:]
        return out
