"""Open a PDF and read what recognising and indexing it need: page count, Info dictionary, XMP
packet, the text of the first pages (with the font size of each line of page 1) and, page by
page, the text of the whole document.

Why pypdfium2: PDFium is the PDF engine of Chrome. It opens the damaged, oddly encrypted and
huge files people really have, repairs what it can, loads pages on demand (a 500-page PDF costs
no more to open than a 5-page one), extracts text with its line breaks and line-end hyphens
marked, and reports the font size and transformation of every character, which is what picking
the title as the largest line needs. It ships as a self-contained wheel (no poppler, no system
library) and has no Python dependencies.

Things PDFium does not do, done here:
- XMP: PDFium has no API for the catalog's /Metadata stream; `citelib.pdf.xmp` finds the packet
  in the raw bytes (as the PDF specification intends) and parses it safely.
- Thread safety: PDFium must never be entered from two threads at once, not even for two
  different documents. Every PDFium call here runs under one module lock (`_PDFIUM`), so an import
  on one worker thread and full-text indexing on another are safe.
- Errors: every failure becomes a `PdfError` naming the file and the reason; pypdfium2's own
  exceptions never leave this module.

Pages and text pages are closed as soon as they are read, so memory stays flat whatever the size
of the document.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Literal

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from citelib.errors import FormatError
from citelib.pdf.xmp import Xmp, read_xmp

# How many pages `read_pdf` reads by default: a book's copyright page (its ISBN) is often the
# fourth or fifth.
FIRST_PAGES: Final = 5
# Layout analysis of page 1 looks at no more characters than this (a page of vector-text art
# can hold hundreds of thousands).
_MAX_LAYOUT_CHARS: Final = 20_000
# PDF readers accept the `%PDF-` header anywhere in the first 1024 bytes.
_HEADER_WINDOW: Final = 1024

# Info dictionary keys asked for: the standard eight, plus the DOI keys some publishers add.
INFO_KEYS: Final[tuple[str, ...]] = (
    "Title",
    "Author",
    "Subject",
    "Keywords",
    "Creator",
    "Producer",
    "CreationDate",
    "ModDate",
    "doi",
    "DOI",
    "WPS-ARTICLEDOI",
)

# PDFium is not thread-safe: one lock around every call into it (re-entrant, so that a closing
# finalizer run by the garbage collector inside a locked section cannot deadlock).
_PDFIUM: Final = threading.RLock()

PdfErrorKind = Literal["missing", "unreadable", "empty", "not-pdf", "damaged", "encrypted"]


class PdfError(FormatError):
    """A PDF that cannot be opened or read. The message names the file and the reason.

    `kind` tells the callers apart without parsing the message: `missing`, `unreadable` (an
    OS error), `empty` (zero bytes), `not-pdf`, `damaged`, `encrypted` (needs a password; the GUI
    may ask for one and call again with `password=`).
    """

    def __init__(self, path: Path, reason: str, kind: PdfErrorKind) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text on a page, in reading order, with its size and place.

    `size` is the largest rendered font size on the line in points (the font size times the
    text matrix's vertical scale, so text drawn at 1 pt and scaled up counts as large).
    `main_text` leaves out characters much smaller than the line's usual size: the superscript
    affiliation marks in `Jane Smith1,2*` are gone. `top`/`bottom` are in PDF units from the
    bottom of the page. `rotated` lines (the arXiv stamp in the margin) are not body text.
    """

    text: str
    main_text: str
    size: float
    top: float
    bottom: float
    rotated: bool = False


@dataclass(frozen=True, slots=True)
class PdfInfo:
    """What `read_pdf` found. Texts keep the page's line breaks (`\\n`); a line-end hyphen that
    PDFium joined is put back as `-\\n` (use `join_hyphenated` for running prose)."""

    path: Path
    page_count: int
    encrypted: bool
    info: Mapping[str, str]
    xmp: Xmp | None
    texts: tuple[str, ...]
    first_page_lines: tuple[TextLine, ...]
    first_page_size: tuple[float, float]
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_text(self) -> bool:
        return any(t.strip() for t in self.texts)


