"""Attachments on disk: file names, safe copies, renames, content types, relinking, safe URLs.

The file side of DESIGN §5, with no database access, so the Library's attachment methods sit on
top of it:

- `attachment_name` builds `{first creator} - {year} - {title}{suffix}` for a stored file, fit
  for every file system citelib runs on: characters Windows, macOS or Linux refuse replaced,
  NFC, at most `NAME_MAX_CHARS` characters and `NAME_MAX_BYTES` bytes of UTF-8 (room for
  eCryptfs's 143-byte limit and for Windows' 260-character paths), no Windows device name.
- `store_copy` copies a file into an item's folder in one pass (SHA-256, size and content type
  computed on the way), through a temporary file in the same folder that is fsynced and then
  given its final name without ever replacing a file already there (`name (2).pdf`...).
  `rename_stored` renames a stored file inside its folder the same way.
- `sha256_of`, `sniff_content_type`, `is_pdf`, `opens_as_pdf`: what a file is, by its bytes.
- `find_by_name` searches folders for missing linked files by file name (the "relink many by
  folder search" feature), best candidate first.
- `safe_url` decides whether a URL field may be opened: only http(s) URLs and DOIs.

Every failure a user can cause (a missing or unreadable source, a full disk) raises
`AttachmentError`, whose message names the file and the reason.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import mimetypes
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final
from urllib.parse import quote, urlsplit, urlunsplit

from citelib import model
from citelib.durable import sync_folder
from citelib.errors import CitelibError

# A whole stored file name, suffix included. 120 characters keep <library>/files/<key>/<name>
# well inside Windows' 260-character paths; 140 bytes of UTF-8 fit eCryptfs (143) and leave the
# 255 bytes of ext4, APFS and NTFS far away even after a ` (12)` is added.
NAME_MAX_CHARS: Final = 120
NAME_MAX_BYTES: Final = 140
# No file system citelib runs on takes a longer name (ext4, APFS: bytes; NTFS: UTF-16 units).
_FS_NAME_MAX_BYTES: Final = 255
# Below this a name cannot hold a creator, a year and a suffix.
_MIN_NAME_BYTES: Final = 24
_CREATOR_MAX_CHARS: Final = 40
_SUFFIX_MAX_CHARS: Final = 16
FALLBACK_STEM: Final = "attachment"

_CHUNK: Final = 1 << 20
_HEAD: Final = 4096
_PDF_WINDOW: Final = 1024  # PDF readers accept `%PDF-` anywhere in the first 1024 bytes
_TEMP_PREFIX: Final = ".citelib-"
_TEMP_SUFFIX: Final = ".part"
_MAX_UNIQUE: Final = 10_000


class AttachmentError(CitelibError):
    """A file that cannot be attached, copied, renamed, read or searched; `path` is the file."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file `store_copy` put in place: where, its SHA-256 (hex), size in bytes, MIME type."""

    path: Path
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True, slots=True)
class Expected:
    """What a missing file was known to be, to rank `find_by_name` candidates (None: unknown)."""

    size: int | None = None
    sha256: str | None = None


FolderProgress = Callable[[int, Path], None]


# ---------------------------------------------------------------------------------- file names

# Windows device names: reserved with any extension (`con.pdf`) and trailing spaces or dots.
_RESERVED: Final[frozenset[str]] = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)
# Zotero's rich-text title markup (CSL-JSON and Zotero imports keep it).
_MARKUP: Final = re.compile(
    r"</?(?:i|b|em|strong|sub|sup|sc|u|nocase|span)(?:\s[^<>]*)?/?>", re.IGNORECASE
)
_COLON_SPACED: Final = re.compile(r"\s*:\s+")
_SPACES: Final = re.compile(r"\s+")
# What may not end a name part: a cut leaves `Cancer:` or `and,` behind otherwise.
_TRAILING_JUNK: Final = re.compile(r"[\s.,;:\-–—(\[{/\u200c\u200d]+$")
_LEADING_JUNK: Final = re.compile(r"^[\s.\-\u200c\u200d]+")
_SUFFIX_OK: Final = re.compile(r"(?:\.[a-z0-9][a-z0-9_+\-]*)+")
_SUFFIX_SPLIT: Final = re.compile(r"^(.*?)(\.[A-Za-z0-9]{1,10})?$", re.DOTALL)

