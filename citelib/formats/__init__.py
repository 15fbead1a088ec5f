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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TextIO

from citelib.durable import sync_folder
from citelib.errors import FormatError
from citelib.formats.encoding import ReadProgress, decode, iter_lines, read_progress, sniff_file
from citelib.formats.normalise import normalise_item
from citelib.gcpause import collector_paused
from citelib.model import Item

_SNIFF_CHARS: Final = 4096
# Codecs whose files are streamed line by line (wide encodings are decoded whole).
_CODECS: Final[dict[str, str]] = {
    "utf-8": "utf-8",
    "utf-8-replace": "utf-8",
    "cp1252": "cp1252",
    "latin-1": "latin-1",
}


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
    # The line each item's record starts on, when the reader knows it (parallel to `items`).
    lines: list[int] = field(default_factory=list)

    def where(self, index: int, source: str) -> str:
        """`file:line` of item `index` when known, else `file: record N` of the valid items."""
        if index < len(self.lines) and self.lines[index] > 0:
            return f"{source}:{self.lines[index]}"
        return f"{source}: item {index + 1}"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


Reader = Callable[[str, str], ReadResult]
LineReader = Callable[[Iterable[str], str], ReadResult]
PathReader = Callable[[Path, str], ReadResult]
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
    # Line-based formats also read an iterable of lines: big files are then streamed from disk
    # instead of decoded whole (see `read_file`).
    read_lines: LineReader | None = None
    # XML formats also parse a UTF-8 file straight from disk, never holding its whole text.
    read_path: PathReader | None = None


# Format modules import Problem and ReadResult from this package, so they come after them.
from citelib.formats import (  # noqa: E402
    bibtex,
    csljson,
    endnote,
    endnote_xml,
    pubmed,
    pubmed_xml,
    ris,
    wordxml,
)

FORMATS: Final[dict[str, Format]] = {
    f.name: f
    for f in (
        Format(
            "csljson", "CSL-JSON", (".json", ".csljson"), csljson.read, csljson.write, csljson.sniff
        ),
        Format(
            "bibtex",
            "BibTeX",
            (".bib", ".bibtex"),
            bibtex.read,
            bibtex.write,
            bibtex.sniff,
            bibtex.read_lines,
            bibtex.read_path,
        ),
        Format(
            "biblatex",
            "BibLaTeX",
            (".bib",),
            bibtex.read,
            bibtex.write_biblatex,
            bibtex.sniff,
            bibtex.read_lines,
            bibtex.read_path,
        ),
        Format("ris", "RIS", (".ris",), ris.read, ris.write, ris.sniff, ris.read_lines),
        Format(
            "enw",
            "EndNote tagged",
            (".enw",),
            endnote.read,
            endnote.write,
            endnote.sniff,
            endnote.read_lines,
        ),
        Format(
            "endnote-xml",
            "EndNote XML",
            (".xml",),
            endnote_xml.read,
            endnote_xml.write,
            endnote_xml.sniff,
            read_path=endnote_xml.read_path,
        ),
        Format(
            "nbib",
            "PubMed MEDLINE",
            (".nbib", ".medline"),
            pubmed.read,
            pubmed.write,
            pubmed.sniff,
            pubmed.read_lines,
        ),
        Format(
            "pubmed-xml",
            "PubMed XML",
            (".xml",),
            pubmed_xml.read,
            None,
            pubmed_xml.sniff,
            read_path=pubmed_xml.read_path,
        ),
        Format(
            "word-xml",
            "Word bibliography XML (Sources.xml)",
            (".xml",),
            wordxml.read,
            wordxml.write,
            wordxml.sniff,
        ),
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
    """The format of a file: the one its extension names when its first few KB look like it,
    else the first whose look they have, else the extension's (a file too odd for any sniffer
    goes to the reader its name asks for, which then reports what is wrong with it).

    So a RIS file saved as `.bib` is read as RIS, and `.xml` files are told apart by content.
    """
    suffix = path.suffix.lower()
    by_extension = [f for f in FORMATS.values() if suffix and suffix in f.extensions]
    head = text[:_SNIFF_CHARS]
    for fmt in by_extension:
        if fmt.sniff is not None and fmt.sniff(head):
            return fmt
    for fmt in FORMATS.values():
        if fmt not in by_extension and fmt.sniff is not None and fmt.sniff(head):
            return fmt
    readable = [f for f in by_extension if f.read is not None]
    return readable[0] if readable else None


def read_file(
    path: Path, format_name: str | None = None, *, progress: ReadProgress | None = None
) -> ReadResult:
    """Read a reference file: decode it, find its format, parse it to items and problems, and
    normalise the items (`normalise.normalise_item`: DOI, ISBN, ISSN, pages, names, tags).

    Raises FormatError only for the file as a whole (unreadable, binary, unknown format); bad
    records are problems in the result. Line-based formats in UTF-8 or cp1252 are streamed, and
    XML formats in UTF-8 parsed from disk: memory holds the items made, never the whole file.
    `progress(bytes read, file size)` follows the streamed reads block by block (a file read
    whole reports once, at its end); an exception it raises (a cancel) stops the read.
    """
    with read_progress(progress):
        result = _read_file(path, format_name)
    if progress is not None:
        size = path.stat().st_size
        progress(size, size)
    return result


def _read_file(path: Path, format_name: str | None) -> ReadResult:
    try:
        codec, skip, binary = sniff_file(path)
        if binary:
            raise FormatError(f"{path} does not look like a text file")
        text: str | None = None
        if codec in _CODECS:  # streamable, if the format reads lines
            with path.open("rb") as fh:
                fh.seek(skip)
                head_bytes = fh.read(_SNIFF_CHARS * 4)
            head = head_bytes.decode(_CODECS[codec], errors="ignore")
            empty = not head.strip() and path.stat().st_size <= skip + len(head_bytes)
        else:
            text = decode(path.read_bytes())
            head = text[:_SNIFF_CHARS]
            empty = not text.strip()
        if empty:
            raise FormatError(f"{path} is empty; nothing to import")
        fmt = get_format(format_name) if format_name else detect_format(path, head)
        if fmt is None:
            raise FormatError(f"cannot tell the format of {path}; name it with --format")
        if fmt.read is None:
            raise FormatError(f"citelib cannot read {fmt.label} files, only write them")
        if text is None and fmt.read_path is not None and codec == "utf-8":
            result = fmt.read_path(path, str(path))
        elif text is None and fmt.read_lines is not None:
            result = fmt.read_lines(iter_lines(path, codec, skip), str(path))
        else:
            if text is None:
                data = path.read_bytes()
                text = decode(data)
                del data  # a 200 MB file: do not keep its bytes beside its text while parsing
            result = fmt.read(text, str(path))
            del text
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with collector_paused():
        for item in result.items:
            normalise_item(item)
    return result


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
            with open(fd, "w", encoding="utf-8", newline="\n") as out, collector_paused():
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