# ---------------------------------------------------------------------------------------------
# Opening


def check_file(path: Path) -> int:
    """Refuse what is plainly not a readable PDF before PDFium sees it; returns the size.

    Raises PdfError: missing, unreadable, zero bytes, or no `%PDF-` header in the first 1 KiB
    (`paper.pdf: not a PDF (starts with 'PK\\x03\\x04')`).
    """
    try:
        with path.open("rb") as f:
            head = f.read(_HEADER_WINDOW)
            size = f.seek(0, 2)
    except FileNotFoundError:
        raise PdfError(path, "no such file", "missing") from None
    except IsADirectoryError:
        raise PdfError(path, "is a folder, not a file", "unreadable") from None
    except OSError as e:
        raise PdfError(path, f"cannot be read: {e.strerror or e}", "unreadable") from None
    if size == 0:
        raise PdfError(path, "zero bytes", "empty")
    if b"%PDF-" not in head:
        start = repr(head[:4])[1:]
        raise PdfError(path, f"not a PDF (starts with {start})", "not-pdf")
    return size


_LOAD_ERRORS: Final[dict[int, tuple[str, PdfErrorKind]]] = {
    pdfium_c.FPDF_ERR_FILE: ("cannot be read: file access error", "unreadable"),
    pdfium_c.FPDF_ERR_FORMAT: ("damaged: data format error", "damaged"),
    pdfium_c.FPDF_ERR_PASSWORD: ("encrypted with a password", "encrypted"),
    pdfium_c.FPDF_ERR_SECURITY: ("encrypted with an unsupported security scheme", "encrypted"),
    pdfium_c.FPDF_ERR_PAGE: ("damaged: page not found or content error", "damaged"),
    pdfium_c.FPDF_ERR_UNKNOWN: ("damaged: unknown error", "damaged"),
    # Loaded, but with no page at all.
    pdfium_c.FPDF_ERR_SUCCESS: ("damaged: no pages", "damaged"),
}