_CHAR_MAP: Final[dict[int, str]] = {
    ord('"'): "'",
    ord(":"): "-",
    ord("/"): "-",
    ord("\\"): "-",
    ord("|"): "-",
    ord("<"): "",
    ord(">"): "",
    ord("*"): "",
    ord("?"): "",
}
# Kept although they are format characters: Persian and Indic words need them.
_JOINERS: Final = frozenset("\u200c\u200d")


def _invisible(ch: str, category: str) -> bool:
    """Format characters (bidi overrides, zero widths: they disguise a name's extension),
    lone surrogates (no UTF-8 for them) and noncharacters, all dropped from names."""
    if category == "Cf":
        return ch not in _JOINERS
    cp = ord(ch)
    return category == "Cs" or 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def _clean(text: str) -> str:
    """One part of a name: legal everywhere, one space between words, NFC."""
    text = unicodedata.normalize("NFC", text)
    text = _COLON_SPACED.sub(" - ", text).translate(_CHAR_MAP)
    out: list[str] = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif not _invisible(ch, category):
            out.append(ch)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", "".join(out)).strip())


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _cut(text: str, max_chars: int, max_bytes: int, *, words: bool) -> str:
    """The longest prefix within both limits, cut at a word boundary when `words` and one is
    in the second half, never between a letter and its combining marks."""
    if len(text) <= max_chars and _utf8_len(text) <= max_bytes:
        return text
    end = min(len(text), max(max_chars, 0))
    while end > 0 and _utf8_len(text[:end]) > max_bytes:
        end -= 1
    # Never leave a combining mark, joiner or variation selector without its base, nor end
    # on a joiner (half an emoji sequence).
    while end > 0 and ((end < len(text) and _attaches(text[end])) or text[end - 1] in _JOINERS):
        end -= 1
    cut = text[:end]
    if words and end < len(text) and not text[end].isspace():
        space = cut.rfind(" ")
        if space > len(cut) // 2:
            cut = cut[:space]
    return cut


def _attaches(ch: str) -> bool:
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in _JOINERS
    )


def _tidy(part: str) -> str:
    return _LEADING_JUNK.sub("", _TRAILING_JUNK.sub("", part))


def _clean_suffix(suffix: str) -> str:
    """`.PDF` -> `.pdf`; a suffix that is not a plain extension (`.p df`, `/x`) is dropped."""
    s = unicodedata.normalize("NFC", suffix.strip()).lower()
    if s and not s.startswith("."):
        s = "." + s
    if len(s) > _SUFFIX_MAX_CHARS or not _SUFFIX_OK.fullmatch(s):
        return ""
    return s


def _is_reserved(stem: str) -> bool:
    base = stem.split(".", 1)[0].rstrip(" .")
    return base.upper() in _RESERVED


def _first_creator(item: model.Item) -> str:
    people = (
        [c for c in item.creators if c.role == "author"]
        or [c for c in item.creators if c.role == "editor"]
        or item.creators
    )
    for c in people:
        name = c.literal or c.family or c.given
        if name.strip():
            return name
    return ""


def strip_markup(title: str) -> str:
    """A title without the rich-text tags Zotero and CSL-JSON allow (`<i>`, `<sup>`...)."""
    return _MARKUP.sub("", title)


