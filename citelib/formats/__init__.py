"""The file formats citelib reads and writes, and the file-level work they share.

Each format is a module with `read(text, source) -> ReadResult` and/or `write(items, out)`, plus a
`sniff(head) -> bool` that recognises its content. It joins the registry with one `Format` entry in
`FORMATS`. Readers never raise on bad input: every bad record becomes a `Problem` with its line or
record number, and the caller decides whether to import the valid records or nothing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TextIO

from citelib.durable import sync_folder
from citelib.errors import FormatError
from citelib.formats.encoding import decode, looks_binary
from citelib.model import Item

_SNIFF_CHARS: Final = 4096


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one record (or the whole file) of an imported file."""

    source: str
    line: int | None
    record: int | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.source}:{self.line}: {self.message}"
        if self.record is not None:
            return f"{self.source}: record {self.record}: {self.message}"
        return f"{self.source}: {self.message}"


@dataclass
class ReadResult:
    """What a reader made of a file: the valid items, the problems, and how many records it saw.

    `items` holds only the records without an error; a record with only warnings is in `items`.
    """

    items: list[Item]
    problems: list[Problem]
    records: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


Reader = Callable[[str, str], ReadResult]
Writer = Callable[[Iterable[Item], TextIO], None]
Sniffer = Callable[[str], bool]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extensions: tuple[str, ...]
    read: Reader | None
    write: Writer | None
    sniff: Sniffer | None


# Format modules import Problem and ReadResult from this package, so they come after them.
from citelib.formats import csljson, ris  # noqa: E402

FORMATS: Final[dict[str, Format]] = {
    f.name: f
    for f in (
        Format(
            "csljson", "CSL-JSON", (".json", ".csljson"), csljson.read, csljson.write, csljson.sniff
        ),
        Format("ris", "RIS", (".ris",), ris.read, ris.write, ris.sniff),
    )
}


def get_format(name: str) -> Format:
    """The format called `name` (as in `--format NAME`)."""
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(FORMATS)
        raise FormatError(f"unknown format {name!r}; known formats: {known}") from None


def detect_format(path: Path, text: str) -> Format | None:
    """The format of a file: by its extension first, then by what its first few KB look like.

    When several formats share an extension (`.xml`), the content chooses among them.
    """
    suffix = path.suffix.lower()
    by_extension = [f for f in FORMATS.values() if suffix and suffix in f.extensions]
    if len(by_extension) == 1:
        return by_extension[0]
    head = text[:_SNIFF_CHARS]
    for fmt in by_extension:
        if fmt.sniff is not None and fmt.sniff(head):
            return fmt
    for fmt in FORMATS.values():
        if fmt not in by_extension and fmt.sniff is not None and fmt.sniff(head):
            return fmt
    return None


def read_file(path: Path, format_name: str | None = None) -> ReadResult:
    """Read a reference file: decode it, find its format, parse it to items and problems.

    Raises FormatError only for the file as a whole (unreadable, binary, unknown format); bad
    records are problems in the result.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if looks_binary(data):
        raise FormatError(f"{path} does not look like a text file")
    text = decode(data)
    del data  # a 200 MB file: do not keep its bytes beside its text while parsing
    if not text.strip():
        raise FormatError(f"{path} is empty; nothing to import")
    fmt = get_format(format_name) if format_name else detect_format(path, text)
    if fmt is None:
        raise FormatError(f"cannot tell the format of {path}; name it with --format")
    if fmt.read is None:
        raise FormatError(f"citelib cannot read {fmt.label} files, only write them")
    return fmt.read(text, str(path))


def write_file(path: Path, items: Iterable[Item], format_name: str) -> None:
    """Write items to `path` atomically: readers of `path` see the old file or the whole new one."""
    fmt = get_format(format_name)
    if fmt.write is None:
        raise FormatError(f"citelib cannot write {fmt.label} files, only read them")
    folder = path.parent
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        # os.open applies the umask, so the new file gets the usual permissions (mkstemp: 0600).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with open(fd, "w", encoding="utf-8", newline="\n") as out:
                fmt.write(items, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    except OSError as exc:
        raise FormatError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except UnicodeEncodeError as exc:
        reason = f"text that is not valid Unicode ({exc.reason})"
        raise FormatError(f"cannot write {path}: {reason}") from exc
    sync_folder(folder)