class _Document:
    """A PDFium document opened from a Python file object, closed with its file. Callers hold
    `_PDFIUM` around every use."""

    def __init__(self, path: Path, password: str | None) -> None:
        self.path = path
        try:
            stream: IO[bytes] = path.open("rb")
        except OSError as e:
            raise PdfError(path, f"cannot be read: {e.strerror or e}", "unreadable") from None
        try:
            # A stream (rather than the path) lets PDFium read any file name on any platform.
            # With password None PDFium still tries the empty user password.
            self.doc: Any = pdfium.PdfDocument(stream, password=password, autoclose=True)
        except pdfium.PdfiumError as e:
            stream.close()
            code = getattr(e, "err_code", None)
            reason, kind = _LOAD_ERRORS.get(
                code if isinstance(code, int) else -1, (f"damaged: {e}", "damaged")
            )
            raise PdfError(path, reason, kind) from None
        except Exception as e:  # anything else pypdfium2 may raise on a hostile file
            stream.close()
            raise PdfError(path, f"damaged: {e}", "damaged") from None

    def page_count(self) -> int:
        return len(self.doc)

    def encrypted(self) -> bool:
        return int(pdfium_c.FPDF_GetSecurityHandlerRevision(self.doc.raw)) != -1

    def info(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key in INFO_KEYS:
            try:
                value = str(self.doc.get_metadata_value(key))
            except Exception:  # an undecodable value is as good as none
                continue
            value = value.replace("\x00", "").strip()
            if value and not (key == "DOI" and found.get("doi") == value):
                found[key] = value
        return found

    def page_size(self, index: int) -> tuple[float, float]:
        page = self.doc[index]
        try:
            return float(page.get_width()), float(page.get_height())
        finally:
            page.close()

    def page_text(self, index: int, lines: bool = False) -> tuple[str, list[TextLine]]:
        """The text of one page (and its lines with sizes, when asked), closing what it opened.
        Raises pdfium.PdfiumError (callers turn it into a warning)."""
        page = self.doc[index]
        try:
            textpage = page.get_textpage()
            try:
                text = str(textpage.get_text_range())
                found = _layout_lines(textpage) if lines else []
            finally:
                textpage.close()
        finally:
            page.close()
        return _layout_text(text), found

    def close(self) -> None:
        self.doc.close()


def _open(path: Path, password: str | None) -> _Document:
    check_file(path)
    with _PDFIUM:
        return _Document(path, password)


# ---------------------------------------------------------------------------------------------
# Text


def _layout_text(text: str) -> str:
    """PDFium's text with `\\n` line ends and its line-end hyphen marks put back as `-\\n`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.replace("\ufffe", "-\n").replace("\x02", "-\n")


_HYPHEN_BREAK: Final = re.compile(r"(\w)-\n[ \t]*(\w)")


def join_hyphenated(text: str) -> str:
    """Running prose from layout text: `immuno-\\ntherapy` -> `immunotherapy` (a lower-case letter
    on both sides), `Smith-\\nJones` and `10.1000/a-\\nb` keep their hyphen and lose the break.
    Other line breaks stay."""

    def join(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        return a + b if a.islower() and b.islower() else f"{a}-{b}"

    return _HYPHEN_BREAK.sub(join, text)


_Char = tuple[str, float, float, float, bool]  # text, size, top, bottom, rotated


def _layout_lines(textpage: Any) -> list[TextLine]:
    """Lines of a text page in reading order with their rendered size, from PDFium's
    per-character data (FPDFText_GetFontSize and FPDFText_GetMatrix)."""
    count = min(int(textpage.count_chars()), _MAX_LAYOUT_CHARS)
    matrix = pdfium_c.FS_MATRIX()
    box = pdfium_c.FS_RECTF()
    groups: list[list[_Char]] = []
    chars: list[_Char] = []

    def flush() -> None:
        nonlocal chars
        if chars:
            groups.append(chars)
            chars = []

    for i in range(count):
        code = int(pdfium_c.FPDFText_GetUnicode(textpage, i))
        if code in (0x0A, 0x0D):
            flush()
            continue
        if code in (0x02, 0xFFFE):  # a line-end hyphen PDFium joined to the next line
            chars.append(("-", 0.0, 0.0, 0.0, False))
            flush()
            continue
        if not 0 < code < 0x110000 or 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        size = float(pdfium_c.FPDFText_GetFontSize(textpage, i))
        if pdfium_c.FPDFText_GetMatrix(textpage, i, matrix):
            scale = math.hypot(float(matrix.c), float(matrix.d))
            if scale > 0:
                size *= scale
        top = bottom = 0.0
        if pdfium_c.FPDFText_GetLooseCharBox(textpage, i, box):
            top, bottom = float(box.top), float(box.bottom)
        angle = float(pdfium_c.FPDFText_GetCharAngle(textpage, i))
        rotated = angle >= 0 and abs(math.sin(angle)) > 0.2
        chars.append((char, size if not char.isspace() else 0.0, top, bottom, rotated))
    flush()
    lines = []
    for group in _merge_bands(groups):
        line = _make_line(group)
        if line is not None:
            lines.append(line)
    return lines


def _band(chars: list[_Char]) -> tuple[float, float, bool] | None:
    sized = [c for c in chars if c[1] > 0 and (c[2] or c[3])]
    if not sized:
        return None
    return min(c[3] for c in sized), max(c[2] for c in sized), sized[0][4]


def _merge_bands(groups: list[list[_Char]]) -> list[list[_Char]]:
    """Join line pieces PDFium split on one line: after a superscript (`Smith¹` `, Doe²`) the
    baseline moves and PDFium starts a new line. Pieces whose vertical bands overlap by half
    the lower one's height are one line."""
    merged: list[list[_Char]] = []
    last: tuple[float, float, bool] | None = None
    for group in groups:
        band = _band(group)
        if merged and last is not None and band is not None and band[2] == last[2]:
            overlap = min(band[1], last[1]) - max(band[0], last[0])
            height = min(band[1] - band[0], last[1] - last[0])
            if not band[2] and height > 0 and overlap >= 0.5 * height and merged[-1][-1][0] != "-":
                merged[-1] = merged[-1] + group
                last = (min(band[0], last[0]), max(band[1], last[1]), band[2])
                continue
        merged.append(group)
        last = band
    return merged


def _make_line(chars: list[_Char]) -> TextLine | None:
    text = "".join(c[0] for c in chars).strip()
    if not text:
        return None
    sized = [c for c in chars if c[1] > 0]
    if not sized:
        return None
    sizes = sorted(c[1] for c in sized)
    usual = sizes[len(sizes) // 2]
    main = "".join(c[0] for c in chars if c[1] == 0 or c[1] >= usual * 0.75)
    main = " ".join(main.split())
    rotated = sum(1 for c in sized if c[4]) * 2 > len(sized)
    tops = [c[2] for c in sized if c[2] or c[3]]
    bottoms = [c[3] for c in sized if c[2] or c[3]]
    return TextLine(
        text=" ".join(text.split()),
        main_text=main,
        size=round(max(sizes), 2),
        top=max(tops) if tops else 0.0,
        bottom=min(bottoms) if bottoms else 0.0,
        rotated=rotated,
    )


# ---------------------------------------------------------------------------------------------
# Public reading API


def read_pdf(path: str | Path, *, pages: int = FIRST_PAGES, password: str | None = None) -> PdfInfo:
    """Open `path` and read its metadata and the text of its first `pages` pages.

    Page 1 is also analysed for line sizes (`PdfInfo.first_page_lines`). A page that cannot be
    read gives empty text and a warning; a broken XMP packet gives a warning. Raises PdfError
    when the file cannot be opened at all (see `PdfError.kind`).
    """
    path = Path(path)
    warnings: list[str] = []
    doc = _open(path, password)
    try:
        with _PDFIUM:
            count = doc.page_count()
            encrypted = doc.encrypted()
            info = doc.info()
            size = (0.0, 0.0)
            # A broken first page: its text fails below, with a warning.
            with contextlib.suppress(Exception):
                size = doc.page_size(0)
        texts: list[str] = []
        lines: list[TextLine] = []
        for index in range(min(pages, count)):
            with _PDFIUM:
                try:
                    text, found = doc.page_text(index, lines=index == 0)
                except Exception as e:
                    warnings.append(f"page {index + 1} could not be read ({_reason(e)})")
                    text, found = "", []
            texts.append(text)
            if index == 0:
                lines = found
    finally:
        with _PDFIUM:
            doc.close()
    xmp, xmp_warning = read_xmp(path)
    if xmp_warning:
        warnings.append(xmp_warning)
    return PdfInfo(
        path=path,
        page_count=count,
        encrypted=encrypted,
        info=info,
        xmp=xmp,
        texts=tuple(texts),
        first_page_lines=tuple(lines),
        first_page_size=size,
        warnings=tuple(warnings),
    )


def page_count(path: str | Path, *, password: str | None = None) -> int:
    """The number of pages. Raises PdfError."""
    path = Path(path)
    doc = _open(path, password)
    with _PDFIUM:
        try:
            return doc.page_count()
        finally:
            doc.close()


def page_texts(
    path: str | Path,
    *,
    start: int = 0,
    password: str | None = None,
    dehyphenate: bool = True,
) -> Generator[str, None, None]:
    """The text of every page from `start` on, one page per step, for full-text indexing.

    Lazy: the file is opened on the first `next()` (which raises PdfError if it cannot be), one
    page is loaded, read and closed per step, and the document is closed when the iteration ends
    or the generator is closed. To cancel, stop iterating and call `.close()` (or iterate inside
    `contextlib.closing(...)`). A page that cannot be read yields `""`. With `dehyphenate`,
    line-end hyphens of words are joined (`join_hyphenated`).
    """
    path = Path(path)
    doc = _open(path, password)
    try:
        with _PDFIUM:
            count = doc.page_count()
        for index in range(max(start, 0), count):
            with _PDFIUM:
                try:
                    text, _ = doc.page_text(index)
                except Exception:
                    text = ""
            yield join_hyphenated(text) if dehyphenate else text
    finally:
        with _PDFIUM:
            doc.close()


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text[:1].lower() + text[1:] if text else type(error).__name__