def attachment_name(
    item: model.Item,
    suffix: str,
    max_bytes: int = NAME_MAX_BYTES,
    *,
    max_chars: int = NAME_MAX_CHARS,
) -> str:
    """`{first creator} - {year} - {title}{suffix}` for a stored file, safe on every OS.

    The first creator is the first author (else editor, else anyone): family or literal name,
    cut to 40 characters. A missing part is left out with its separator; nothing at all gives
    `attachment{suffix}`. The title (its markup removed; the short title if there is none) is
    shortened at a word boundary, without an ellipsis, so the whole name keeps within
    `max_chars` characters and `max_bytes` bytes of UTF-8. `<>:"/\\|?*` are replaced (`: ` by
    ` - `, `/\\|:` by `-`, `"` by `'`, the rest dropped), control and invisible format
    characters removed, white space made single spaces, the name NFC. No leading dot, dash or
    space, no trailing dot or space, no Windows device name (`CON` becomes `CON_`). `suffix`
    (`.pdf`, `pdf`, `.PDF`) is lower-cased; one that is not a plain extension is dropped.
    """
    if max_bytes < _MIN_NAME_BYTES or max_chars < _MIN_NAME_BYTES:
        raise ValueError(f"a file name needs at least {_MIN_NAME_BYTES} bytes and characters")
    suffix = _clean_suffix(suffix)
    # One character kept back for the `_` a Windows device name needs.
    chars_left = max_chars - len(suffix) - 1
    bytes_left = min(max_bytes, _FS_NAME_MAX_BYTES) - _utf8_len(suffix) - 1

    creator = _clean(_first_creator(item))
    creator = _tidy(_cut(creator, _CREATOR_MAX_CHARS, 4 * _CREATOR_MAX_CHARS, words=True))
    year = str(item.year) if item.year is not None else ""
    title = _tidy(_clean(strip_markup(item.title or item.get("shortTitle"))))

    head = " - ".join(p for p in (creator, year) if p)
    if head and title:
        sep = " - "
        room_chars = chars_left - len(head) - len(sep)
        room_bytes = bytes_left - _utf8_len(head) - len(sep)
        title = _tidy(_cut(title, room_chars, room_bytes, words=True)) if room_chars > 0 else ""
    stem = " - ".join(p for p in (head, title) if p)
    stem = _tidy(_cut(stem, chars_left, bytes_left, words=True))
    stem = unicodedata.normalize("NFC", stem)
    # NFC can lengthen a few rare characters (U+0344); cut again until it holds.
    while stem and (len(stem) > chars_left or _utf8_len(stem) > bytes_left):
        stem = _tidy(unicodedata.normalize("NFC", stem[:-1]))
    if not stem:
        stem = FALLBACK_STEM
    if _is_reserved(stem):
        first, dot, rest = stem.partition(".")
        stem = f"{first.rstrip(' .')}_{dot}{rest}"
    return stem + suffix


def _check_plain_name(name: str) -> None:
    """A name `store_copy` and `rename_stored` accept: one path component, fit for a file."""
    if (
        not name
        or name in (".", "..")
        or any(sep in name for sep in ("/", "\\", "\0"))
        or _utf8_len(name) > _FS_NAME_MAX_BYTES
    ):
        raise ValueError(f"not a plain file name: {name!r}")


def _candidates(name: str) -> Iterator[str]:
    """`name`, then `stem (2).ext`, `stem (3).ext`... each as long as the file system allows."""
    yield name
    m = _SUFFIX_SPLIT.match(name)
    stem, ext = (m.group(1), m.group(2) or "") if m else (name, "")
    limit = min(_FS_NAME_MAX_BYTES, max(NAME_MAX_BYTES, _utf8_len(name)))
    for n in range(2, _MAX_UNIQUE):
        tag = f" ({n})"
        room = limit - _utf8_len(tag) - _utf8_len(ext)
        yield (_cut(stem, len(stem), room, words=False).rstrip(" .") + tag).lstrip() + ext


# ---------------------------------------------------------------------------------- copying


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def check_source(source: Path) -> os.stat_result:
    """The file to attach, stat'ed: AttachmentError when it is missing, unreadable, a folder
    or not a regular file (a pipe would block a copy)."""
    try:
        st = source.stat()
    except FileNotFoundError:
        raise AttachmentError(f"Cannot attach {source}: the file does not exist.", source) from None
    except OSError as exc:
        raise AttachmentError(f"Cannot attach {source}: {_why(exc)}.", source) from exc
    if stat.S_ISDIR(st.st_mode):
        raise AttachmentError(f"Cannot attach {source}: it is a folder, not a file.", source)
    if not stat.S_ISREG(st.st_mode):
        raise AttachmentError(f"Cannot attach {source}: it is not a regular file.", source)
    return st


def store_copy(source: Path, folder: Path, name: str) -> StoredFile:
    """Copy `source` into `folder` as `name` (or `name (2)`... if taken), safely.

    One pass reads the source, hashes it, counts it and writes a temporary `.citelib-*.part`
    file in `folder`, which is fsynced and then hard-linked to its final name, so a name
    already there is never replaced (where links are not supported, the name is checked and
    then renamed to), and the folder fsynced. `durable.replace_durably` is not used because it
    replaces the target; its `sync_folder` is. Any failure leaves no temporary file behind and
    raises `AttachmentError`, as does a source that changed while it was being read. `folder`
    is created if missing. `name` must be a plain file name (see `attachment_name`).
    """
    _check_plain_name(name)
    check_source(source)

    _make_folder(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise AttachmentError(
            f"Cannot store {source.name} in {folder}: {_why(exc)}.", folder
        ) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as dst:
            digest, size, head = _copy_from(source, dst, folder)
        content_type = _sniff(head, name)
        target = _place(tmp, folder, name)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    sync_folder(folder)
    return StoredFile(target, digest, size, content_type)


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AttachmentError(f"Cannot create the folder {folder}: {_why(exc)}.", folder) from exc
    sync_folder(folder.parent)


def _copy_from(source: Path, dst: BinaryIO, folder: Path) -> tuple[str, int, bytes]:
    """Copy `source` into `dst` and fsync it: (sha256 hex, size, first bytes)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    try:
        src = open(source, "rb")  # noqa: SIM115 - closed below, errors told apart from writes
    except FileNotFoundError:
        raise AttachmentError(f"Cannot attach {source}: the file does not exist.", source) from None
    except OSError as exc:
        raise AttachmentError(f"Cannot attach {source}: {_why(exc)}.", source) from exc
    with src:
        try:
            before = os.fstat(src.fileno())
        except OSError as exc:
            raise AttachmentError(f"Cannot attach {source}: {_why(exc)}.", source) from exc
        while True:
            try:
                n = src.readinto(buf)
            except OSError as exc:
                raise AttachmentError(
                    f"Cannot attach {source}: reading it failed ({_why(exc)}).", source
                ) from exc
            if not n:
                break
            chunk = view[:n]
            if len(head) < _HEAD:
                head += bytes(chunk[: _HEAD - len(head)])
            digest.update(chunk)
            try:
                dst.write(chunk)
            except OSError as exc:
                raise AttachmentError(
                    f"Cannot store {source.name} in {folder}: {_why(exc)}.", folder
                ) from exc
            size += n
        try:
            after = os.fstat(src.fileno())
        except OSError as exc:
            raise AttachmentError(f"Cannot attach {source}: {_why(exc)}.", source) from exc
    if not (before.st_size == size == after.st_size and before.st_mtime_ns == after.st_mtime_ns):
        raise AttachmentError(
            f"Cannot attach {source}: it changed while it was being copied "
            "(still downloading or being saved?); try again once it is complete.",
            source,
        )
    try:
        dst.flush()
        os.fsync(dst.fileno())
    except OSError as exc:
        raise AttachmentError(
            f"Cannot store {source.name} in {folder}: {_why(exc)}.", folder
        ) from exc
    return digest.hexdigest(), size, head


def _place(existing: Path, folder: Path, name: str) -> Path:
    """Move `existing` to the first free name among `name`, `name (2)`... in `folder`.

    A hard link claims a name atomically and never replaces a file, then the old name is
    removed; where links are not supported (FAT, some network shares) the name is checked,
    then renamed to. A candidate that is `existing` itself (a file already called `X (2).pdf`
    asked to become `X.pdf` while `X.pdf` is taken) ends the search there.
    """
    links = True
    for candidate in _candidates(name):
        target = folder / candidate
        if target == existing:
            return existing
        if links:
            try:
                os.link(existing, target)
            except FileExistsError:
                if _same_file(existing, target):
                    return _rename_in_place(existing, target)
                continue
            except OSError:
                links = False
            else:
                try:
                    existing.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    with contextlib.suppress(OSError):
                        target.unlink()
                    raise AttachmentError(f"Cannot name {target}: {_why(exc)}.", existing) from exc
                return target
        if os.path.lexists(target):
            if _same_file(existing, target):
                return _rename_in_place(existing, target)
            continue
        try:
            os.rename(existing, target)
        except FileExistsError:
            continue
        except OSError as exc:
            raise AttachmentError(f"Cannot name {target}: {_why(exc)}.", existing) from exc
        return target
    raise AttachmentError(f"Cannot find a free name for {name} in {folder}.", folder)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _rename_in_place(existing: Path, target: Path) -> Path:
    """`smith.pdf` -> `Smith.pdf` on a file system that ignores case (or normalisation)."""
    try:
        os.replace(existing, target)
    except OSError as exc:
        raise AttachmentError(f"Cannot rename {existing}: {_why(exc)}.", existing) from exc
    return target


def rename_stored(path: Path, new_name: str) -> Path:
    """Rename a stored file inside its folder to `new_name`, or `new_name (2)`... if taken.

    Returns the new path; the same path if it already has that name (or is that name's
    `(n)` twin while the plain name belongs to another file). Never replaces another file.
    A change of case only is made in place on file systems that ignore case.
    """
    _check_plain_name(new_name)
    if path.name == new_name:
        return path
    if not path.is_file():
        if path.exists():
            raise AttachmentError(f"Cannot rename {path}: it is not a file.", path)
        raise AttachmentError(f"Cannot rename {path}: the file does not exist.", path)
    try:
        target = _place(path, path.parent, new_name)
    except OSError as exc:
        raise AttachmentError(f"Cannot rename {path}: {_why(exc)}.", path) from exc
    if target != path:
        sync_folder(path.parent)
    return target


# ---------------------------------------------------------------------------------- content


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content, in lower-case hex."""
    digest = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    try:
        with open(path, "rb") as f:
            while n := f.readinto(buf):
                digest.update(view[:n])
    except FileNotFoundError:
        raise AttachmentError(f"Cannot read {path}: the file does not exist.", path) from None
    except IsADirectoryError:
        raise AttachmentError(f"Cannot read {path}: it is a folder, not a file.", path) from None
    except OSError as exc:
        raise AttachmentError(f"Cannot read {path}: {_why(exc)}.", path) from exc
    return digest.hexdigest()


def _read_head(path: Path, size: int = _HEAD) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def is_pdf(path: Path) -> bool:
    """True if the file's first 1024 bytes hold the `%PDF-` header (what PDF readers accept).

    False for a file that cannot be read: whoever asks wants to know it is safe to treat as one.
    """
    try:
        return b"%PDF-" in _read_head(path, _PDF_WINDOW)
    except OSError:
        return False


def opens_as_pdf(path: Path) -> bool:
    """True if opening `path` with the system's default program is opening a PDF.

    The system picks the program by the file's extension, not its content, so both must say
    PDF: a linked `report.exe` with a PDF header is not one, nor is a `.pdf` holding HTML.
    A linked file for which this is False is only opened after asking (issue 5, safety).
    """
    return path.suffix.lower() == ".pdf" and path.is_file() and is_pdf(path)


def sniff_content_type(path: Path) -> str:
    """The MIME type of a file from its first bytes: PDF, EPUB, ZIP, PNG, JPEG, GIF, HTML,
    plain text; else what its extension says; else `application/octet-stream`."""
    try:
        head = _read_head(path)
    except FileNotFoundError:
        raise AttachmentError(f"Cannot read {path}: the file does not exist.", path) from None
    except IsADirectoryError:
        raise AttachmentError(f"Cannot read {path}: it is a folder, not a file.", path) from None
    except OSError as exc:
        raise AttachmentError(f"Cannot read {path}: {_why(exc)}.", path) from exc
    return _sniff(head, path.name)


# What Python's own table lacks among the files people attach to references.
_EXTRA_TYPES: Final[dict[str, str]] = {
    ".epub": "application/epub+zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".djvu": "image/vnd.djvu",
    ".md": "text/markdown",
}


@functools.cache
def _mime_table() -> mimetypes.MimeTypes:
    """Python's own table and ours: the same answers on every machine (the system's
    /etc/mime.types or registry would make them differ)."""
    table = mimetypes.MimeTypes()
    for ext, mime in _EXTRA_TYPES.items():
        table.add_type(mime, ext)
    return table


def _by_suffix(name: str) -> str | None:
    return _mime_table().guess_type(name, strict=False)[0]


_HTML_STARTS: Final = (b"<!doctype html", b"<html", b"<head", b"<body")
_TEXTUAL_APPLICATION: Final = re.compile(r"application/(?:.*[+/])?(?:xml|json|javascript)$")


def _sniff(head: bytes, name: str) -> str:
    if b"%PDF-" in head[:_PDF_WINDOW]:
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if head[30:58] == b"mimetypeapplication/epub+zip":
            return "application/epub+zip"
        guess = _by_suffix(name)  # .docx, .odt, .xlsx... are ZIP files too
        return guess if guess and guess.startswith("application/") else "application/zip"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if start.startswith(_HTML_STARTS) or (
        start.startswith((b"<?xml", b"<!--")) and b"<html" in start[:_PDF_WINDOW]
    ):
        return "text/html"
    if _looks_like_text(head):
        guess = _by_suffix(name)
        if guess and (guess.startswith("text/") or _TEXTUAL_APPLICATION.match(guess)):
            return guess
        return "text/plain"
    return _by_suffix(name) or "application/octet-stream"


_BINARY_CONTROLS: Final = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 (or UTF-16 with a BOM) without the control bytes only binary files hold."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if any(b in _BINARY_CONTROLS for b in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end inside a character; anything else is not UTF-8.
        return exc.reason == "unexpected end of data" and exc.start >= len(head) - 3
    return True


# ---------------------------------------------------------------------------------- relinking


def _fold_name(name: str) -> str:
    """File names compared the way case-insensitive file systems do (and macOS's NFD)."""
    return unicodedata.normalize("NFC", name).casefold()


def find_by_name(
    folders: Sequence[Path],
    names: set[str],
    *,
    expected: Mapping[str, Expected] | None = None,
    cancel: Callable[[], bool] | None = None,
    progress: FolderProgress | None = None,
) -> dict[str, list[Path]]:
    """Files in `folders` (and below) whose name is one of `names`, ignoring case and Unicode
    normalisation: {name asked for: paths, best first}. Names not found are absent.

    Symbolic links to folders are followed, but no folder is searched twice (a link back up
    the tree is no loop); folders that cannot be read are skipped. With several candidates,
    those with the `expected` SHA-256 come first, then those of the expected size (the hash is
    only computed for candidates of that size), then a same-case name; ties in path order.
    `progress(folders searched, folder)` is called as each folder is entered; when `cancel()`
    returns True the search stops and returns what it found so far. A top-level folder that
    does not exist or is not a folder raises `AttachmentError`.
    """
    wanted: dict[str, list[str]] = {}
    for n in names:
        wanted.setdefault(_fold_name(n), []).append(n)
    found: dict[str, list[Path]] = {}
    if not wanted:
        return {}
    for folder in folders:
        if not folder.is_dir():
            raise AttachmentError(f"Cannot search {folder}: it is not a folder.", folder)

    seen: set[tuple[int, int]] = set()
    stack: list[Path] = [Path(f) for f in reversed(folders)]
    searched = 0
    entries = 0
    cancelled = False
    while stack and not cancelled:
        if cancel is not None and cancel():
            break
        current = stack.pop()
        try:
            st = current.stat()
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            continue
        seen.add(ident)
        searched += 1
        if progress is not None:
            progress(searched, current)
        subfolders: list[Path] = []
        try:
            with os.scandir(current) as it:
                for entry in it:
                    entries += 1
                    if entries % 1000 == 0 and cancel is not None and cancel():
                        cancelled = True
                        break
                    try:
                        if entry.is_dir():
                            subfolders.append(Path(entry.path))
                            continue
                        if not entry.is_file():
                            continue
                    except OSError:
                        continue
                    key = _fold_name(entry.name)
                    if key in wanted:
                        found.setdefault(key, []).append(Path(entry.path))
        except OSError:
            continue
        stack.extend(sorted(subfolders, reverse=True))

    result: dict[str, list[Path]] = {}
    for key, paths in found.items():
        for asked in wanted[key]:
            facts = (expected or {}).get(asked, Expected())
            result[asked] = _rank(paths, asked, facts)
    return result


def _rank(paths: list[Path], asked: str, facts: Expected) -> list[Path]:
    def score(p: Path) -> tuple[int, int, int, str]:
        size: int | None
        try:
            size = p.stat().st_size
        except OSError:
            size = None
        same_size = facts.size is not None and size == facts.size
        same_hash = False
        if facts.sha256 and len(paths) > 1 and (facts.size is None or same_size):
            with contextlib.suppress(AttachmentError):
                same_hash = sha256_of(p) == facts.sha256.lower()
        same_case = p.name == asked
        return (not same_hash, not same_size, not same_case, str(p))

    return sorted(paths, key=score)


# ---------------------------------------------------------------------------------- URLs

URL_MAX_CHARS: Final = 8192
_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_DOI_SCHEME: Final = re.compile(r"^doi:\s*", re.IGNORECASE)
_BARE_DOI: Final = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_SAFE: Final = "/:;()[]._-~!$&'*+,=@"


def _unsafe_char(ch: str) -> bool:
    return ch.isspace() or ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def safe_url(url: str) -> str | None:
    """The URL to open for a URL field's text, or None if it must not be opened.

    Opened: `http://` and `https://` URLs with a host (scheme and host lower-cased), `www.`
    addresses (as `https://`), DOIs (`doi:10.1000/x`, `doi: 10...`, a bare `10.1000/x`) as
    `https://doi.org/...` with the DOI percent-encoded. Refused: every other scheme
    (`javascript:`, `data:`, `file:`, `vbscript:`, `ftp:`, and `mailto:`, which can make a
    mail client attach local files), a host with user info (`https://bank.com@evil.example`),
    backslashes, and any control, invisible-format or white-space character inside the text
    (`java\\tscript:`), whatever the case. White space around the text is ignored.
    """
    text = url.strip()
    if not text or len(text) > URL_MAX_CHARS:
        return None
    doi = _DOI_SCHEME.match(text)
    if doi:
        return _doi_url(text[doi.end() :])
    if any(_unsafe_char(ch) for ch in text):
        return None
    if _BARE_DOI.match(text):
        return _doi_url(text)
    m = _SCHEME.match(text)
    if m is None:
        if not text.lower().startswith("www."):
            return None
        text = "https://" + text
    elif m.group(1).lower() not in ("http", "https"):
        return None
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return None
    if not parts.hostname or "@" in parts.netloc:
        return None
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
    )


def _doi_url(doi: str) -> str | None:
    doi = model.normalise_doi(doi)
    if not doi.startswith("10.") or "/" not in doi or any(_unsafe_char(ch) for ch in doi):
        return None
    return "https://doi.org/" + quote(doi, safe=_DOI_SAFE)
